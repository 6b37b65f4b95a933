"""formproc's own constraints for the SIUI sick-leave report and the CAS feedback.

One table per element (`REPORT_ATTRS`, `CERTIFICATE_ATTRS`) states every attribute formproc
writes: type, whether required, lengths, patterns, enumerations, ranges. From the tables come

- `report_schema()`: an XML Schema generated from them, which every report is validated against
  before it is written (lxml, C speed);
- `attribute_problems()`: per-attribute checks in Python, used to turn a certificate that could
  not be reported into findings naming the record field.

The constraints follow the structure published by CNAS for ImportSickLeaveReport (Anexa 010,
§2.1.3) and are a little stricter where the form itself is (two-digit indemnity codes, digits-only
certificate numbers, unique AppIDs). The feedback structure (Anexa 010, §2.1.4) is in
`feedback_xsd()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from lxml import etree

from formproc.xmlsafe import schema_from_text

NS = "http://www.cnas.ro/siui/2.0"
XS = "http://www.w3.org/2001/XMLSchema"

Kind = Literal["string", "int", "date", "boolean"]


@dataclass(frozen=True)
class Attr:
    """One attribute of a report element and its constraints."""

    name: str
    kind: Kind = "string"
    required: bool = False
    max_length: int | None = None
    length: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


_STENCIL = r"[0-9A-Z]{5,6}"
_PID = r"[0-9]{13}"
_DIAG_TYPES = ("0", "1", "2", "3")

REPORT_ATTRS: tuple[Attr, ...] = (
    Attr("AppKey", max_length=20),
    Attr("AppID", required=True, max_length=20, pattern=r"[0-9A-Za-z_\-]{1,20}"),
    Attr("providerCode", required=True, max_length=20),
    Attr("providerName", required=True, max_length=100),
    Attr("workPlace", max_length=20),
    Attr("insuranceHouse", required=True, max_length=20),
    Attr("conventionNo", required=True, max_length=20),
    Attr("reportMonth", "int", required=True, minimum=1, maximum=12),
    Attr("reportYear", "int", required=True, minimum=1750, maximum=9999),
    Attr("correction", "boolean"),
)

CERTIFICATE_ATTRS: tuple[Attr, ...] = (
    Attr("AppID", required=True, max_length=40, pattern=r"[0-9A-Za-z_\-]{1,40}"),
    Attr("correctionType", enum=("M", "A", "S")),
    Attr("serialCode", required=True, max_length=5, pattern=r"[0-9A-Z]{1,5}"),
    Attr("serialNo", required=True, max_length=10, pattern=r"[0-9]{1,10}"),
    Attr("duplicate", "int", required=True, minimum=0, maximum=99),
    Attr("duplSerialCode", max_length=5, pattern=r"[0-9A-Z]{1,5}"),
    Attr("duplSerialNo", max_length=10, pattern=r"[0-9]{1,10}"),
    Attr("month", "int", required=True, minimum=1, maximum=12),
    Attr("year", "int", required=True, minimum=1750, maximum=9999),
    Attr("indemnCode", required=True, max_length=2, pattern=r"[0-9]{2}"),
    Attr("emergency", max_length=3, pattern=r"[0-9]{1,3}"),
    Attr("contagious", max_length=2, pattern=r"[0-9]{1,2}"),
    Attr("certType", required=True, enum=("AM", "IN", "EX")),
    Attr("issueDate", "date", required=True),
    Attr("internValidFrom", "date"),
    Attr("internValidTo", "date"),
    Attr("internDiagCode", max_length=3),
    Attr("internDiagType", enum=_DIAG_TYPES),
    Attr("externValidFrom", "date"),
    Attr("externValidTo", "date"),
    Attr("externDiagCode", max_length=3),
    Attr("externDiagType", enum=_DIAG_TYPES),
    Attr("stencil", required=True, pattern=_STENCIL),
    Attr("pid", required=True, length=13, pattern=_PID),
    Attr("cid", length=20),
    Attr("cardNo", length=16),
    Attr("insuredOrgUnit", required=True, max_length=20),
    Attr("continuation", "boolean", required=True),
    Attr("expertNo", max_length=6),
    Attr("expertDate", "date"),
    Attr("expertStencil", pattern=_STENCIL),
    Attr("maternStencil", pattern=_STENCIL),
    Attr("cheifStencil", pattern=_STENCIL),
    Attr("childPid", length=13, pattern=_PID),
    Attr("childCid", length=20),
    Attr("isEmergencyRecommendation", "boolean"),
)

CERTIFICATE_ORDER: tuple[str, ...] = tuple(a.name for a in CERTIFICATE_ATTRS)
REPORT_ORDER: tuple[str, ...] = tuple(a.name for a in REPORT_ATTRS)
_XS_TYPES = {"string": "xs:string", "int": "xs:int", "date": "xs:date", "boolean": "xs:boolean"}


def _attribute_xsd(attr: Attr) -> str:
    use = "required" if attr.required else "optional"
    facets = []
    if attr.max_length is not None:
        facets.append(f'<xs:maxLength value="{attr.max_length}"/>')
    if attr.length is not None:
        facets.append(f'<xs:length value="{attr.length}"/>')
    if attr.pattern:
        facets.append(f'<xs:pattern value="{attr.pattern}"/>')
    facets += [f'<xs:enumeration value="{v}"/>' for v in attr.enum]
    if attr.minimum is not None:
        facets.append(f'<xs:minInclusive value="{attr.minimum}"/>')
    if attr.maximum is not None:
        facets.append(f'<xs:maxInclusive value="{attr.maximum}"/>')
    if not facets:
        return f'<xs:attribute name="{attr.name}" type="{_XS_TYPES[attr.kind]}" use="{use}"/>'
    return (f'<xs:attribute name="{attr.name}" use="{use}"><xs:simpleType>'
            f'<xs:restriction base="{_XS_TYPES[attr.kind]}">{"".join(facets)}</xs:restriction>'
            f'</xs:simpleType></xs:attribute>')


def report_xsd() -> str:
    """The text of formproc's own XML Schema for the report, generated from the tables."""
    cert = "".join(_attribute_xsd(a) for a in CERTIFICATE_ATTRS)
    report = "".join(_attribute_xsd(a) for a in REPORT_ATTRS)
    return (f'<xs:schema xmlns:xs="{XS}" xmlns:r="{NS}" targetNamespace="{NS}" xmlns="{NS}" '
            'elementFormDefault="qualified">'
            '<xs:element name="report"><xs:complexType><xs:sequence>'
            f'<xs:element name="certificate" maxOccurs="unbounded"><xs:complexType>{cert}</xs:complexType>'
            f'</xs:element></xs:sequence>{report}</xs:complexType>'
            '<xs:unique name="certificateAppID"><xs:selector xpath="r:certificate"/>'
            '<xs:field xpath="@AppID"/></xs:unique>'
            '</xs:element></xs:schema>')


