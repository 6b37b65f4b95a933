"""Recognising hand corrections on a registered page.

Works on the scanner's cleaned page (formproc.scan.clean, canonical pixels of
formproc.scan.register) and on the template's geometry only:
- boxed fields: a stroke through the middle of the boxes, longer than a box is wide and unbroken
  across box lines, is a strike. When it crosses every written box the whole value was struck and
  the new value is read from the writing beside the boxes (formproc.reconcile.zones); when it
  crosses some boxes only, each struck box's new character is read just above or below it. The
  new characters go through the scanner's character recogniser and the field's grammar
  (formproc.scan.decode); the old value is read again with the strike taken out ("when legible").
- checkbox/choice fields: a box filled by a scribble is a cancelled mark; the other marked box,
  if any, is the new value.
- every correction looks for a signature or stamp near it (ink or stamp blue outside the fields
  and outside the new writing); none gives the warning the law's Art. 10 (2) calls for.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any

import cv2
import numpy as np

from formproc.layout import FieldSpec, Rect, Template
from formproc.reconcile.zones import beside_zones, cell_zone, inside_fields, neighbourhood, to_px
from formproc.scan.clean import INK_LEVEL, CleanPage
from formproc.scan.icr import CellInk, Recogniser, normalise
from formproc.scan.decode import charset, decode_boxes
from formproc.scan.read import MARK, CellRead, FieldRead, read_options
from formproc.scan.register import PX_PER_MM

PX = PX_PER_MM
ANGLES = (-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0)  # strike slants tried, degrees
BAND = (0.28, 0.72)  # the part of a box's height a strike goes through
MIN_STRIKE = 1.1  # a strike is longer than this many box widths
CANCEL = 0.75  # option coverage of a scribbled-out box (a plain or printed X covers about 0.4-0.5)
PARAPH_MM2 = 6.0  # ink/stamp area near a correction that counts as signature or paraph
PARAPH_MARGIN = 25.0  # mm around the corrected field searched for it
MIN_GLYPH_MM2 = 0.35  # smaller ink specks beside the boxes are not characters
MIN_GLYPH_HEIGHT = 0.3  # nor are blobs flatter than this share of the line's height
FAINT = 0.12  # darkness of a carbon copy's writing once a strong pen has set the page's ink scale
FAINT_SHARE = 0.03  # share of a box's middle that faint writing covers


@dataclass
class Strike:
    """A strike line through a boxed field: extent in mm, slant, and the boxes it crosses."""

    x0: float
    x1: float
    y: float
    angle: float
    cells: list[int]
    thickness: float = 0.5  # mm


@dataclass
class FieldCorrection:
    """A corrected field: the form texts (or option values) read before and after the correction."""

    field: str
    style: str  # strike | cells | checkbox
    new_text: Any  # form text or option value; None: empty / no box marked / unreadable
    new_confidence: float
    old_text: Any = None
    old_confidence: float = 0.0
    readable: bool = True
    paraph: bool = False
    where: tuple[float, float, float, float] | None = None  # mm rectangle of the new writing
    flags: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "style": self.style, "new": self.new_text,
                "confidence": round(self.new_confidence, 3), "old": self.old_text,
                "old_confidence": round(self.old_confidence, 3), "readable": self.readable,
                "paraph": self.paraph, "where_mm": [round(v, 2) for v in self.where] if self.where else None,
                "flags": self.flags}


# -- strikes ---------------------------------------------------------------------------------

def _rotate(img: np.ndarray, angle: float) -> np.ndarray:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)


def find_strikes(ink: np.ndarray, form: np.ndarray, spec: FieldSpec) -> list[Strike]:
    """The strike lines through a boxed field (one through the whole value, or one per struck box).
    `ink` is the page's raw ink: vertical box lines stay in, so a strike is unbroken where it
    crosses them while neighbouring glyphs stay apart; the horizontal box lines are taken out."""
    pad = 2.5
    rows, cols = to_px(Rect(x=spec.x - pad, y=spec.y - 1.0, w=spec.w + 2 * pad, h=spec.h + 2.0), PX)
    crop = (ink[rows, cols] > INK_LEVEL).astype(np.uint8)
    if crop.size == 0 or not crop.any():
        return []
    printed = form[rows, cols].astype(np.uint8)
    crop[cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, int(2 * PX)), np.uint8)) > 0] = 0
    top = int(round((1.0 + spec.h * BAND[0]) * PX))
    bottom = int(round((1.0 + spec.h * BAND[1]) * PX))
    kernel = np.ones((1, int(MIN_STRIKE * spec.cell_width * PX)), np.uint8)
    best: tuple[tuple[int, int], float, list[tuple[int, int, int, int]]] | None = None
    for angle in ANGLES:
        turned = _rotate(crop, angle) if angle else crop
        turned = cv2.morphologyEx(turned, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
        runs = cv2.morphologyEx(turned[top:bottom], cv2.MORPH_OPEN, kernel)
        if not runs.any():
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        found = [(int(st[0]), int(st[2]), int(st[1] + st[3] // 2 + top), int(st[3])) for st in stats[1:]]
        longest = (max(f[1] for f in found), sum(f[1] for f in found))  # the slant that straightens the line
        if best is None or longest > best[0]:
            best = (longest, angle, found)
    if best is None:
        return []
    merged: list[list[float]] = []  # pieces of one line broken by a pen skip: x0, x1, y, thickness (mm)
    for x, width, y, height in sorted(best[2]):
        x0 = spec.x - pad + x / PX
        x1, y_mm = x0 + width / PX, spec.y - 1.0 + y / PX
        if merged and x0 - merged[-1][1] < 0.6 * spec.cell_width and abs(y_mm - merged[-1][2]) < 1.0:
            merged[-1][1] = max(merged[-1][1], x1)
            merged[-1][3] = max(merged[-1][3], height / PX)
            continue
        merged.append([x0, x1, y_mm, height / PX])
    out = []
    for x0, x1, y_mm, thick in merged:
        # a strike runs through a box from side to side; a glyph's own stroke stops short of its sides
        cells = [i for i, c in enumerate(spec.cell_rects()) if x0 <= c.x + 0.15 * c.w and x1 >= c.x2 - 0.15 * c.w]
        if cells:
            out.append(Strike(x0, x1, y_mm, best[1], cells, thick))
    return out


def _without_strikes(ink: np.ndarray, strikes: list[Strike], margin: float = 0.25) -> np.ndarray:
    """The page's ink with the strike lines cleared (each line's thickness plus `margin` mm)."""
    out = ink.copy()
    for strike in strikes:
        x0, x1 = int((strike.x0 - 0.5) * PX), int((strike.x1 + 0.5) * PX)  # the pen's ends taper off
        xc = (x0 + x1) / 2
        slope = np.tan(np.radians(-strike.angle))
        half = (strike.thickness / 2 + margin) * PX
        for x in range(max(0, x0), min(out.shape[1], x1)):
            yc = strike.y * PX + (x - xc) * slope
            out[max(0, int(yc - half)):int(yc + half) + 1, x] = 0
    return out


def bluish(rgb: np.ndarray, margin: int = 35) -> np.ndarray:
    """Pixels of blue ballpoint or a blue stamp: blue at least `margin` above red (the form's print
    is black, its rosette pink)."""
    r, b = rgb[:, :, 0].astype(np.int16), rgb[:, :, 2].astype(np.int16)
    return b - r > margin


# -- reading characters ----------------------------------------------------------------------

def _cell(model: Recogniser, dark: np.ndarray, allowed: str, free: bool = False) -> CellRead | None:
    """A box's (or, `free`, a loose hand-written character's) candidates. A loose character is
    padded first, so that none of its strokes is taken for a box line at the crop's edge."""
    if free:
        pad = max(dark.shape) // 2 + 2
        dark = cv2.copyMakeBorder(dark.astype(np.float32), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    vec, stats = normalise(dark)
    if vec is None:
        return None
    top = model.top_k(model.probabilities(vec[None, :]), 5, allowed)[0]
    return CellRead(top, stats)


def _glyphs(binary: np.ndarray) -> list[np.ndarray]:
    """The characters of a line of writing, left to right, as masks: ink blobs merged when they
    overlap in x (a character broken by the form's print or a lifted pen); flat blobs (a strike's
    end, a dot) and specks are no characters."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    tall = MIN_GLYPH_HEIGHT * binary.shape[0]
    blobs = sorted((int(stats[i][0]), int(stats[i][0] + stats[i][2]), i) for i in range(1, n)
                   if stats[i][4] >= MIN_GLYPH_MM2 * PX * PX and stats[i][3] >= tall)
    groups: list[list[int]] = []  # [x0, x1, label...]
    for a, b, i in blobs:
        if groups:
            g = groups[-1]
            if min(b, g[1]) - max(a, g[0]) > 0.3 * min(b - a, g[1] - g[0]):
                g[0], g[1] = min(a, g[0]), max(b, g[1])
                g.append(i)
                continue
        groups.append([a, b, i])
    return [np.isin(labels, g[2:]) for g in groups]


def _line_reads(model: Recogniser, clean: np.ndarray, rect: Rect, allowed: str) -> tuple[list[CellRead], float]:
    """The characters written in a rectangle (left to right) and the rectangle's ink share."""
    rows, cols = to_px(rect, PX)
    crop = clean[rows, cols]
    if crop.size == 0:
        return [], 0.0
    binary = (crop > INK_LEVEL).astype(np.uint8)
    out = []
    for mask in _glyphs(binary):
        ys, xs = np.nonzero(mask)
        glyph = np.where(mask, crop, 0.0)[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        read = _cell(model, glyph, allowed, free=True)
        if read is not None:
            out.append(read)
    return out, float(binary.mean())


def _inpainted(ink: np.ndarray, strikes: list[Strike], spec: FieldSpec) -> np.ndarray:
    """The field's ink with the strike lines painted over from the strokes around them, so that
    the glyphs they crossed are whole again for reading the old value."""
    rows, cols = to_px(Rect(x=spec.x - 1.0, y=spec.y, w=spec.w + 2.0, h=spec.h), PX)
    crop = ink[rows, cols]
    line = (_without_strikes(np.ones_like(ink), strikes, margin=0.15)[rows, cols] == 0).astype(np.uint8)
    painted = cv2.inpaint((np.clip(crop, 0, 1) * 255).astype(np.uint8), line, 2, cv2.INPAINT_TELEA)
    out = ink.copy()
    out[rows, cols] = painted.astype(np.float32) / 255
    return out


def _faint_ink(ink: np.ndarray, rect: Rect) -> bool:
    """Whether a box holds writing too faint for the page's ink scale (a carbon copy's)."""
    rows, cols = to_px(Rect(x=rect.x + rect.w * 0.15, y=rect.y + rect.h * 0.15, w=rect.w * 0.7, h=rect.h * 0.7), PX)
    crop = ink[rows, cols]
    return crop.size > 0 and float((crop > FAINT).mean()) >= FAINT_SHARE


def _stretched(dark: np.ndarray) -> np.ndarray:
    """A box's darkness scaled so that its own strongest strokes are full ink."""
    peak = float(np.percentile(dark, 99.5)) if dark.size else 0.0
    return np.clip(dark / max(peak, FAINT), 0.0, 1.0) if peak < 0.9 else dark


def _decode(spec: FieldSpec, cells: list[CellRead], on: date) -> tuple[str | None, float, list[str]]:
    read = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h), cells=cells)
    read.raw = "".join(c.candidates[0][0] if c.candidates else " " for c in cells).strip()
    d = decode_boxes(spec, read, on)
    return d.text, float(d.confidence), list(d.flags)


