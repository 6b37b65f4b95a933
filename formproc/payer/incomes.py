"""The employee's monthly gross incomes and days worked before the leave month (INCOMES.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from formproc.errors import InputError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class MonthIncome:
    """Gross insured income of one month and the days worked in it."""

    year: int
    month: int
    income: Decimal
    days_worked: int

    @property
    def label(self) -> str:
        """The month as YYYY-MM."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0, for month arithmetic."""
        return self.year * 12 + self.month - 1


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: income must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{where}: '{value}' is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise InputError(f"{where}: income must be a non-negative amount")
    return amount


def parse_incomes(data: Any, source: str = "incomes") -> list[MonthIncome]:
    """Months from JSON: [{"month": "2025-09", "income": 6000.00, "daysWorked": 20}, ...]."""
    if not isinstance(data, list):
        raise InputError(f"{source}: expected a JSON list of months")
    out: dict[str, MonthIncome] = {}
    for n, row in enumerate(data):
        where = f"{source}: item {n}"
        if not isinstance(row, dict):
            raise InputError(f"{where}: expected an object with month, income, daysWorked")
        unknown = set(row) - {"month", "income", "daysWorked"}
        if unknown:
            raise InputError(f"{where}: unknown key '{sorted(unknown)[0]}' (known: month, income, daysWorked)")
        m = _MONTH.match(str(row.get("month", "")))
        if not m:
            raise InputError(f"{where}: month must be YYYY-MM")
        days = row.get("daysWorked")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 31:
            raise InputError(f"{where}: daysWorked must be a whole number 0-31")
        item = MonthIncome(int(m.group(1)), int(m.group(2)), _money(row.get("income"), where), days)
        if item.label in out:
            raise InputError(f"{where}: month {item.label} is given twice")
        out[item.label] = item
    return sorted(out.values(), key=lambda i: i.index)
