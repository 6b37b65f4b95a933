"""Paper against the stored record: one difference per field that does not agree.

Every field of the template is compared, corrected on paper or not. A field whose reading is
unusable (no value where there is ink, several boxes marked, a correction whose new value could not
be read, or a value outside the field's grammar that differs from the stored one) is listed as
unreadable, with whatever was read: it is never taken as agreeing, and it cannot be accepted. A sheet marked ANULAT
differs only in its status; a DUPLICAT sheet also in its series/number and the duplicate fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from typing import Any, Sequence

from formproc.errors import InputError
from formproc.layout import load_template
from formproc.model import Certificate
from formproc.reconcile.paper import PaperReading

DIFFERS = "differs"
UNREADABLE = "unreadable"
#: prior odds that an uncorrected field of a copy shows what was printed from the stored record
AGREE_PRIOR = 20.0
#: a box's probability of a character outside the scanner's candidates
CELL_FLOOR = 0.002
#: OCR edits per character of a text line that still count as the same text
TEXT_EDITS = 0.1
TEXT_MIN_LEN = 8
_PUNCTUATION = set(".,;:'\"`-_()/|!")
_CONFUSED = str.maketrans({"i": "l", "|": "l", "!": "l", "j": "l"})


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
    evidence = reading.scan.get("fields") or {}
    for spec in template.fields:
        pv = reading.values.get(spec.name)
        if pv is None:
            continue
        have = saved.get(spec.name)
        if not pv.readable or (pv.doubtful and pv.value != have):
            out.append(Difference(spec.name, have, pv.value if pv.readable else None, pv.confidence, pv.corrected,
                                  UNREADABLE, pv.old, pv.warnings))
        elif pv.value != have:
            if pv.corrected:  # a correction is read for itself, never explained away as noise
                out.append(Difference(spec.name, have, pv.value, pv.confidence, True, DIFFERS, pv.old, pv.warnings))
                continue
            if spec.kind == "boxes" and pv.value is not None:
                form = _form_text(stored, spec)
                odds = boxes_odds(spec, evidence.get(spec.name), form) if form is not None else None
                if odds is not None:
                    differs = odds / (odds + AGREE_PRIOR)
                    if differs < 0.5:  # the boxes show the stored value about as well as the one read
                        continue
                    out.append(Difference(spec.name, have, pv.value, min(pv.confidence, differs), False, DIFFERS))
                    continue
            if spec.kind == "text" and isinstance(pv.value, str) and isinstance(have, str):
                if text_agrees(pv.value, have):
                    continue
                if pv.confidence < 0.5:  # an unsure reading far from the stored text: cannot tell
                    out.append(Difference(spec.name, have, pv.value, pv.confidence, False, UNREADABLE))
                    continue
            out.append(Difference(spec.name, have, pv.value, pv.confidence, pv.corrected, DIFFERS, pv.old, pv.warnings))
    return out + _marks(reading, saved)


def _form_text(record: Certificate, spec: Any) -> str | None:
    from formproc.fieldvalues import to_form

    try:
        text = to_form(record, spec)
    except InputError:
        return None
    return None if text is None else str(text)


def boxes_odds(spec: Any, evidence: dict[str, Any] | None, form: str) -> float | None:
    """How much better the best reading of each box explains a boxed field than the stored form
    text does (the ratio of their probabilities under the scanner's per-box candidates), or None
    without per-box candidates. A box's character outside its candidates gets CELL_FLOOR."""
    cells = (evidence or {}).get("cells") or []
    if len(cells) != (spec.cells or 0) or len(form) > len(cells):
        return None
    start = {"right": len(cells) - len(form), "center": (len(cells) - len(form)) // 2}.get(spec.align, 0)
    best = stored = 1.0
    for i, cell in enumerate(cells):
        top = {str(ch): float(p) for ch, p in cell.get("top") or []} or {" ": 1.0}
        want = form[i - start] if 0 <= i - start < len(form) else " "
        best *= max(max(top.values()), CELL_FLOOR)
        stored *= max(top.get(want, 0.0), CELL_FLOOR)
    return best / stored


def _fold(text: str) -> str:
    """Lower case, without diacritics; the characters OCR confuses made one."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return plain.translate(_CONFUSED)


def text_agrees(paper: str, stored: str) -> bool:
    """Whether a text line read by OCR is the stored text up to OCR's noise: after folding case,
    diacritics, look-alike characters, spacing and punctuation at the ends, at most TEXT_EDITS edits
    per character (punctuation counts a third; a line of TEXT_MIN_LEN characters or more may have
    one). Numbers (amounts, addresses, convention numbers) must be the same digit for digit."""
    if re.findall(r"\d+", paper) != re.findall(r"\d+", stored):
        return False
    a, b = (" ".join(_fold(t).split()).strip("".join(_PUNCTUATION) + " ") for t in (paper, stored))
    return _edits(a, b) <= max(1.0 if len(b) >= TEXT_MIN_LEN else 0.0, TEXT_EDITS * len(b))


def _edits(a: str, b: str) -> float:
    """Edit distance; inserting, deleting or changing punctuation costs a third."""
    def cost(c: str) -> float:
        return 1 / 3 if c in _PUNCTUATION else 1.0

    row = [0.0]
    for c in b:
        row.append(row[-1] + cost(c))
    for ca in a:
        nxt = [row[0] + cost(ca)]
        for j, cb in enumerate(b):
            change = 0.0 if ca == cb else (1 / 3 if ca in _PUNCTUATION and cb in _PUNCTUATION else 1.0)
            nxt.append(min(row[j] + change, row[j + 1] + cost(ca), nxt[j] + cost(cb)))
        row = nxt
    return row[-1]


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
