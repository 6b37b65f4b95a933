"""Reading a paper copy for reconciliation: the scanner's reading plus the hand corrections.

`read_paper` runs the scanner (formproc.scan.pipeline.scan_page) on a page, keeping the cleaned
page it registered, and looks on that page for corrections (formproc.reconcile.detect) and for
the ANULAT / DUPLICAT marks. The result gives, for every field of the template, what the paper says
now: the corrected value where a correction was found, else what the scanner read, with a
confidence, and whether it could be read at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from formproc.errors import InputError
from formproc.fieldvalues import from_form
from formproc.layout import Rect, Template, load_template
from formproc.model import Certificate
from formproc.reconcile.detect import FieldCorrection, detect_corrections
from formproc.reconcile.overwrite import blue_writing
from formproc.reconcile.zones import to_px
from formproc.scan.clean import INK_LEVEL, CleanPage
from formproc.scan.load import Page, load_pages

ANNUL_MIN_MM = 8.0  # a letter of the ANULAT mark is at least this tall and wide
ANNUL_MIN_MM2 = 80.0  # and the mark's letters cover at least this much
DUPLICATE_INK = 0.03  # ink share of the DUPLICAT box above which the box is written
FRAME_SIDE = 0.7  # share of a side of its bounding box a stamp's frame covers at least (the signature
# across it and a faint copy break it here and there)
FRAME_BAND = 3  # pixels: the thickness of a band along a frame's line looked at for its ink
FRAME_REACH = 0.3  # share of a blob's bounding box from a side within which a frame's line is looked for
EDGE_SPAN = 0.8  # a band along a box's side spanning this share of it is the sheet's edge, not writing
_DUPL = re.compile(r"seria\s+([A-Z0-9]{1,5})\s+nr\.?\s*([0-9]{1,10})", re.IGNORECASE)


@dataclass
class PaperValue:
    """What the paper says for one field (canonical JSON value) and how sure the reading is."""

    value: Any
    confidence: float
    readable: bool
    corrected: bool = False
    old: Any = None  # the struck value, when legible (canonical JSON)
    warnings: list[str] = dc_field(default_factory=list)
    doubtful: bool = False  # read, but not as the field's grammar wants: unreadable unless it agrees


@dataclass
class PaperReading:
    """One page of a paper copy, read for reconciliation."""

    source: str
    template: str
    aligned: bool
    alignment_score: float
    scan: dict[str, Any]
    corrections: dict[str, FieldCorrection]
    values: dict[str, PaperValue]
    annulled: bool = False
    duplicate: dict[str, Any] | None = None
    warnings: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "template": self.template, "aligned": self.aligned,
                "alignment_score": self.alignment_score, "annulled": self.annulled,
                "duplicate": self.duplicate,
                "corrections": {k: c.to_dict() for k, c in self.corrections.items()},
                "warnings": self.warnings}


def _json(name: str, value: Any) -> Any:
    """A record value as it appears in the record's JSON (dates ISO, decimals as text)."""
    if value is None:
        return None
    return Certificate.model_validate({name: value}).to_json_dict().get(name)


def _form_to_json(template: Template, name: str, text: Any) -> tuple[Any, bool]:
    """(canonical JSON value, convertible) of a form text / option value of a field."""
    if text is None:
        return None, True
    try:
        return _json(name, from_form(template.field(name), text)), True
    except (InputError, ValueError):
        return None, False


def detect_marks(template: Template, page: CleanPage) -> tuple[bool, dict[str, Any] | None]:
    """(ANULAT written across the page, the DUPLICAT box's reading or None)."""
    from formproc.scan.register import PX_PER_MM as PX

    annulled = False
    mark = template.marks.get("annulled")
    if mark is not None:
        rows, cols = to_px(mark, PX)
        # the letters' strokes where they cross the form's lines are kept (a thin pen breaks there)
        crossing = blue_writing(page)[rows, cols]
        binary = ((page.ink[rows, cols] > INK_LEVEL) & (~page.form[rows, cols] | crossing)).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        big = sum(int(stats[i][4]) for i in range(1, n)
                  if stats[i][2] >= ANNUL_MIN_MM * PX and stats[i][3] >= ANNUL_MIN_MM * PX
                  and not _frame(labels, i, stats[i]))
        annulled = big / (PX * PX) >= ANNUL_MIN_MM2
    duplicate = None
    mark = template.marks.get("duplicate")
    if mark is not None:
        rows, cols = to_px(mark, PX)
        ink = _without_edges(np.where(page.form[rows, cols], 0.0, page.ink[rows, cols]))
        if ink.size and float((ink > INK_LEVEL).mean()) >= DUPLICATE_INK:
            duplicate = _read_duplicate(ink)
    return annulled, duplicate


