"""The payer-part validation rules, and their agreement with the computation."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

import formproc.rules.payer  # noqa: F401  (registers the payer rules)
from formproc.calendar import month_bounds
from formproc.model import Certificate
from formproc.payer import PayerPolicy, compute_episode, parse_incomes
from formproc.rules import REGISTRY, validate_record, validate_records

PAYER_RULES = ("PAYER_PERCENT", "PAYER_PERCENT_BAND", "PAYER_PREVENTION", "PAYER_DAILY_AVERAGE", "PAYER_BASE_CAP",
               "PAYER_BASE_DAYS", "PAYER_WORKING_DAYS", "PAYER_SPLIT", "PAYER_AMOUNT")
CODES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17",
         "51", "91", "92")


def payer_errors(findings):
    return [f for f in findings if f.rule in PAYER_RULES and f.severity == "error"]


def cert(code, start, end, serial="1", prev=None, **kw):
    return Certificate(serialCode="CCMAT", serialNo=serial, indemnCode=code, validFrom=start, validTo=end,
                       days=(end - start).days + 1, issueDate=start, continuation=prev is not None,
                       prevSerialCode="CCMAT" if prev else None, prevSerialNo=prev, **kw)


def incomes_before(start: date, income=7000, days=19):
    idx = start.year * 12 + start.month - 1
    rows = [{"month": f"{y:04d}-{m + 1:02d}", "income": income, "daysWorked": days}
            for y, m in (divmod(i, 12) for i in range(idx - 6, idx + 1))]
    return parse_incomes(rows)


def test_payer_rules_are_registered():
    assert set(PAYER_RULES) <= set(REGISTRY)
    assert all(REGISTRY[r].source for r in PAYER_RULES)


STARTS = [date(2025, 3, 3), date(2025, 9, 26), date(2026, 3, 7), date(2026, 6, 12), date(2026, 12, 28)]


@pytest.mark.parametrize("code", CODES)
def test_computed_payer_part_draws_no_error(code):
    """Every code, dates before/inside the first-unpaid-day period, short and long, both rounding policies."""
    for start, length, rounding, insured in itertools.product(STARTS, (3, 9, 15), ("half_up", "down"),
                                                              (None, "somer")):
        end = min(start + timedelta(days=length - 1), month_bounds(start.year, start.month)[1])
        c = cert(code, start, end, insuredType=insured, emergency="7" if code == "06" else None)
        (res,) = compute_episode(c, incomes_before(start, 23000), policy=PayerPolicy(daily_average_rounding=rounding))
        filled = res.apply(c)
        assert payer_errors(validate_record(filled, today=date(2027, 1, 1))) == [], (code, start, length)


def test_computed_episode_draws_no_error_across_months():
    a = cert("01", date(2025, 10, 28), date(2025, 10, 31), serial="1")
    b = cert("01", date(2025, 11, 1), date(2025, 11, 14), serial="2", prev="1")
    c = cert("01", date(2025, 11, 15), date(2025, 11, 30), serial="3", prev="2")
    results = compute_episode(c, incomes_before(a.validFrom), history=[a, b])
    filled = [r.apply(x) for r, x in zip(results, (a, b, c))]
    for findings in validate_records(filled, today=date(2026, 1, 1)):
        assert payer_errors(findings) == []


def test_norms_truncated_average_is_accepted():
    c = cert("01", date(2025, 9, 1), date(2025, 9, 5), baseAmount=Decimal("2500"), baseDays=21,
             dailyAverage=Decimal("119.04"))
    assert payer_errors(validate_record(c, today=date(2026, 1, 1))) == []
    bad = c.model_copy(update={"dailyAverage": Decimal("120.00")})
    assert [f.rule for f in payer_errors(validate_record(bad, today=date(2026, 1, 1)))] == ["PAYER_DAILY_AVERAGE"]


def test_higher_band_alone_is_only_a_warning():
    """75% on a lone 5-day certificate: possible after continuations (Norme art. 30^1), so a warning."""
    c = cert("01", date(2025, 9, 1), date(2025, 9, 5), paymentPercent=75)
    found = validate_record(c, today=date(2026, 1, 1))
    assert payer_errors(found) == []
    assert [f.rule for f in found if f.rule.startswith("PAYER_")] == ["PAYER_PERCENT_BAND"]


@pytest.mark.parametrize("code, update, rule", [
    ("01", {"paymentPercent": 55, "days": 20}, "PAYER_PERCENT"),
    ("01", {"paymentPercent": 80}, "PAYER_PERCENT"),
    ("08", {"paymentPercent": 75}, "PAYER_PERCENT"),
    ("10", {"paymentPercent": 85}, "PAYER_PERCENT"),
    ("10", {"prevention": False}, "PAYER_PREVENTION"),
    ("01", {"prevention": True}, "PAYER_PREVENTION"),
    ("01", {"employerDays": 6}, "PAYER_WORKING_DAYS"),
    ("03", {"employerDays": 4}, "PAYER_WORKING_DAYS"),
    ("01", {"employerDays": 3, "fnuassDays": 3}, "PAYER_WORKING_DAYS"),
    ("08", {"employerDays": 2}, "PAYER_SPLIT"),
    ("03", {"fnuassDays": 2}, "PAYER_SPLIT"),
    ("01", {"indemnityAmount": Decimal("100"), "employerAmount": Decimal("60"), "fnuassAmount": Decimal("30")},
     "PAYER_SPLIT"),
    ("01", {"baseAmount": Decimal("400000"), "baseDays": 120, "dailyAverage": Decimal("3333.33")}, "PAYER_BASE_CAP"),
    ("01", {"dailyAverage": Decimal("100"), "paymentPercent": 55, "employerDays": 4, "indemnityAmount": Decimal("300"),
            "employerAmount": Decimal("300")}, "PAYER_AMOUNT"),
])
def test_wrong_payer_part_draws_an_error(code, update, rule):
    start = date(2025, 9, 1)
    days = update.pop("days", 5)
    c = cert(code, start, start + timedelta(days=days - 1), **update)
    assert rule in [f.rule for f in payer_errors(validate_record(c, today=date(2026, 1, 1)))]
