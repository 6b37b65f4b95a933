"""Building the monthly report: select, validate (blocking), map, rectify, check, serialize."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Sequence

from formproc.errors import FormprocError, InputError
from formproc.model import Certificate
from formproc.report.provider import Provider, parse_month
from formproc.report.rectify import corrections, submitted_state
from formproc.report.schema import report_schema
from formproc.report.siui_xml import (
    add_certificate, certificate_attrs, problem_finding, record_month, report_app_id, report_element, serialize,
)
from formproc.xmlsafe import validate


class ReportBlocked(FormprocError):
    """Certificates of the month have error findings: no report is written (exit 1)."""

    exit_code = 1

    def __init__(self, entries: list[dict[str, Any]]):
        count = sum(1 for e in entries if any(f["severity"] == "error" for f in e["findings"]))
        super().__init__(f"raportarea nu a fost generată: {count} certificate au erori")
        self.entries = entries


@dataclass
class Selection:
    """The certificates of a month (with their positions in the input) and what was left out."""

    included: list[tuple[int, Certificate]] = field(default_factory=list)
    annulled: int = 0
    other: list[Certificate] = field(default_factory=list)


def select_records(records: Sequence[Certificate], year: int, month: int) -> Selection:
    """Issued certificates valid for the month; annulled sheets and other months are left out."""
    sel = Selection()
    for index, rec in enumerate(records):
        if record_month(rec) != (year, month):
            sel.other.append(rec)
        elif rec.status == "annulled":
            sel.annulled += 1
            sel.other.append(rec)
        else:
            sel.included.append((index, rec))
    return sel


def _validator_findings(sel: Selection, today: date | None) -> list[list[dict[str, Any]]]:
    from formproc.rules import validate_records

    results = validate_records([r for _, r in sel.included], history=sel.other, today=today)
    return [[f.to_dict() for f in found] for found in results]


@dataclass
class Prepared:
    """A report ready to write, with what it contains and the warnings that did not block it."""

    xml: bytes
    app_id: str
    correction: bool
    selection: Selection
    counts: dict[str, int]
    warnings: list[dict[str, Any]]


def _entry(index: int, rec: Certificate, findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"index": index, "serialCode": rec.serialCode, "serialNo": rec.serialNo, "findings": findings}


def prepare_report(records: Sequence[Certificate], month: str | tuple[int, int], provider: Provider,
                   previous: Sequence[tuple[bytes, str]] = (), today: date | None = None) -> Prepared:
    """Build and check the report; raise ReportBlocked when any certificate has an error finding.

    `previous` holds the reports already submitted for the month (original first, then any
    rectificatives, each as (XML bytes, name)); when given, the result is a rectificative report.
    """
    year, mon = parse_month(month)
    sel = select_records(records, year, mon)
    validator = _validator_findings(sel, today)
    mapped = [certificate_attrs(rec, provider, year, mon) for _, rec in sel.included]
    entries: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for (index, rec), found, m in zip(sel.included, validator, mapped):
        findings = found + [problem_finding(f, msg) for f, msg in m.problems]
        key = rec.key
        if key in seen:
            findings.append(problem_finding("serialNo", f"seria și numărul {key[0]} {key[1]} apar de două ori "
                                                        f"în luna raportată (și la poziția {seen[key]})"))
        seen.setdefault(key, index)
        if findings:
            entries.append(_entry(index, rec, findings))
    if any(f["severity"] == "error" for e in entries for f in e["findings"]):
        raise ReportBlocked(entries)
    xml, app_id, counts = render([m.attrs for m in mapped], provider, year, mon, previous)
    return Prepared(xml, app_id, bool(previous), sel, counts, entries)


def render(current: list[dict[str, str]], provider: Provider, year: int, month: int,
           previous: Sequence[tuple[bytes, str]] = ()) -> tuple[bytes, str, dict[str, int]]:
    """The checked report XML of mapped certificates: (XML, report AppID, counts).

    With `previous` reports it is the rectificative of their state (A/M/S per certificate).
    """
    if previous:
        state = submitted_state(previous, provider, year, month)
        changes = corrections(current, state)
        if not changes:
            raise InputError("nothing to rectify: the certificates are the same as in the reports already submitted")
        app_id = report_app_id(provider, year, month, state.report_ids)
        root = report_element(provider, year, month, app_id, correction=True)
        for attrs, kind in changes:
            add_certificate(root, attrs, kind)
        counts = {k: sum(1 for _, c in changes if c == k) for k in ("A", "M", "S")}
    else:
        if not current:
            raise InputError(f"no issued certificate is valid for {year:04d}-{month:02d}: nothing to report")
        app_id = report_app_id(provider, year, month)
        root = report_element(provider, year, month, app_id, correction=False)
        for attrs in current:
            add_certificate(root, attrs)
        counts = {"certificates": len(current)}
    validate(root, report_schema(), "report")
    return serialize(root), app_id, counts


def build_report(records: Sequence[Certificate], month: str | tuple[int, int], provider: Provider,
                 previous: bytes | Sequence[bytes] | None = None, today: date | None = None) -> bytes:
    """The report XML for a provider and month (rectificative when `previous` reports are given)."""
    if previous is None:
        prev: list[tuple[bytes, str]] = []
    elif isinstance(previous, bytes):
        prev = [(previous, "previous report")]
    else:
        prev = [(p, f"previous report {n + 1}") for n, p in enumerate(previous)]
    return prepare_report(records, month, provider, prev, today).xml