def _frame(labels: np.ndarray, index: int, stat: np.ndarray) -> bool:
    """Whether a blob is (what is left of) a rectangle's frame, a stamp's with the signature across
    it: a straight horizontal and a straight vertical line, each FRAME_SIDE of its bounding box's
    width (height) long at least, near its sides (within FRAME_REACH of the box: a signature's loops
    may stand out of the frame; a faint copy may lose two of its sides). No letter of ANULAT
    slanted, and none upright but an L, has such a corner."""
    x, y, w, h = (int(v) for v in stat[:4])
    blob = labels[y:y + h, x:x + w] == index
    if min(w, h) <= FRAME_BAND:
        return False
    rows = sliding_window_view(blob, FRAME_BAND, axis=0).any(axis=2).mean(axis=1)  # per band of rows
    cols = sliding_window_view(blob, FRAME_BAND, axis=1).any(axis=2).mean(axis=0)
    near_r, near_c = max(1, int(FRAME_REACH * len(rows))), max(1, int(FRAME_REACH * len(cols)))
    horizontal = max(rows[:near_r].max(), rows[-near_r:].max()) >= FRAME_SIDE
    vertical = max(cols[:near_c].max(), cols[-near_c:].max()) >= FRAME_SIDE
    return bool(horizontal and vertical)


def _without_edges(ink: np.ndarray) -> np.ndarray:
    """A box's ink without long straight bands along its sides (the sheet's edge or the scanner
    lid's shadow reaching into it on a skewed scan): handwriting does not span the box."""
    binary = (ink > INK_LEVEL).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    h, w = ink.shape
    near = 2  # pixels
    edges = [i for i in range(1, n) if (stats[i][3] >= EDGE_SPAN * h and stats[i][2] <= (1 - EDGE_SPAN) * w
                                        and (stats[i][0] <= near or stats[i][0] + stats[i][2] >= w - near))
             or (stats[i][2] >= EDGE_SPAN * w and stats[i][3] <= (1 - EDGE_SPAN) * h
                 and (stats[i][1] <= near or stats[i][1] + stats[i][3] >= h - near))]
    return np.where(np.isin(labels, edges), 0.0, ink) if edges else ink


