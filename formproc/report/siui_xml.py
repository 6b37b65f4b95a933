"""Record → SIUI XML: the one place that maps a Certificate onto ImportSickLeaveReport.

The mapping follows ../shared/docs/record-fields.md ("The report mapping"): identity, codes,
people and approvals map 1:1 by name; the form's first leave row (validFrom, validTo, diagCode,
diagType) goes to the schema's `intern*` group and the discharge row (`extern*` fields) to
`extern*`. Which group the first row of an *ambulatory* certificate belongs to is not stated by any
public source: `AMBULATORY_PERIOD` below is that single switch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Sequence

from lxml import etree

from formproc.model import Certificate
from formproc.report.provider import Provider
from formproc.report.schema import CERTIFICATE_ORDER, NS, REPORT_ORDER, attribute_problems

#: Where the first leave row of an ambulatory (certType AM) certificate goes: "intern" (the
#: documented choice) or "extern". Unconfirmed by CNAS; change here only.
AMBULATORY_PERIOD: Literal["intern", "extern"] = "intern"

#: Record fields written under the same attribute name.
ONE_TO_ONE: tuple[str, ...] = (
    "serialCode", "serialNo", "duplicate", "duplSerialCode", "duplSerialNo", "indemnCode", "emergency",
    "contagious", "certType", "issueDate", "stencil", "pid", "cid", "cardNo", "insuredOrgUnit", "continuation",
    "expertNo", "expertDate", "expertStencil", "maternStencil", "cheifStencil", "childPid", "childCid",
    "isEmergencyRecommendation",
)
_FIRST_ROW = (("validFrom", "ValidFrom"), ("validTo", "ValidTo"), ("diagCode", "DiagCode"), ("diagType", "DiagType"))
_DISCHARGE_ROW = (("externValidFrom", "ValidFrom"), ("externValidTo", "ValidTo"), ("externDiagCode", "DiagCode"),
                  ("externDiagType", "DiagType"))
_SOURCE = "ImportSickLeaveReport (Anexa 010 §2.1.3)"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record_month(rec: Certificate) -> tuple[int, int] | None:
    """The (year, month) a certificate is reported for: item 5, else its issue date's month."""
    if rec.year and rec.month:
        return rec.year, rec.month
    if rec.issueDate:
        return rec.issueDate.year, rec.issueDate.month
    return None


def first_row_group(rec: Certificate) -> str:
    """The schema group ("intern"/"extern") that receives the form's first leave row."""
    return AMBULATORY_PERIOD if rec.certType == "AM" else "intern"


@dataclass
class Mapped:
    """A certificate's report attributes, which record field each came from, and mapping problems."""

    attrs: dict[str, str]
    source_field: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)


def certificate_attrs(rec: Certificate, provider: Provider, year: int, month: int) -> Mapped:
    """The `certificate` attributes of one record (AppID included, correctionType not)."""
    attrs: dict[str, str] = {}
    source: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for name in ONE_TO_ONE:
        value = getattr(rec, name)
        if value is not None:
            attrs[name] = _text(value)
            source[name] = name
    rec_year, rec_month = record_month(rec) or (year, month)
    attrs["month"], attrs["year"] = str(rec_month), str(rec_year)
    source["month"], source["year"] = "month", "year"
    for group, row in ((first_row_group(rec), _FIRST_ROW), ("extern", _DISCHARGE_ROW)):
        for record_field, suffix in row:
            value = getattr(rec, record_field)
            if value is None:
                continue
            attr = group + suffix
            if attr in attrs:
                problems.append((record_field, f"se raportează tot în {attr}, deja completat din {source[attr]}"))
                continue
            attrs[attr], source[attr] = _text(value), record_field
    if rec.duplicate and not (rec.duplSerialCode and rec.duplSerialNo):
        problems.append(("duplSerialCode", "un duplicat trebuie să indice seria și numărul certificatului duplicat"))
    if not rec.duplicate and (rec.duplSerialCode or rec.duplSerialNo):
        problems.append(("duplicate", "seria/numărul certificatului duplicat sunt completate, dar DUPLICAT nu este"))
    attrs["AppID"] = certificate_app_id(provider, rec_year, rec_month, rec)
    problems += [(source.get(attr, attr), f"{attr}: {msg}") for attr, msg in attribute_problems(attrs)]
    return Mapped(attrs, source, problems)


def certificate_app_id(provider: Provider, year: int, month: int, rec: Certificate) -> str:
    """A stable AppID (40 hex digits) from provider, month, series, number and duplicate."""
    key = f"{provider.providerCode}|{year:04d}-{month:02d}|{rec.serialCode}|{rec.serialNo}|{rec.duplicate}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def report_app_id(provider: Provider, year: int, month: int, previous_ids: Sequence[str] = ()) -> str:
    """A stable report AppID (20 hex digits); a rectificative's depends on the reports it corrects."""
    key = "|".join([provider.providerCode, provider.conventionNo, f"{year:04d}-{month:02d}", *previous_ids])
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def problem_finding(record_field: str, message: str) -> dict[str, object]:
    """A blocking finding (same shape as the validator's) for a certificate the report cannot carry."""
    return {"rule": "RAPORT-SIUI", "severity": "error", "fields": [record_field],
            "message": f"Certificatul nu poate fi raportat: {message}", "source": _SOURCE}


def report_element(provider: Provider, year: int, month: int, app_id: str, correction: bool) -> etree._Element:
    """The root `report` element with its attributes in schema order."""
    values = {"AppKey": provider.AppKey, "AppID": app_id, "providerCode": provider.providerCode,
              "providerName": provider.providerName, "workPlace": provider.workPlace,
              "insuranceHouse": provider.insuranceHouse, "conventionNo": provider.conventionNo,
              "reportMonth": str(month), "reportYear": str(year), "correction": "true" if correction else None}
    root = etree.Element(f"{{{NS}}}report", nsmap={None: NS})
    for name in REPORT_ORDER:
        if values[name] is not None:
            root.set(name, values[name])  # type: ignore[arg-type]
    return root


def add_certificate(root: etree._Element, attrs: dict[str, str], correction_type: str | None = None) -> None:
    """Append one `certificate` element, attributes in schema order."""
    el = etree.SubElement(root, f"{{{NS}}}certificate")
    for name in CERTIFICATE_ORDER:
        if name == "correctionType":
            if correction_type:
                el.set(name, correction_type)
        elif name in attrs:
            el.set(name, attrs[name])


def serialize(root: etree._Element) -> bytes:
    """The report as UTF-8 XML with a declaration, one certificate per line."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)
