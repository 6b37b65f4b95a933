"""Paper against the stored record: one difference per field that does not agree.

Every field of the template is compared, corrected on paper or not. A field whose reading is
unusable (no value where there is ink, several boxes marked, a correction whose new value could not
be read, or a value outside the field's grammar that differs from the stored one) is listed as
unreadable, with whatever was read: it is never taken as agreeing, and it cannot be accepted. A sheet marked ANULAT
differs only in its status; a DUPLICAT sheet also in its series/number and the duplicate fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Sequence

from formproc.errors import InputError
from formproc.layout import load_template
from formproc.model import Certificate
from formproc.reconcile.paper import PaperReading

DIFFERS = "differs"
UNREADABLE = "unreadable"


@dataclass
class Difference:
    """One field where the paper and the stored record do not (provably) agree."""

    field: str
    stored: Any
    paper: Any
    confidence: float
    corrected_on_paper: bool
    status: str = DIFFERS  # differs | unreadable
    old_on_paper: Any = None
    warnings: list[str] = dc_field(default_factory=list)

    @property
    def acceptable(self) -> bool:
        """Whether the paper value can be taken over (an unreadable field cannot)."""
        return self.status == DIFFERS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "stored": self.stored, "paper": self.paper,
                               "confidence": round(self.confidence, 3), "corrected_on_paper": self.corrected_on_paper,
                               "status": self.status}
        if self.old_on_paper is not None:
            out["old_on_paper"] = self.old_on_paper
        if self.warnings:
            out["warnings"] = self.warnings
        return out


def _marks(reading: PaperReading, stored: dict[str, Any]) -> list[Difference]:
    out = []
    if reading.annulled and stored.get("status") != "annulled":
        out.append(Difference("status", stored.get("status"), "annulled", 0.9, True))
    dup = reading.duplicate
    if dup is not None:
        if not stored.get("duplicate"):
            out.append(Difference("duplicate", stored.get("duplicate"), 1, 0.9, True))
        for name in ("duplSerialCode", "duplSerialNo"):
            value = dup.get(name)
            if value is None:
                out.append(Difference(name, stored.get(name), None, 0.0, True, UNREADABLE))
            elif value != stored.get(name):
                out.append(Difference(name, stored.get(name), value, 0.8, True))
    return out


def compare(reading: PaperReading, stored: Certificate) -> list[Difference]:
    """The differences between a page read for reconciliation and the stored record."""
    if not reading.aligned:
        raise InputError(f"{reading.source}: the page could not be aligned to a CCM front; nothing to compare")
    template = load_template(reading.template)
    saved = stored.to_json_dict()
    saved.setdefault("status", "issued")
    if reading.annulled:  # ANULAT runs across the fields: only the status is read
        return _marks(reading, saved)
    out: list[Difference] = []
    for spec in template.fields:
        pv = reading.values.get(spec.name)
        if pv is None:
            continue
        have = saved.get(spec.name)
        if not pv.readable or (pv.doubtful and pv.value != have):
            out.append(Difference(spec.name, have, pv.value if pv.readable else None, pv.confidence, pv.corrected,
                                  UNREADABLE, pv.old, pv.warnings))
        elif pv.value != have:
            out.append(Difference(spec.name, have, pv.value, pv.confidence, pv.corrected, DIFFERS, pv.old, pv.warnings))
    return out + _marks(reading, saved)


def pick_record(records: Sequence[Certificate], reading: PaperReading) -> Certificate:
    """The stored record a page is a copy of: the only one, or the one with the page's series/number."""
    if len(records) == 1:
        return records[0]
    paper = reading.scan.get("record") or {}
    key = (paper.get("serialCode"), paper.get("serialNo"))
    found = [r for r in records if (r.serialCode, r.serialNo) == key]
    if len(found) != 1:
        raise InputError(f"{len(records)} records given and {'none' if not found else 'several'} with the "
                         f"series/number read on the paper ({key[0] or '?'} {key[1] or '?'}); give one record")
    return found[0]
