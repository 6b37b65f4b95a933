"""The employee's work schedule: which days are working days (Norme art. 31 alin. (2)).

Legal holidays are never paid days (Norme art. 31 alin. (2)); on top of them a schedule says
which weekdays are worked, and may list dates worked or rested outside that pattern (the
cumulated weekly rest of Codul muncii art. 137 alin. (4), Norme art. 31 example 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from formproc.calendar import MON_FRI, days_between, is_legal_holiday, month_bounds
from formproc.errors import InputError

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class Schedule:
    """Working weekdays plus dated exceptions; legal holidays are always days off."""

    weekdays: frozenset[int] = MON_FRI
    rest_days: frozenset[date] = field(default_factory=frozenset)
    work_days: frozenset[date] = field(default_factory=frozenset)

    def is_working(self, day: date) -> bool:
        """True when `day` is a working day of this schedule and not a legal holiday."""
        if is_legal_holiday(day) or day in self.rest_days:
            return False
        return day in self.work_days or day.weekday() in self.weekdays

    def working_days(self, start: date, end: date) -> int:
        """Working days from start to end inclusive."""
        return sum(1 for d in days_between(start, end) if self.is_working(d))

    def working_days_in_month(self, year: int, month: int) -> int:
        """Working days of a calendar month."""
        return self.working_days(*month_bounds(year, month))

    def describe(self) -> str:
        """The schedule in one Romanian line, for the explanation."""
        names = ["luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"]
        text = "zile lucrătoare: " + ", ".join(names[d] for d in sorted(self.weekdays))
        if self.rest_days:
            text += f"; {len(self.rest_days)} zile libere datate"
        if self.work_days:
            text += f"; {len(self.work_days)} zile lucrate datate"
        return text + "; fără sărbătorile legale"


def _weekday(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().lower()[:3] in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()[:3]]
    raise InputError(f"{where}: '{value}' is not a weekday (0-6 with 0 = Monday, or Mon..Sun)")


def _dates(values: Any, where: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise InputError(f"{where}: expected a list of dates YYYY-MM-DD")
    out = set()
    for v in values:
        try:
            out.add(date.fromisoformat(str(v)))
        except ValueError:
            raise InputError(f"{where}: '{v}' is not a date YYYY-MM-DD") from None
    return frozenset(out)


def parse_schedule(data: Any, source: str = "schedule") -> Schedule:
    """A schedule from JSON: {"weekdays": [...], "restDays": [...], "workDays": [...]}, all optional."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object with weekdays, restDays, workDays")
    unknown = set(data) - {"weekdays", "restDays", "workDays"}
    if unknown:
        raise InputError(f"{source}: unknown key '{sorted(unknown)[0]}' (known: weekdays, restDays, workDays)")
    weekdays = data.get("weekdays", sorted(MON_FRI))
    if not isinstance(weekdays, list):
        raise InputError(f"{source}: weekdays must be a list")
    return Schedule(frozenset(_weekday(v, f"{source}: weekdays") for v in weekdays),
                    _dates(data.get("restDays", []), f"{source}: restDays"),
                    _dates(data.get("workDays", []), f"{source}: workDays"))
