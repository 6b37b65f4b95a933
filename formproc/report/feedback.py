"""The CAS answer to a report (FeedbackSickLeaveReport): per certificate VALIDAT or CU ERORI.

The summary mirrors the table each CAS publishes for its providers (e.g. CAS Iași, "Raportări
concedii medicale"): VALIDAT, CU ERORI with the error codes and texts, and FĂRĂ RAPORTARE for
issued certificates of the month that the report did not carry. Error texts come from the SIUI
error catalog when it was imported (`formproc catalogs import`), with the operator's comment
from the feedback file added when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Sequence

from formproc import catalogs
from formproc.errors import InputError
from formproc.model import Certificate
from formproc.report.schema import NS, feedback_schema
from formproc.report.siui_xml import record_month
from formproc.xmlsafe import parse_bytes, validate

VALIDAT = "VALIDAT"
CU_ERORI = "CU ERORI"
FARA_RAPORTARE = "FĂRĂ RAPORTARE"


@dataclass(frozen=True)
class FeedbackError:
    """One error of a certificate: the SIUI code and the text the CAS sent with it (may be empty)."""

    code: str
    comment: str


@dataclass
class FeedbackCertificate:
    """The CAS verdict on one reported certificate."""

    app_id: str
    serialCode: str
    serialNo: str
    state: bool
    errors: list[FeedbackError] = field(default_factory=list)


@dataclass
class Feedback:
    """A whole feedback file: the report it answers and the per-certificate verdicts."""

    app_id: str
    year: int
    month: int
    certificates: list[FeedbackCertificate]


def parse_feedback(data: bytes, source: str = "feedback") -> Feedback:
    """Parse and check a FeedbackSickLeaveReport file."""
    root = parse_bytes(data, source)
    if root.tag != f"{{{NS}}}report":
        raise InputError(f"{source}: not a SIUI sick-leave feedback file (root element {root.tag})")
    validate(root, feedback_schema(), source)
    certs = []
    for el in root.iterchildren(f"{{{NS}}}certificate"):
        errors = [FeedbackError(e.get("code", ""), (e.text or "").strip())
                  for e in el.iterfind(f"{{{NS}}}errors/{{{NS}}}error")]
        certs.append(FeedbackCertificate(el.get("AppID", ""), el.get("serialCode", ""), el.get("serialNo", ""),
                                         el.get("state") in ("true", "1"), errors))
    return Feedback(root.get("AppID", ""), int(root.get("reportYear", "0")), int(root.get("reportMonth", "0")),
                    certs)


def error_text(code: str, comment: str, on: date) -> str:
    """The catalog's text for an error code, with the CAS operator's comment when present."""
    entry = catalogs.catalog("error").get(code, on)
    known = entry.name.strip() if entry is not None and entry.name else ""
    if known and comment and comment != known:
        return f"{known} — {comment}"
    return known or comment


def summary(feedback: Feedback, records: Sequence[Certificate] = ()) -> list[dict[str, Any]]:
    """One entry per certificate: serialCode, serialNo, status, errors [{code, text}].

    Issued certificates of the feedback's month in `records` that the feedback does not mention
    are FĂRĂ RAPORTARE.
    """
    on = date(feedback.year, feedback.month, 1)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for cert in feedback.certificates:
        seen.add((cert.serialCode, cert.serialNo))
        out.append({"serialCode": cert.serialCode, "serialNo": cert.serialNo,
                    "status": VALIDAT if cert.state else CU_ERORI,
                    "errors": [{"code": e.code, "text": error_text(e.code, e.comment, on)} for e in cert.errors]})
    for rec in records:
        if rec.status != "issued" or record_month(rec) != (feedback.year, feedback.month) or rec.key in seen:
            continue
        seen.add(rec.key)
        out.append({"serialCode": rec.serialCode, "serialNo": rec.serialNo, "status": FARA_RAPORTARE, "errors": []})
    return out
