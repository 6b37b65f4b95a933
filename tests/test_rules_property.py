"""Property tests: CNP/CUI verdicts and the date arithmetic of the rules."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules_table import TODAY, make

from formproc.calendar import is_working_day, next_working_day
from formproc.identity import cnp_problem, cui_problem, make_cnp, make_cui
from formproc.rules import validate_record
from formproc.rules.lookup import cnp_check, cui_check

FAST = settings(max_examples=300, deadline=None)
births = st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31))
leave_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31))


def rules_of(cert, today=TODAY) -> set[str]:
    return {f.rule for f in validate_record(cert, today=today)}


@FAST
@given(births, st.booleans(), st.integers(1, 46), st.integers(1, 999))
def test_generated_cnp_is_valid(born, female, county, serial) -> None:
    cnp = make_cnp(born, female=female, county=f"{county:02d}", serial=serial)
    assert cnp_check(cnp) is None
    assert "CNP_CHECKSUM" not in rules_of(make(pid=cnp))


@FAST
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), st.booleans())
def test_foreign_resident_cnp_either_century(born, female) -> None:
    """7/8/9 do not encode the century: a birth date valid in either century is accepted (29.02.2000)."""
    cnp = make_cnp(born, female=female, foreign=True)
    assert cnp_check(cnp) is None


@FAST
@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_fast_cnp_check_agrees_with_identity(number) -> None:
    assert cnp_check(number) == cnp_problem(number)


@FAST
@given(births, st.integers(0, 11), st.integers(1, 9))
def test_changed_cnp_digit_is_judged_like_identity(born, position, delta) -> None:
    cnp = make_cnp(born)
    changed = cnp[:position] + str((int(cnp[position]) + delta) % 10) + cnp[position + 1:]
    assert cnp_check(changed) == cnp_problem(changed)
    if cnp_problem(changed) is not None:
        assert "CNP_CHECKSUM" in rules_of(make(pid=changed))


@FAST
@given(st.integers(1, 999_999_999))
def test_generated_cui_is_valid_and_a_changed_check_digit_is_not(body) -> None:
    cui = make_cui(str(body))
    assert cui_check(cui) is None and cui_problem("RO" + cui) is None
    wrong = cui[:-1] + str((int(cui[-1]) + 1) % 10)
    assert cui_check(wrong) is not None
    assert "CUI_CHECKSUM" in rules_of(make(cui=wrong))


@FAST
@given(leave_days, st.integers(0, 40), st.integers(-3, 3))
def test_days_count_is_inclusive_calendar_days(start, length, error) -> None:
    end = start + timedelta(days=length)
    days = max(length + 1 + error, 0)
    cert = make(validFrom=start.isoformat(), validTo=end.isoformat(), days=days,
                issueDate=start.isoformat(), month=start.month, year=start.year)
    assert ("DAYS_COUNT" in rules_of(cert, today=date(2030, 1, 1))) == (days != length + 1)


@FAST
@given(leave_days, st.integers(0, 40))
def test_period_in_month_iff_both_ends_in_the_month(start, length) -> None:
    end = start + timedelta(days=length)
    cert = make(validFrom=start.isoformat(), validTo=end.isoformat(), days=length + 1,
                issueDate=start.isoformat(), month=start.month, year=start.year)
    inside = (end.year, end.month) == (start.year, start.month)
    assert ("PERIOD_IN_MONTH" in rules_of(cert, today=date(2030, 1, 1))) == (not inside)


@FAST
@given(leave_days)
def test_next_working_day_is_the_first_working_day_after(day) -> None:
    nxt = next_working_day(day)
    assert nxt > day and is_working_day(nxt)
    assert all(not is_working_day(day + timedelta(days=n)) for n in range(1, (nxt - day).days))


@FAST
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 10, 1)))
def test_child_age_limit_for_code_92(born) -> None:
    """Code 92: child under 18 on the first day of leave (OUG 158/2005 art. 26 alin. (1^4))."""
    child = make_cnp(born, serial=77)
    cert = make(indemnCode="92", childPid=child)
    start = date(2026, 10, 5)
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    assert ("CHILD_AGE" in rules_of(cert)) == (age >= 18)


OPTIONAL = ["serialCode", "serialNo", "continuation", "month", "year", "indemnCode", "pid", "issueDate", "days",
            "validFrom", "validTo", "diagCode", "certType", "issuerType", "cui", "stencil", "insuredOrgUnit"]
CODES = ["01", "05", "06", "07", "08", "09", "10", "11", "12", "15", "17", "51", "91", "92", "99"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "drop": st.sets(st.sampled_from(OPTIONAL), max_size=6),
    "code": st.sampled_from(CODES),
    "start": leave_days, "length": st.integers(-3, 40), "issue_shift": st.integers(-40, 5),
    "continuation": st.booleans(), "prev": st.sampled_from([None, "7000001", "4512301"]),
    "child": st.sampled_from([None, make_cnp(date(2019, 5, 2)), "1234567890123"]),
    "extern": st.booleans(), "status": st.sampled_from(["issued", "issued", "annulled"]),
}), min_size=1, max_size=6))
def test_any_record_set_validates_without_crashing(specs) -> None:
    """Partial or contradictory records give findings, never an exception (cross rules included)."""
    from formproc.rules import validate_records

    records = []
    for n, spec in enumerate(specs):
        end = spec["start"] + timedelta(days=spec["length"])
        patch = {"serialNo": str(7000001 + n % 3), "indemnCode": spec["code"], "validFrom": spec["start"].isoformat(),
                 "validTo": end.isoformat(), "days": max(spec["length"] + 1, 0), "month": spec["start"].month,
                 "year": spec["start"].year, "continuation": spec["continuation"], "prevSerialCode": "CCMAT",
                 "prevSerialNo": spec["prev"], "childPid": spec["child"], "status": spec["status"],
                 "issueDate": (spec["start"] + timedelta(days=spec["issue_shift"])).isoformat()}
        if spec["extern"]:
            patch.update(externDays=3, externValidFrom=end.isoformat(), externValidTo=end.isoformat())
        patch.update({name: None for name in spec["drop"]})
        records.append(make(**patch))
    found = validate_records(records, today=TODAY)
    assert len(found) == len(records)
    assert all("{" not in f.message and f.severity in ("error", "warning") for fs in found for f in fs)
