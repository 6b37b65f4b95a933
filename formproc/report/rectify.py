"""Rectificative reports: what changed since the reports already submitted for a month.

The state the CAS holds is the original report with every rectificative applied in order
(A adds a certificate, M replaces it, S deletes it). Against that state, each certificate of the
new data is A (new), M (any reported attribute differs: days, dates, codes, people) or nothing
(unchanged); a certificate of the state missing from the new data is S, written with the
attributes it was reported with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from lxml import etree

from formproc.errors import InputError
from formproc.report.provider import Provider
from formproc.report.schema import NS, report_schema
from formproc.xmlsafe import parse_bytes, validate

Key = tuple[str, str]
_IGNORED = ("AppID", "correctionType")


@dataclass
class Submitted:
    """The certificates the CAS holds for one provider and month, and the AppIDs of the reports."""

    certificates: dict[Key, dict[str, str]]
    report_ids: list[str]


def _parse(data: bytes, source: str) -> etree._Element:
    root = parse_bytes(data, source)
    if root.tag != f"{{{NS}}}report":
        raise InputError(f"{source}: not a SIUI sick-leave report (root element {root.tag})")
    validate(root, report_schema(), source)
    return root


def submitted_state(previous: Sequence[tuple[bytes, str]], provider: Provider, year: int, month: int) -> Submitted:
    """Fold the original report and its rectificatives (in order) into the state the CAS holds."""
    state: dict[Key, dict[str, str]] = {}
    ids: list[str] = []
    for n, (data, source) in enumerate(previous):
        root = _parse(data, source)
        expected = {"providerCode": provider.providerCode, "conventionNo": provider.conventionNo,
                    "reportMonth": str(month), "reportYear": str(year)}
        for attr, value in expected.items():
            if root.get(attr) != value:
                raise InputError(f"{source}: {attr} is '{root.get(attr)}', this report has '{value}'")
        correction = root.get("correction") in ("true", "1")
        if n == 0 and correction:
            raise InputError(f"{source}: the first previous report must be the original, not a rectificative")
        if n > 0 and not correction:
            raise InputError(f"{source}: only the first previous report may be an original one")
        ids.append(root.get("AppID", ""))
        for el in root.iterchildren(f"{{{NS}}}certificate"):
            attrs = dict(el.attrib)
            kind = attrs.pop("correctionType", None)
            key = (attrs["serialCode"], attrs["serialNo"])
            if kind == "S":
                state.pop(key, None)
            elif not correction and key in state:
                raise InputError(f"{source}: certificate {key[0]} {key[1]} appears twice")
            else:
                state[key] = attrs
    return Submitted(state, ids)


def _same(a: dict[str, str], b: dict[str, str]) -> bool:
    keys = (set(a) | set(b)) - set(_IGNORED)
    return all(a.get(k) == b.get(k) for k in keys)


def corrections(current: Sequence[dict[str, str]], state: Submitted) -> list[tuple[dict[str, str], str]]:
    """(attributes, correctionType) for every certificate that differs from the submitted state."""
    out: list[tuple[dict[str, str], str]] = []
    seen: set[Key] = set()
    for attrs in current:
        key = (attrs["serialCode"], attrs["serialNo"])
        seen.add(key)
        before = state.certificates.get(key)
        if before is None:
            out.append((attrs, "A"))
        elif not _same(attrs, before):
            out.append((attrs, "M"))
    out += [(attrs, "S") for key, attrs in state.certificates.items() if key not in seen]
    return out