def scanned_cells(spec: FieldSpec, evidence: dict[str, Any] | None) -> list[CellRead]:
    """The scanner's per-box candidates (formproc scan's `cells` evidence) as CellReads."""
    cells = (evidence or {}).get("cells") or []
    out = []
    for c in cells:
        ink = CellInk(float(c.get("ink", 0.0)), int(c.get("components", 0)), tuple(c.get("bbox", (0, 0, 0, 0))),
                      float(c.get("edge_ink", 0.0)))
        out.append(CellRead([(str(ch), float(p)) for ch, p in c.get("top", [])], ink))
    return out if len(out) == (spec.cells or 0) else [CellRead([], CellInk(0.0, 0, (0, 0, 0, 0), 0.0))
                                                       for _ in range(spec.cells or 0)]


def _written(cells: list[CellRead]) -> list[int]:
    return [i for i, c in enumerate(cells) if not c.blank]


# -- fields ----------------------------------------------------------------------------------

def _boxes(template: Template, spec: FieldSpec, page: CleanPage, clean: np.ndarray, hand: np.ndarray,
           model: Recogniser, evidence: dict[str, Any] | None, on: date) -> FieldCorrection | None:
    """A boxed field's correction; `clean` is the ink without the form's print, `hand` keeps the
    blue writing where it crosses the print (a correction often runs over the form's labels)."""
    strikes = find_strikes(page.ink, page.form, spec)
    if not strikes:
        return None
    struck = sorted({i for st in strikes for i in st.cells})
    allowed = charset(spec)
    scanned = scanned_cells(spec, evidence)
    unstruck = _without_strikes(clean, strikes)
    # a faint carbon copy corrected in strong ballpoint: the page's ink scale follows the pen, and the
    # scanner may take the copy's own writing for empty boxes; such boxes are read again, stretched
    faint = [i for i, r in enumerate(spec.cell_rects()) if scanned[i].blank and _faint_ink(unstruck, r)]
    # a strike running on past the value leaves ink in empty boxes: they are not written
    touched = {i for i, r in enumerate(spec.cell_rects()) if any(r.x2 > st.x0 - 0.5 and r.x < st.x1 + 0.5
                                                                  for st in strikes)}
    written = {i for i in _written(scanned) if i not in touched or i in struck
               or _faint_ink(unstruck, spec.cell_rects()[i])} | set(struck) | set(faint)
    # the old value: the struck and the faint boxes read again (without the line, stretched), the
    # others as the scanner read them
    old_cells = [c if i in written else CellRead([], c.ink) for i, c in enumerate(scanned)]
    repaired = _inpainted(clean, strikes, spec)
    for i in sorted(written):
        rows, cols = to_px(spec.cell_rects()[i], PX)
        box = repaired[rows, cols]
        if i in struck or i in faint or (box.size and float(np.percentile(box, 99.5)) < 0.9):
            again = _cell(model, _stretched(box), allowed)  # struck, or faint beside a strong pen
            old_cells[i] = again or CellRead([], scanned[i].ink)
    old_text, old_conf, _ = _decode(spec, old_cells, on)
    zones = beside_zones(template, spec.name)
    hand = _without_strikes(hand, strikes, margin=0.6)
    if not set(struck) >= written:  # some boxes struck: each one's new character above/below it
        best: tuple[tuple[bool, float, float], str | None, float, list[str], Rect] | None = None
        for zone in (z for z in zones if z.side in ("above", "below")):
            cells, ink_sum = list(old_cells), 0.0
            for i in struck:
                area = cell_zone(spec, zone, i)
                rows, cols = to_px(Rect(x=area.x, y=area.y - 0.5, w=area.w, h=area.h + 1.0), PX)
                crop = hand[rows, cols]
                read = _cell(model, crop, allowed, free=True) if crop.size else None
                if read is None:
                    break
                cells[i] = read
                ink_sum += float((crop > INK_LEVEL).mean())
            else:
                text, conf, flags = _decode(spec, cells, on)
                key = (text is not None and "invalid" not in flags, conf, ink_sum)
                if best is None or key > best[0]:
                    xs = [cell_zone(spec, zone, i) for i in struck]
                    best = (key, text, conf, flags, Rect(x=xs[0].x, y=zone.rect.y, w=xs[-1].x2 - xs[0].x, h=zone.rect.h))
        if best is not None:
            (readable, _, _), text, conf, flags, r = best
            return FieldCorrection(spec.name, "cells", text, conf if readable else min(conf, 0.2), old_text, old_conf,
                                   readable, where=(r.x, r.y, r.w, r.h), flags=flags)
    # the whole value struck (or no box-by-box writing found): the new value is written beside;
    # of the places beside the boxes, the one whose writing reads as a valid value wins
    best_line: tuple[tuple[bool, float, float], str | None, float, list[str], Rect] | None = None
    for zone in zones:
        grown = Rect(x=zone.rect.x, y=zone.rect.y - 0.5, w=zone.rect.w, h=zone.rect.h + 1.0)
        reads, share = _line_reads(model, hand, grown, allowed)
        if not reads or len(reads) > (spec.cells or 0):
            continue
        text, conf, flags = _decode(spec, reads, on)
        key = (text is not None and "invalid" not in flags, conf, share)
        if best_line is None or key > best_line[0]:
            best_line = (key, text, conf, flags, zone.rect)
    if best_line is None:
        return FieldCorrection(spec.name, "strike", None, 0.0, old_text, old_conf, False, flags=["no-new-value"])
    (readable, _, _), text, conf, flags, r = best_line
    return FieldCorrection(spec.name, "strike", text, conf if readable else min(conf, 0.2), old_text, old_conf,
                           readable, where=(r.x, r.y, r.w, r.h), flags=flags)


