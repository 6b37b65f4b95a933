"""The engine's fast paths give the answers of the plain ones: catalog tables, CNP check, rule
plans per period, record views in batches, the `formproc validate` text, the paused collector."""

from __future__ import annotations

import gc
import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from test_rules_table import BASE, PID, PID2, chain, make

from formproc.catalogs import catalog
from formproc.identity import cnp_problem
from formproc.model import field_item
from formproc.rules import REGISTRY, rules, validate_record, validate_records
from formproc.rules.engine import findings_json, findings_text, rule_date, single_context
from formproc.rules.lookup import KINDS, cnp_check, contains, entry, refresh
from formproc.rules.policy import Policy
from formproc.rules.registry import Finding, RecordView

TODAY = date(2026, 11, 1)


def _boundaries() -> list[date]:
    """Every day on which a rule or a catalog entry starts or ends, with its neighbours."""
    days = {date(2020, 1, 1), TODAY}
    for r in REGISTRY.values():
        days.update(d for d in (r.valid_from, r.valid_to) if d)
    for kind in KINDS:
        days.update(d for e in catalog(kind).entries for d in (e.valid_from, e.valid_to) if d)
    return sorted({d + timedelta(days=k) for d in days for k in (-1, 0, 1) if date(2000, 1, 1) < d < date(2100, 1, 1)})


def test_catalog_tables_answer_like_the_catalogs() -> None:
    """Every code as written (zeros, case, unknown, empty) on every boundary day."""
    refresh()  # as every validation run does first (other tests may have reloaded the catalogs)
    days = _boundaries()
    for kind in KINDS:
        cat = catalog(kind)
        codes = {e.code for e in cat.entries} | {"0" + e.code for e in cat.entries} | {
            e.code.lower() for e in cat.entries} | {"", "999", "RM", "zz", "001", "1000", None}
        for code in codes:
            for day in days:
                assert entry(kind, code, day) is cat.get(code, day), (kind, code, day)
                assert contains(kind, code, day) == cat.contains(code, day), (kind, code, day)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789٣²", min_size=12, max_size=14))
def test_cnp_fast_path_agrees_with_identity_beyond_ascii(number) -> None:
    try:
        expected = cnp_problem(number)
    except ValueError:  # a digit int() cannot read: identity itself cannot judge it
        return
    assert cnp_check(number) == expected


def _reference(record, ctx) -> list[Finding]:
    """The rules checked one by one, as the registry describes them (no plans, no views)."""
    out: list[Finding] = []
    paid = any(field_item(name) == "Art. 12" for name in record.model_fields_set)
    for basis, on in (("issue", ctx.on), ("episode", ctx.episode_on or ctx.on)):
        for r in rules("record"):
            if r.basis != basis or (record.status == "annulled" and not r.annulled):
                continue
            if r.codes is not None and record.indemnCode not in r.codes or not r.in_force(on):
                continue
            if r.family == "payer" and not paid:
                continue
            if r.needs and all(getattr(record, n) is None for n in r.needs):
                continue
            out.extend(r.findings(r.check(record, ctx), record))
    return out


def test_plans_per_period_run_the_rules_in_force_on_each_day() -> None:
    """Issue dates on every rule/catalog boundary: the same findings as checking each rule by hand."""
    samples = [make(), make(indemnCode="09", childPid=PID2), make(indemnCode="05", contagious="36"),
               make(indemnCode="06", emergency="44", days=9), make(certType="EX", ward="ATI", externDays=9),
               make(continuation=True, prevSerialCode="CCMAT", prevSerialNo="1"),
               make(status="annulled", serialNo="X"), make(paymentPercent=75, indemnCode="01", dailyAverage="10.00")]
    for day in _boundaries():
        for record in samples:
            moved = record.model_copy(update={"issueDate": day, "validFrom": day, "validTo": day, "days": 1,
                                              "month": day.month, "year": day.year})
            ctx = single_context(moved, TODAY, Policy())
            assert validate_record(moved, today=TODAY) == _reference(moved, ctx), (day, record.indemnCode)


def test_record_view_shares_the_record_fields() -> None:
    record = make()
    view = RecordView(record)
    assert view.__dict__ is record.__dict__
    assert (view.pid, view.days, view.validFrom) == (record.pid, record.days, record.validFrom)
    assert rule_date(view, TODAY) == rule_date(record, TODAY)


def test_one_record_object_given_twice_gets_the_same_findings() -> None:
    first, second = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    found = validate_records([first, second, first], today=TODAY)
    assert found[0] == found[2]
    assert found == validate_records([first, second, first], history=[first], today=TODAY)


def test_findings_text_is_the_indented_json() -> None:
    records = [make(), make(serialNo="2", pid=PID2, days=5, observations="„ă” \\ \"x\""), make(serialCode=None),
               make(serialNo="9", pid=PID, lastName="ȘTEFĂNESCU", diagCode="RM")]
    findings = validate_records(records, today=TODAY)
    findings[0] = []  # an element without findings next to elements with some
    assert all(findings[1:])
    expected = json.dumps(findings_json(records, findings), ensure_ascii=False, indent=2)
    assert findings_text(records, findings) == expected
    assert findings_text([], []) == json.dumps([], indent=2)


def test_collector_state_is_restored() -> None:
    records = [make(), make(serialNo="2", pid=PID2)]
    assert gc.isenabled()
    validate_records(records, today=TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        validate_records(records, today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_base_record_is_valid_fixture() -> None:
    """The fixtures above start from the table tests' valid base certificate."""
    assert BASE["pid"] == PID and validate_record(make(), today=TODAY) == []
