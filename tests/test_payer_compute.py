"""The payer computation against the Norms' worked examples and the rules of rules-facts.md §1a, §6."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from formproc.errors import InputError
from formproc.model import Certificate
from formproc.payer import PayerPolicy, Schedule, compute, compute_episode, explanation_text, parse_incomes
from formproc.payer.schedule import parse_schedule
from formproc.payer.wages import minimum_wage_for_month


def incomes(rows):
    return parse_incomes([{"month": m, "income": i, "daysWorked": d} for m, i, d in rows])


def cert(code, start, end, issued=None, serial="1", prev=None, **kw):
    return Certificate(serialCode="CCMAT", serialNo=serial, indemnCode=code, validFrom=start, validTo=end,
                       days=(end - start).days + 1, issueDate=issued or start, continuation=prev is not None,
                       prevSerialCode="CCMAT" if prev else None, prevSerialNo=prev, **kw)


def payers(result):
    return {d.day.day: d.payer for d in result.days if d.payer}


# 6 months of 2018 whose working days add up to 122 (Norme art. 62 ex. 1: NTZ = 122)
H1_2018 = [("2018-01", 20), ("2018-02", 20), ("2018-03", 22), ("2018-04", 19), ("2018-05", 21), ("2018-06", 20)]
FLAT_2017 = incomes([(f"2017-{m:02d}", 2500, 20) for m in range(7, 13)])
FLAT_2026 = incomes([(f"2026-{m:02d}", 4050, d) for m, d in zip(range(1, 7), [18, 20, 22, 20, 20, 21])])
FLAT_2025 = incomes([(f"2025-{m:02d}", 6000, 20) for m in range(3, 9)])


def test_norme_art31_example1_employer_pays_3_days():
    """Leave 1-12 January 2018, 1-2 January holidays: employer 3 days (3-5), FNUASS 8-12 January."""
    r = compute(cert("01", date(2018, 1, 1), date(2018, 1, 12)), FLAT_2017)
    assert (r.employerDays, r.fnuassDays, r.faambpDays) == (3, 5, 0)
    assert payers(r) == {3: "employer", 4: "employer", 5: "employer", 8: "fnuass", 9: "fnuass", 10: "fnuass",
                         11: "fnuass", 12: "fnuass"}


def test_norme_art31_example2_schedule_without_monday_tuesday():
    """1-15 January 2018, Mondays and Tuesdays off: X on 3-5, Y on 6-7 and 10-14."""
    sched = parse_schedule({"weekdays": ["Wed", "Thu", "Fri", "Sat", "Sun"]})
    r = compute(cert("01", date(2018, 1, 1), date(2018, 1, 15)), FLAT_2017, sched)
    assert [k for k, v in payers(r).items() if v == "employer"] == [3, 4, 5]
    assert [k for k, v in payers(r).items() if v == "fnuass"] == [6, 7, 10, 11, 12, 13, 14]


def test_norme_art31_example3_cumulated_weekly_rest():
    """15-31 January 2018 after 14 days of work: the rest days 15-22 and 27-28 are not paid.

    The Norms' table also marks 24 January as paid; it is a legal holiday since 2017 (Legea
    171/2016, Codul muncii art. 139), which Norme art. 31 alin. (2) itself excludes.
    """
    rest = [date(2018, 1, d).isoformat() for d in [*range(15, 23), 27, 28]]
    sched = parse_schedule({"weekdays": [0, 1, 2, 3, 4, 5, 6], "restDays": rest})
    r = compute(cert("01", date(2018, 1, 15), date(2018, 1, 31)), FLAT_2017, sched)
    assert r.employerDays == 0
    assert sorted(payers(r)) == [23, 25, 26, 29, 30, 31]


def test_norme_art62_example1_daily_average_and_amount():
    """ΣV 15.000, NTZ 122: Mzbci 122,95; 75% x 22 days = 2.028,68, rounded to 2.029 lei."""
    inc = incomes([(m, 2500, d) for m, d in H1_2018])
    r = compute(cert("01", date(2018, 7, 1), date(2018, 7, 31)), inc)
    assert (r.baseAmount, r.baseDays, r.dailyAverage) == (Decimal("15000.00"), 122, Decimal("122.95"))
    assert r.paymentPercent == 75
    assert r.employerDays + r.fnuassDays == 22
    assert r.indemnityAmount == Decimal("2029.00")
    assert r.employerAmount + r.fnuassAmount == r.indemnityAmount


def test_norme_art62_example2_partial_month():
    """A month with 5 days worked and 625 lei: ΣV 13.125, NTZ 107, Mzbci 122,66, 2.024 lei."""
    rows = [(m, 625 if m == "2018-01" else 2500, 5 if m == "2018-01" else d) for m, d in H1_2018]
    r = compute(cert("01", date(2018, 7, 1), date(2018, 7, 31)), incomes(rows))
    assert (r.baseAmount, r.baseDays, r.dailyAverage) == (Decimal("13125.00"), 107, Decimal("122.66"))
    assert r.indemnityAmount == Decimal("2024.00")


def test_norme_art62_example3_months_without_income_are_left_out():
    rows = [(m, 2500, d) for m, d in H1_2018[2:]]
    r = compute(cert("01", date(2018, 7, 1), date(2018, 7, 31)), incomes(rows))
    assert (r.baseAmount, r.baseDays) == (Decimal("10000.00"), 82)


@pytest.mark.parametrize("rounding, average", [("down", "119.04"), ("half_up", "119.05")])
def test_norme_art62_example4_one_month_of_stagiu(rounding, average):
    """2.500 : 21: the Norms truncate to 119,04 (D112 rounds); 100% x 22 = 2.619, 75% x 22 = 1.964."""
    inc = incomes([("2025-07", 2500, 21)])
    pol = PayerPolicy(daily_average_rounding=rounding)
    full = compute(cert("14", date(2025, 9, 1), date(2025, 9, 30)), inc, policy=pol)
    assert full.dailyAverage == Decimal(average)
    assert (full.paymentPercent, full.indemnityAmount) == (100, Decimal("2619.00"))
    rm = compute(cert("15", date(2025, 9, 1), date(2025, 9, 30)), inc, policy=pol)
    assert (rm.paymentPercent, rm.indemnityAmount, rm.employerDays, rm.fnuassDays) == (75, Decimal("1964.00"), 0, 22)


def test_norme_art62_example5_income_cap_per_month_wage():
    """Months Aug 2017-Jan 2018 capped at 12 x 1.450 = 17.400 (2017) and 12 x 1.900 = 22.800 (2018)."""
    rows = [("2017-08", 10400, 20), ("2017-09", 10400, 19), ("2017-10", 11400, 21), ("2017-11", 17800, 20),
            ("2017-12", 18000, 18), ("2018-01", 23000, 20)]
    r = compute(cert("01", date(2018, 2, 1), date(2018, 2, 9)), incomes(rows))
    assert r.baseAmount == Decimal("89800.00")
    assert sum("plafonat" in s.text for s in r.explanation) == 3
    assert minimum_wage_for_month(2017, 11).amount == Decimal("1450")
    assert minimum_wage_for_month(2026, 7).amount == Decimal("4325")


def test_contract_insured_cap_is_three_wages():
    inc = incomes([(f"2025-{m:02d}", 20000, 20) for m in range(3, 9)])
    r = compute(cert("01", date(2025, 9, 1), date(2025, 9, 5), insuredType="art1_2"), inc)
    assert r.baseAmount == Decimal(6 * 3 * 4050).quantize(Decimal("0.01"))
    assert (r.employerDays, r.fnuassDays) == (0, 5)  # FNUASS from day 1, OUG art. 12 lit. B b)


def test_norme_art63_reduced_time_code10():
    """Bcli = 15.000 : 122 x 20,33 = 2.499,59; Ci = 2.499,59 - 1.875 = 624,59, rounded to 625 lei."""
    rows = [(m, 2500, d) for m, d in H1_2018] + [("2018-07", 1875, 22)]
    r = compute(cert("10", date(2018, 7, 1), date(2018, 7, 31)), incomes(rows))
    assert (r.paymentPercent, r.prevention) == (None, True)
    assert (r.fnuassDays, r.employerDays, r.indemnityAmount) == (22, 0, Decimal("625.00"))
    assert any("2.499,59" in s.text for s in r.explanation)


def test_code10_needs_the_reduced_salary():
    with pytest.raises(InputError, match="reduced time"):
        compute(cert("10", date(2018, 7, 1), date(2018, 7, 31)), incomes([(m, 2500, d) for m, d in H1_2018]))


def test_norme_art784_example_first_unpaid_day():
    """5 working days minus the first: 200,82 x 55% x 4 = 441,80, rounded to 442 lei; employer days 2-6."""
    c = cert("01", date(2026, 7, 6), date(2026, 7, 10))
    r = compute(c, FLAT_2026, policy=PayerPolicy(daily_average_rounding="down"))
    assert (r.baseDays, r.dailyAverage, r.paymentPercent) == (121, Decimal("200.82"), 55)
    assert r.indemnityAmount == Decimal("442.00")
    assert payers(r) == {6: "unpaid", 7: "employer", 8: "employer", 9: "employer", 10: "employer"}


@pytest.mark.parametrize("days, percent", [(1, 55), (7, 55), (8, 65), (14, 65), (15, 75), (16, 75), (30, 75)])
def test_code01_bands_from_august_2025(days, percent):
    start = date(2025, 9, 1)
    r = compute(cert("01", start, start + timedelta(days=days - 1)), FLAT_2025)
    assert r.paymentPercent == percent


def test_code01_fifteen_days_follows_policy_and_old_law_is_75():
    c = cert("01", date(2025, 9, 1), date(2025, 9, 15))
    assert compute(c, FLAT_2025, policy=PayerPolicy(code01_day15_percent=65)).paymentPercent == 65
    old = cert("01", date(2025, 7, 1), date(2025, 7, 3))
    assert compute(old, incomes([(f"2025-{m:02d}", 6000, 20) for m in range(1, 7)])).paymentPercent == 75


def test_norme_art301_episode_in_one_month_adds_days():
    """Initial 4 days + continuations 3 and 7 days = 14 days: 65%."""
    a = cert("01", date(2025, 9, 1), date(2025, 9, 4), serial="1")
    b = cert("01", date(2025, 9, 5), date(2025, 9, 7), serial="2", prev="1")
    c = cert("01", date(2025, 9, 8), date(2025, 9, 14), serial="3", prev="2")
    r = compute(c, FLAT_2025, history=[a, b])
    assert r.paymentPercent == 65
    assert r.employerDays == 0  # days 8-14 of the incapacity: FNUASS only


def test_norme_art301_month_crossing_episode_recomputes_initial():
    """4 days in October, 14 in November: 18 days, 75% for the whole episode; October owes a difference."""
    a = cert("01", date(2025, 10, 28), date(2025, 10, 31), serial="1")
    b = cert("01", date(2025, 11, 1), date(2025, 11, 14), serial="2", prev="1")
    inc = incomes([(f"2025-{m:02d}", 6000, 20) for m in range(4, 10)])
    first_alone = compute(a, inc)
    assert first_alone.paymentPercent == 55
    results = compute_episode(b, inc, history=[a])
    assert [r.paymentPercent for r in results] == [75, 75]
    assert results[0].employerDays == 4 and results[1].employerDays == 0  # employer days 1-5 of the episode
    (diff,) = results[1].differences
    assert (diff.month, diff.previousPercent, diff.percent) == ("2025-10", 55, 75)
    assert diff.previousAmount == first_alone.indemnityAmount
    assert diff.difference == results[0].indemnityAmount - first_alone.indemnityAmount > 0
    assert "Recalculare" in explanation_text(results[1])


def test_recorded_payment_of_earlier_certificate_is_the_basis_of_the_difference():
    a = cert("01", date(2025, 10, 28), date(2025, 10, 31), serial="1", indemnityAmount=Decimal("300.00"),
             paymentPercent=55, employerAmount=Decimal("300.00"), fnuassAmount=Decimal("0.00"))
    b = cert("01", date(2025, 11, 1), date(2025, 11, 14), serial="2", prev="1")
    inc = incomes([(f"2025-{m:02d}", 6000, 20) for m in range(4, 10)])
    (diff,) = compute(b, inc, history=[a]).differences
    assert diff.previousAmount == Decimal("300.00")


def test_continuation_without_history_is_an_input_error():
    b = cert("01", date(2025, 11, 1), date(2025, 11, 14), serial="2", prev="1")
    with pytest.raises(InputError, match="--history"):
        compute(b, FLAT_2025)


@pytest.mark.parametrize("code, percent, employer, fund", [
    ("05", 100, 5, "fnuass"), ("06", 100, 5, "fnuass"), ("12", 100, 5, "fnuass"), ("13", 75, 5, "fnuass"),
    ("14", 100, 5, "fnuass"), ("16", 100, 5, "fnuass"), ("07", 100, 0, "fnuass"), ("08", 85, 0, "fnuass"),
    ("09", 85, 0, "fnuass"), ("91", 85, 0, "fnuass"), ("92", 100, 0, "fnuass"), ("15", 75, 0, "fnuass"),
    ("17", 85, 0, "fnuass"), ("51", 100, 0, "fnuass"), ("02", 80, 3, "faambp"), ("03", 80, 3, "faambp"),
    ("04", 80, 3, "faambp"),
])
def test_code_groups_percent_and_payer(code, percent, employer, fund):
    """Two full weeks in September 2025 (10 working days), before the first-unpaid-day period."""
    r = compute(cert(code, date(2025, 9, 1), date(2025, 9, 14)), FLAT_2025)
    assert r.paymentPercent == percent
    assert r.prevention == (code == "07")
    assert r.employerDays == employer
    assert getattr(r, f"{fund}Days") == 10 - employer
    assert r.employerAmount + r.fnuassAmount + r.faambpAmount == r.indemnityAmount


def test_work_accident_with_emergency_is_100_and_code11_is_prevention():
    r = compute(cert("03", date(2025, 9, 1), date(2025, 9, 5), emergency="12"), FLAT_2025)
    assert r.paymentPercent == 100
    rows = [(f"2025-{m:02d}", 6000, 20) for m in range(3, 9)] + [("2025-09", 5000, 22)]
    r11 = compute(cert("11", date(2025, 9, 1), date(2025, 9, 30)), incomes(rows))
    assert (r11.paymentPercent, r11.prevention, r11.faambpDays, r11.indemnityAmount) == (None, True, 22,
                                                                                          Decimal("1000.00"))


def test_unemployed_person_paid_by_fnuass_from_day_one():
    r = compute(cert("01", date(2025, 9, 1), date(2025, 9, 5), insuredType="somer"), FLAT_2025)
    assert (r.employerDays, r.fnuassDays) == (0, 5)


# ---- first unpaid day (OUG 91/2025 art. II, Legea 64/2026, Norme art. 78^4)

def test_first_unpaid_day_working_vs_calendar_for_leave_starting_saturday():
    c = cert("01", date(2026, 3, 7), date(2026, 3, 13))  # Saturday to Friday
    inc = incomes([(f"2025-{m:02d}", 6000, 20) for m in range(9, 13)])
    working = compute(c, inc)
    assert payers(working) == {9: "unpaid", 10: "employer", 11: "employer", 12: "employer", 13: "fnuass"}
    calendar = compute(c, inc, policy=PayerPolicy(first_unpaid_day="calendar"))
    assert payers(calendar) == {9: "employer", 10: "employer", 11: "employer", 12: "employer", 13: "fnuass"}


def test_no_unpaid_day_before_february_2026():
    r = compute(cert("01", date(2026, 1, 26), date(2026, 1, 30), issued=date(2026, 1, 26)),
                incomes([(f"2025-{m:02d}", 6000, 20) for m in range(7, 13)]))
    assert "unpaid" not in payers(r).values() and r.employerDays == 5


def test_fnuass_integral_code_paid_from_second_day():
    r = compute(cert("09", date(2026, 3, 2), date(2026, 3, 6)), FLAT_2026[:2] + FLAT_2025)
    assert payers(r)[2] == "unpaid" and (r.employerDays, r.fnuassDays) == (0, 4)


@pytest.mark.parametrize("code, extra, issued, loses", [
    ("08", {}, date(2026, 4, 1), True),          # exemption not yet in force
    ("08", {}, date(2026, 6, 15), False),        # maternity exempt from 01.06.2026
    ("15", {}, date(2026, 6, 15), False),
    ("17", {}, date(2026, 6, 15), False),
    ("09", {}, date(2026, 6, 15), True),         # child care is not exempt
    ("01", {"observations": "PNS"}, date(2026, 6, 15), False),
    ("01", {"observations": "PNS"}, date(2026, 5, 20), True),
    ("01", {"certType": "IN"}, date(2026, 6, 15), False),
    ("01", {"certType": "AM"}, date(2026, 6, 15), True),
    ("51", {}, date(2026, 6, 15), False),        # policy default: as ANAF D112
    ("03", {}, date(2026, 6, 15), False),        # Legea 346/2002 codes: policy default
])
def test_first_unpaid_day_exemptions(code, extra, issued, loses):
    c = cert(code, issued, issued + timedelta(days=6), issued=issued, **extra)
    inc = incomes([(f"2026-{m:02d}", 5000, 18) for m in range(1, 6)] + [("2025-12", 5000, 18)])
    r = compute(c, inc)
    assert ("unpaid" in payers(r).values()) is loses


def test_code51_unpaid_day_when_policy_follows_the_ordinance():
    c = cert("51", date(2026, 6, 15), date(2026, 6, 19))
    inc = incomes([(f"2026-{m:02d}", 5000, 18) for m in range(1, 6)])
    assert "unpaid" in payers(compute(c, inc, policy=PayerPolicy(code51_first_day_unpaid=True))).values()


def test_one_lost_day_per_episode_from_18_may_2026():
    inc = incomes([(f"2026-{m:02d}", 5000, 18) for m in range(1, 6)])
    a = cert("01", date(2026, 6, 1), date(2026, 6, 5), serial="1", issued=date(2026, 6, 2))
    b = cert("01", date(2026, 6, 6), date(2026, 6, 12), serial="2", prev="1", issued=date(2026, 6, 5))
    first, second = compute_episode(b, inc, history=[a])
    assert list(payers(first).values()).count("unpaid") == 1
    assert "unpaid" not in payers(second).values()


def test_each_certificate_lost_a_day_before_18_may_2026():
    inc = FLAT_2025[:0] + incomes([(f"2025-{m:02d}", 5000, 18) for m in range(9, 13)])
    a = cert("01", date(2026, 3, 2), date(2026, 3, 6), serial="1")
    b = cert("01", date(2026, 3, 7), date(2026, 3, 13), serial="2", prev="1", issued=date(2026, 3, 6))
    first, second = compute_episode(b, inc, history=[a])
    assert payers(first)[2] == "unpaid" and payers(second)[9] == "unpaid"
    assert second.employerDays == 0  # days 8-12 of the episode: FNUASS


def test_overlap_pays_the_earlier_certificate_until_the_later_one():
    a = cert("01", date(2025, 9, 1), date(2025, 9, 10), serial="1")
    b = cert("01", date(2025, 9, 8), date(2025, 9, 12), serial="2", prev="1")
    first, second = compute_episode(b, FLAT_2025, history=[a])
    assert max(d.day for d in first.days) == date(2025, 9, 7)
    assert second.paymentPercent == 65  # 7 + 5 = 12 days


def test_bad_inputs_are_input_errors():
    with pytest.raises(InputError, match="none of the 6 months"):
        compute(cert("01", date(2025, 9, 1), date(2025, 9, 5)), incomes([("2024-01", 100, 5)]))
    with pytest.raises(InputError, match="daysWorked"):
        parse_incomes([{"month": "2025-01", "income": 1, "daysWorked": -1}])
    with pytest.raises(InputError, match="twice"):
        parse_incomes([{"month": "2025-01", "income": 1, "daysWorked": 1}] * 2)
    with pytest.raises(InputError, match="weekday"):
        parse_schedule({"weekdays": ["Funday"]})
    with pytest.raises(InputError, match="indemnCode"):
        compute(cert(None, date(2025, 9, 1), date(2025, 9, 5)), FLAT_2025)


def test_days_worked_above_working_days_are_capped():
    r = compute(cert("01", date(2018, 7, 2), date(2018, 7, 6)), incomes([("2018-06", 2500, 25)]))
    assert r.baseDays == 20
    assert Schedule().working_days_in_month(2018, 6) == 20


def test_indemnity_in_bani_when_policy_says_so():
    inc = incomes([(m, 2500, d) for m, d in H1_2018])
    r = compute(cert("01", date(2018, 7, 1), date(2018, 7, 31)), inc, policy=PayerPolicy(indemnity_rounding="bani"))
    assert r.indemnityAmount == Decimal("2028.68")