def _read_duplicate(ink: np.ndarray) -> dict[str, Any]:
    """The original's series and number written in the DUPLICAT box ("al CCM seria X nr. Y")."""
    import pytesseract

    img = (255 - np.clip(ink * 255, 0, 255)).astype(np.uint8)
    img = cv2.resize(img, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    img = cv2.copyMakeBorder(img, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    text = pytesseract.image_to_string(img, lang="ron", config="--psm 6 --oem 1")
    found = _DUPL.search(" ".join(text.split()))
    if found is None:
        return {"text": " ".join(text.split()), "duplSerialCode": None, "duplSerialNo": None}
    return {"text": " ".join(text.split()), "duplSerialCode": found.group(1).upper(), "duplSerialNo": found.group(2)}


def _values(template: Template, scan: dict[str, Any], corrections: dict[str, FieldCorrection]) -> dict[str, PaperValue]:
    record = scan.get("record") or {}
    fields = scan.get("fields") or {}
    out: dict[str, PaperValue] = {}
    for spec in template.fields:
        name = spec.name
        c = corrections.get(name)
        if c is not None:
            value, ok = _form_to_json(template, name, c.new_text)
            old, _ = _form_to_json(template, name, c.old_text)
            readable = c.readable and ok and (c.new_text is not None or c.style == "checkbox")
            warnings = ["corectură fără semnătură și parafă în apropiere"] if not c.paraph else []
            out[name] = PaperValue(value, c.new_confidence if readable else 0.0, readable, True, old, warnings)
            continue
        info = fields.get(name)
        if info is None:
            out[name] = PaperValue(None, 0.0, False)
            continue
        value = record.get(name)
        flags = info.get("flags") or []
        raw = str(info.get("raw") or "").strip()
        unreadable = "multiple-marks" in flags or (value is None and raw != "")
        # a reading outside the field's grammar is only trusted where it agrees with the stored value
        out[name] = PaperValue(value, float(info.get("confidence", 0.0)), not unreadable,
                               doubtful="invalid" in flags)
    return out


def _leave_days(values: dict[str, PaperValue], row: tuple[str, str, str]) -> bool | None:
    """Whether a leave row's days match its dates (None when a member is missing)."""
    days, first, last = (values.get(n) for n in row)
    if not all(v is not None and v.readable and v.value is not None for v in (days, first, last)):
        return None
    span = (date.fromisoformat(last.value) - date.fromisoformat(first.value)).days + 1  # type: ignore[union-attr]
    return span == int(days.value)  # type: ignore[union-attr]


def _recheck_leave(template: Template, values: dict[str, PaperValue], scan_fields: dict[str, Any],
                   corrections: dict[str, FieldCorrection], on: date) -> None:
    """Rows of leave (days, first day, last day) with a corrected member: the scanner made its
    uncorrected members agree with the struck value; decide them again against the corrected one."""
    from formproc.reconcile.chars import scanned_cells
    from formproc.scan.decode import LEAVE_ROWS, decode_boxes
    from formproc.scan.read import FieldRead

    for row in LEAVE_ROWS:
        if not any(n in corrections for n in row) or not all(n in template.names for n in row):
            continue
        for name in row:
            info = scan_fields.get(name)
            if name in corrections or info is None or "cross-checked" not in (info.get("flags") or []):
                continue
            spec = template.field(name)
            read = FieldRead(name, spec.kind, (spec.x, spec.y, spec.w, spec.h), cells=scanned_cells(spec, info))
            read.raw = "".join(c.candidates[0][0] if c.candidates else " " for c in read.cells).strip()
            decoded = decode_boxes(spec, read, on)
            keep = values[name]
            for text, _ in decoded.alternatives or [(decoded.text, decoded.confidence)]:
                value, ok = _form_to_json(template, name, text)
                if not ok:
                    continue
                values[name] = PaperValue(value, decoded.confidence, True)
                if _leave_days(values, row):
                    values[name].confidence = max(decoded.confidence, keep.confidence)
                    break
            else:
                values[name] = keep


def read_page(page: Page, template_name: str | None = None) -> PaperReading:
    """The scanner's reading of a page with its corrections and marks; the page is registered and
    cleaned once, by the scanner, whose cleaned page the corrections are looked for on."""
    from formproc.scan.icr import load_model
    from formproc.scan.pipeline import scan_page

    scanned = scan_page(page, template_name, keep_ink=True)
    result = scanned.to_dict()
    template = load_template(result["template"])
    reading = PaperReading(page.source, template.name, bool(result["aligned"]), float(result["alignment_score"]),
                           result, {}, {}, warnings=list(result.get("warnings") or []))
    cleaned = scanned.page_ink
    if not reading.aligned or cleaned is None:
        reading.aligned = False
        return reading
    on = _day(result.get("record") or {})
    reading.corrections = detect_corrections(template, cleaned, load_model(), result.get("fields"), on)
    reading.annulled, reading.duplicate = detect_marks(template, cleaned)
    reading.values = _values(template, result, reading.corrections)
    _recheck_leave(template, reading.values, result.get("fields") or {}, reading.corrections, on)
    _off_the_scan(template, cleaned, reading)
    for name, c in reading.corrections.items():
        if not c.paraph:
            reading.warnings.append(f"câmpul {name}: corectură fără semnătură și parafă în apropiere (Art. 10 alin. 2)")
    return reading


def on_scan(page: CleanPage, rect: Rect) -> bool:
    """Whether a rectangle (canonical mm) of the form lies wholly on the scanned image (a sheet
    placed askew or a photo may leave a corner of the form outside it, which the registered page
    fills with border pixels)."""
    from formproc.scan.register import PX_PER_MM as PX

    if page.source is None or page.to_canonical is None:
        return True
    corners = np.float64([[[rect.x, rect.y]], [[rect.x2, rect.y]], [[rect.x, rect.y2]], [[rect.x2, rect.y2]]]) * PX
    src = cv2.perspectiveTransform(corners, np.linalg.inv(page.to_canonical)).reshape(-1, 2)
    h, w = page.source.shape[:2]
    return bool(((src[:, 0] >= 0) & (src[:, 0] <= w - 1) & (src[:, 1] >= 0) & (src[:, 1] <= h - 1)).all())


def _off_the_scan(template: Template, page: CleanPage, reading: PaperReading) -> None:
    """Fields and marks not wholly on the scanned image: unreadable, with a warning; a DUPLICAT
    box off the scan is not read."""
    for spec in template.fields:
        if spec.name in reading.values and not on_scan(page, spec):
            reading.values[spec.name] = PaperValue(None, 0.0, False)
            reading.warnings.append(f"câmpul {spec.name}: nu este în întregime pe scanare")
    mark = template.marks.get("duplicate")
    if mark is not None and not on_scan(page, mark):
        reading.duplicate = None
        reading.warnings.append("caseta DUPLICAT nu este în întregime pe scanare")


def _day(record: dict[str, Any]) -> date:
    for key in ("issueDate", "validFrom"):
        if record.get(key):
            return date.fromisoformat(record[key])
    return date.today()


def read_paper(path: str, template_name: str | None = None) -> list[PaperReading]:
    """Every page of a scan file read for reconciliation; an unreadable file is an InputError."""
    return [read_page(p, template_name) for p in load_pages(path)]