def _string(name: str, max_length: int) -> str:
    return (f'<xs:attribute name="{name}" use="required"><xs:simpleType><xs:restriction base="xs:string">'
            f'<xs:maxLength value="{max_length}"/></xs:restriction></xs:simpleType></xs:attribute>')


def _int(name: str, low: int, high: int) -> str:
    return (f'<xs:attribute name="{name}" use="required"><xs:simpleType><xs:restriction base="xs:int">'
            f'<xs:minInclusive value="{low}"/><xs:maxInclusive value="{high}"/></xs:restriction>'
            '</xs:simpleType></xs:attribute>')


def feedback_xsd() -> str:
    """The text of formproc's own XML Schema for the CAS feedback file."""
    error = ('<xs:element name="error" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:simpleContent>'
             '<xs:extension base="xs:string"><xs:attribute name="code" type="xs:string" use="required"/>'
             '</xs:extension></xs:simpleContent></xs:complexType></xs:element>')
    certificate = ('<xs:element name="certificate" minOccurs="0" maxOccurs="unbounded"><xs:complexType>'
                   f'<xs:sequence><xs:element name="errors" minOccurs="0"><xs:complexType><xs:sequence>{error}'
                   '</xs:sequence></xs:complexType></xs:element></xs:sequence>'
                   '<xs:attribute name="AppID" type="xs:string" use="required"/>'
                   f'{_string("serialCode", 5)}{_string("serialNo", 10)}'
                   '<xs:attribute name="state" type="xs:boolean" use="required"/>'
                   '</xs:complexType></xs:element>')
    return (f'<xs:schema xmlns:xs="{XS}" targetNamespace="{NS}" xmlns="{NS}" elementFormDefault="qualified">'
            f'<xs:element name="report"><xs:complexType><xs:sequence>{certificate}</xs:sequence>'
            '<xs:attribute name="AppID" type="xs:string" use="required"/>'
            f'{_int("reportMonth", 1, 12)}{_int("reportYear", 1750, 9999)}'
            '</xs:complexType></xs:element></xs:schema>')


@lru_cache(maxsize=None)
def report_schema() -> etree.XMLSchema:
    """formproc's own schema of the sick-leave report."""
    return schema_from_text(report_xsd())


@lru_cache(maxsize=None)
def feedback_schema() -> etree.XMLSchema:
    """formproc's own schema of the CAS feedback file."""
    return schema_from_text(feedback_xsd())


def _value_problem(attr: Attr, value: str) -> str | None:
    if attr.kind == "int":
        try:
            number = int(value)
        except ValueError:
            return "trebuie să fie un număr întreg"
        if (attr.minimum is not None and number < attr.minimum) or (attr.maximum is not None and number > attr.maximum):
            return f"trebuie să fie între {attr.minimum} și {attr.maximum}"
        return None
    if attr.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "trebuie să fie o dată AAAA-LL-ZZ"
        return None
    if attr.kind == "boolean":
        return None if value in ("true", "false") else "trebuie să fie true sau false"
    if attr.length is not None and len(value) != attr.length:
        return f"trebuie să aibă exact {attr.length} caractere"
    if attr.max_length is not None and len(value) > attr.max_length:
        return f"poate avea cel mult {attr.max_length} caractere"
    if attr.enum and value not in attr.enum:
        return f"trebuie să fie una dintre valorile {', '.join(attr.enum)}"
    if attr.pattern and not re.fullmatch(attr.pattern, value):
        return f"nu respectă formatul {attr.pattern}"
    return None


def attribute_problems(attrs: dict[str, str]) -> list[tuple[str, str]]:
    """(attribute, Romanian problem) for every constraint a certificate's attributes break."""
    out = []
    for attr in CERTIFICATE_ATTRS:
        value = attrs.get(attr.name)
        if value is None:
            if attr.required:
                out.append((attr.name, "este obligatoriu în raportarea SIUI și lipsește"))
            continue
        problem = _value_problem(attr, value)
        if problem:
            out.append((attr.name, problem))
    return out