def _options(spec: FieldSpec, page: CleanPage) -> FieldCorrection | None:
    if spec.mark != "x":
        return None
    read = read_options(spec, page)
    cov = {o.value: read.coverage.get(str(o.value), 0.0) for o in spec.options}
    cancelled = [v for v, c in cov.items() if c >= CANCEL]
    if not cancelled:
        return None
    marked = sorted(((c, v) for v, c in cov.items() if MARK <= c < CANCEL), key=lambda cv: -cv[0])
    old = cancelled[0]
    flags = ["several-cancelled"] if len(cancelled) > 1 else []
    if len(marked) > 1:
        flags.append("multiple-marks")
    new = marked[0][1] if marked else None
    conf = min(1.0, 0.5 + (min(cov[old], 0.9) - CANCEL) + (0.3 if len(marked) <= 1 else -0.3))
    opt = next((o for o in spec.options if o.value == new), None) if new is not None else None
    where = (opt.x, opt.y, opt.w, opt.h) if opt is not None else None
    return FieldCorrection(spec.name, "checkbox", new, round(max(0.0, conf), 3), old, 0.9, len(marked) <= 1,
                           where=where, flags=flags)


# -- paraph ----------------------------------------------------------------------------------

def has_paraph(template: Template, spec: FieldSpec, page: CleanPage, fields_mask: np.ndarray,
               where: tuple[float, float, float, float] | None) -> bool:
    """A signature or stamp near a correction: ink or stamp blue outside every field, outside the
    new writing and outside the form's own print, within PARAPH_MARGIN mm of the field."""
    area = neighbourhood(template, spec, PARAPH_MARGIN)
    rows, cols = to_px(area, PX)
    ink = page.ink[rows, cols] > INK_LEVEL
    blue = bluish(page.rgb[rows, cols], margin=25)
    free = ~fields_mask[rows, cols] & ~page.form[rows, cols]
    if where is not None:
        wr, wc = to_px(Rect(x=where[0] - 1.0, y=where[1] - 1.0, w=where[2] + 2.0, h=where[3] + 2.0), PX)
        keep = np.ones(page.ink.shape, bool)
        keep[wr, wc] = False
        free &= keep[rows, cols]
    # the strike's own overshoot beside the boxes is not a signature
    sr, sc = to_px(Rect(x=spec.x - 3.0, y=spec.y - 0.5, w=spec.w + 6.0, h=spec.h + 1.0), PX)
    keep = np.ones(page.ink.shape, bool)
    keep[sr, sc] = False
    free &= keep[rows, cols]
    marks = (ink | blue) & free
    return float(marks.sum()) / (PX * PX) >= PARAPH_MM2


