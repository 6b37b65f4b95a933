"""Romanian legal holidays (the `holidays` package) and day counting for leave periods."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Iterator

import holidays

#: Default work schedule: Monday to Friday (date.weekday() numbers).
MON_FRI: frozenset[int] = frozenset(range(5))


@lru_cache(maxsize=64)
def _year_holidays(year: int) -> dict[date, str]:
    return dict(holidays.Romania(years=year, language="ro"))


def legal_holidays(year: int) -> dict[date, str]:
    """The legal holidays of a year with their Romanian names (Codul muncii art. 139)."""
    return dict(_year_holidays(year))


def is_legal_holiday(day: date) -> bool:
    """True on a Romanian legal holiday."""
    return day in _year_holidays(day.year)


def days_between(start: date, end: date) -> Iterator[date]:
    """Every day from start to end, both included."""
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def calendar_days(start: date, end: date) -> int:
    """Calendar days from start to end, first and last included (0 when end < start)."""
    return max((end - start).days + 1, 0)


def is_working_day(day: date, schedule: frozenset[int] = MON_FRI) -> bool:
    """A day of the work schedule that is not a legal holiday."""
    return day.weekday() in schedule and not is_legal_holiday(day)


def working_days(start: date, end: date, schedule: frozenset[int] = MON_FRI) -> int:
    """Working days from start to end inclusive, legal holidays and days off excluded."""
    return sum(1 for d in days_between(start, end) if is_working_day(d, schedule))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def working_days_in_month(year: int, month: int, schedule: frozenset[int] = MON_FRI) -> int:
    """Working days of a calendar month."""
    return working_days(*month_bounds(year, month), schedule=schedule)


def next_working_day(day: date, schedule: frozenset[int] = MON_FRI) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day, schedule):
        day += timedelta(days=1)
    return day
