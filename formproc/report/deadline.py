"""The reporting deadline and the status of a month's report.

Each CAS sets its own deadline (Ord. 15/2018 art. 72); CAS Iași's methodology says "data de 12 a
lunii în curs pentru raportarea activității din luna precedentă", the default here. Other houses
are configured in FORMPROC_HOME/report-deadlines.json as {"CAS-XX": day, ...}.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

from formproc.errors import InputError
from formproc.report.feedback import VALIDAT
from formproc.settings import data_dir

DEFAULT_DUE_DAY = 12
SETTINGS_FILE = "report-deadlines.json"

#: Month statuses, with the Romanian labels the app shows.
STATUSES: dict[str, str] = {
    "not_started": "neînceput",
    "ready": "pregătit",
    "sent": "trimis",
    "validated": "validat",
    "with_errors": "cu erori",
    "rectified": "rectificat",
}


def configured_due_days() -> dict[str, int]:
    """Per-CAS due days from FORMPROC_HOME/report-deadlines.json (empty when absent)."""
    path = data_dir() / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, int) and 1 <= v <= 31 for v in data.values()):
        raise InputError(f"{path}: expected {{\"CAS-XX\": day of month 1-31, ...}}")
    return {str(k).upper(): v for k, v in data.items()}


def due_date(year: int, month: int, cas: str | None = None, due_days: Mapping[str, int] | None = None) -> date:
    """The day the report for (year, month) is due: the CAS's day of the next month (default the 12th)."""
    days = configured_due_days() if due_days is None else {k.upper(): v for k, v in due_days.items()}
    day = days.get((cas or "").upper(), DEFAULT_DUE_DAY)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(next_year, next_month, min(day, calendar.monthrange(next_year, next_month)[1]))


@dataclass(frozen=True)
class MonthReport:
    """One report made for the month: rectificative or not, sent or not, the CAS feedback statuses."""

    correction: bool
    sent: bool
    feedback: tuple[str, ...] | None = None


def month_status(reports: Sequence[MonthReport]) -> str:
    """The month's status from its reports in the order they were made (a key of STATUSES)."""
    if not reports:
        return "not_started"
    last = reports[-1]
    if not last.sent:
        return "ready"
    if last.feedback is None:
        return "rectified" if last.correction else "sent"
    return "validated" if all(s == VALIDAT for s in last.feedback) else "with_errors"


def month_info(year: int, month: int, reports: Sequence[MonthReport], today: date, cas: str | None = None,
               due_days: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Due date, status and whether the month is overdue (due date passed and nothing sent)."""
    due = due_date(year, month, cas, due_days)
    status = month_status(reports)
    return {"month": f"{year:04d}-{month:02d}", "due": due.isoformat(), "status": status,
            "label": STATUSES[status], "overdue": status in ("not_started", "ready") and today > due,
            "daysLeft": (due - today).days}