# -- page ------------------------------------------------------------------------------------

def detect_corrections(template: Template, page: CleanPage, model: Recogniser,
                       evidence: dict[str, dict[str, Any]] | None = None, on: date | None = None
                       ) -> dict[str, FieldCorrection]:
    """Every corrected field of a registered, cleaned page, by field name.

    `evidence` is the scanner's per-field output (`formproc scan` fields, with per-box candidates);
    `on` the certificate's date (for the code catalogs in force)."""
    day = on or date.today()
    clean = np.where(page.form, 0.0, page.ink).astype(np.float32)
    hand = np.where(page.form & ~bluish(page.rgb), 0.0, page.ink).astype(np.float32)
    fields_mask = inside_fields(template, page.ink.shape, PX)
    out: dict[str, FieldCorrection] = {}
    for spec in template.fields:
        if spec.preprinted:
            continue
        if spec.kind == "boxes":
            found = _boxes(template, spec, page, clean, hand, model, (evidence or {}).get(spec.name), day)
        elif spec.kind in ("checkbox", "choice"):
            found = _options(spec, page)
        else:
            continue
        if found is None:
            continue
        found.paraph = has_paraph(template, spec, page, fields_mask, found.where)
        if not found.paraph:
            found.flags.append("no-paraph")
        out[spec.name] = found
    return out
