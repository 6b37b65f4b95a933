"""The minimum gross wage per country (salariul minim brut pe țară) as dated data, and the income cap."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from formproc.calendar import month_bounds
from formproc.errors import InputError


@dataclass(frozen=True)
class MinimumWage:
    """One value of the minimum gross wage, in force from `valid_from` until the next one."""

    valid_from: date
    amount: Decimal
    source: str


@lru_cache(maxsize=1)
def minimum_wages() -> tuple[MinimumWage, ...]:
    """The shipped history (formproc/payer/data/minimum_wage.json), oldest first."""
    text = resources.files("formproc.payer").joinpath("data", "minimum_wage.json").read_text(encoding="utf-8")
    rows = [MinimumWage(date.fromisoformat(r["validFrom"]), Decimal(r["amount"]), r["source"])
            for r in json.loads(text)]
    return tuple(sorted(rows, key=lambda w: w.valid_from))


def minimum_wage_on(day: date) -> MinimumWage:
    """The minimum gross wage in force on `day`."""
    found = [w for w in minimum_wages() if w.valid_from <= day]
    if not found:
        raise InputError(f"no minimum gross wage known for {day.isoformat()} (history starts "
                         f"{minimum_wages()[0].valid_from.isoformat()})")
    return found[-1]


def minimum_wage_for_month(year: int, month: int) -> MinimumWage:
    """The wage for an income month: the value in force on the month's last day.

    A value changed mid-month (HG 4/2021 from 13 January 2021) then counts for the whole month,
    as payroll applied it to that month's salaries.
    """
    return minimum_wage_on(month_bounds(year, month)[1])
