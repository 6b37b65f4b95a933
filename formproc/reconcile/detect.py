"""Recognising hand corrections on a registered page.

Works on the scanner's cleaned page (formproc.scan.clean, canonical pixels of
formproc.scan.register) and on the template's geometry only:
- boxed fields: every box is looked at for a line through its middle from side to side, longer
  than a box is wide and unbroken across box lines (slants of a few degrees tried); neighbouring
  struck boxes whose lines meet are one strike, whose course is fitted on the page. The old value
  is read again with the strike painted over ("when legible"). The new value is read, from the
  writing around the boxes (formproc.reconcile.zones), both ways a doctor writes it: a character
  just above or below each struck box, or (when every written box is struck) the whole value
  beside the boxes. Only ink that belongs to the place is read: blobs reaching in from outside
  it (a signature's loops, a line) are left out, and strokes broken by the form's print are
  joined. The characters go through the scanner's character recogniser and the field's grammar
  (formproc.scan.decode); the reading that gives a valid value other than the struck one, with
  the surest characters, wins, and its confidence is the grammar's times the characters'. New
  writing hardly drawn with a pen (a stamp's lettering; formproc.reconcile.chars.pen_share) loses
  to a pen's and stays under 0.5. A field with no strike may have boxes overwritten by hand
  (formproc.reconcile.overwrite); where a heavy pen character looks like a strike, the surer
  reading wins.
- checkbox/choice fields: a box filled by a scribble is a cancelled mark; the other marked box,
  if any, is the new value.
- free-text fields (formproc.reconcile.zones.free_text: ward, address, unit, doctor): a long
  straight line through the printed words is a strike; the new text is read from the places
  beside the line (formproc.reconcile.zones) by the hand-written line recogniser
  (formproc.reconcile.handlines, tesseract's reading its witness for the known spellings it
  weighs) and by tesseract (`ron`, formproc.scan.text), each reading corrected as the scanner
  corrects that field's text, tesseract's unknown words respelled and both readings' lost commas
  below put back (formproc.scan.lexicon); the reading that spells more of the line as known words
  wins.
  Hand-written text is read far less surely than print, and neither reader's confidences on it
  are calibrated: its confidence stays under 0.5. The struck words are read again with the line
  painted over ("when legible"). A strike through part of the words only (the new words belong
  among the old ones) is reported as corrected, unreadable.
- every correction looks for a signature or stamp near it (ink or stamp blue outside the fields
  and outside the new writing); none gives the warning the law's Art. 10 (2) calls for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any

import cv2
import numpy as np

from formproc.layout import FieldSpec, Rect, Template
from formproc.reconcile.chars import (bluish, decode_cells, glyph_masks, line_reads, pen_share, printed_fonts,
                                      printed_read, read_char, scanned_cells, sureness, tight, writing_in,
                                      written_cells)
from formproc.reconcile.handlines import read_line
from formproc.reconcile.overwrite import blue_writing, filled_by_hand, overwritten, pen_ink
from formproc.reconcile.zones import (Zone, beside_zones, cell_zone, free_text, inside_fields, neighbourhood,
                                      to_px)
from formproc.scan.clean import INK_LEVEL, CleanPage
from formproc.scan.icr import Recogniser
from formproc.scan.lexicon import WORD, known, names_capitalised, respell, with_commas
from formproc.scan.decode import charset
from formproc.scan.read import MARK, CellRead, read_options
from formproc.scan.register import PX_PER_MM

PX = PX_PER_MM
ANGLES = (-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0)  # strike slants tried, degrees
BAND = (0.28, 0.72)  # the part of a box's height a strike goes through
MIN_STRIKE = 1.1  # a strike is longer than this many box widths
STRIKE_SIDE = 1.5  # mm either side of a box looked at for a line through it
STRIKE_STEP = 0.5  # mm between the lines of neighbouring boxes that are two strikes
CANCEL = 0.75  # option coverage of a scribbled-out box (a plain or printed X covers about 0.4-0.5)
PARAPH_MM2 = 3.0  # ink/stamp area near a correction that counts as signature or paraph (measured on
# the seed-11 and seed-23 reconcile sets: unsigned corrections 0.11 mm² at most; signed 33+ but for one
# short squiggle of 5.6)
PARAPH_MARGIN = 25.0  # mm around the corrected field searched for it
PAGE_EDGE = 2.0  # mm along the sheet's edges where ink is the scan's border, never a paraph
FAINT = 0.12  # darkness of a carbon copy's writing once a strong pen has set the page's ink scale
FAINT_SHARE = 0.03  # share of a box's middle that faint writing covers
CELL_SIDE = 0.3  # boxes a character written by a box may reach past its sides
PEN_WRITING = 0.2  # share of a new value's writing drawn with a pen, at least (stamp lettering: ~0)
FAINT_CAP = 0.45  # the confidence of a new value whose writing is hardly a pen's
MISSING = 0.3  # confidence factor for each struck box with no new character by it
PRINTED_OLD = 0.8  # correlation with the printer's glyph above which a struck box is machine print
LINE_END_SIDE = 0.5  # mm from a box's side within which a strike's end runs in from the neighbour
TEXT_STRIKE_MM = 8.0  # a strike through printed words is a straight line at least this long
TEXT_STRIKE_PX = 2.5  # pixels a strike through printed words is thick, on average, at least (a pen's
# line is 0.3 mm or more; a row of print joined up by blur, at the letters' feet or tops, one or two)
TEXT_STRIKE_MAX_MM = 1.1  # and at most this thick (blurred print run together is as tall as its letters)
TEXT_BAND = (0.2, 0.85)  # the part of a text field's height a strike through its words goes through
STRUCK_CORE = 0.6  # share of a strike's thickness painted over to read the words under it (its blurred
# edges are left: painting them over too takes more of the letters than it gives back)
WORDS_MM = 1.5  # the printed words a strike goes through lie within this many mm of it
OVERSHOOT = 0.3  # mm a strike runs on past the struck words, at one end at least
TEXT_COVER = 0.8  # share of the printed words' extent a strike through the whole value covers
HAND_TEXT_CAP = 0.45  # the confidence of a hand-written text: the readers' confidences on hand-writing are
# not calibrated (tesseract's misread words come back at 90+), so such a reading is never taken as sure
MIN_TEXT_INK = 0.01  # share of a place beside a text field covered by writing, to be read
TEXT_GAP_MM = 3.0  # a gap this wide parts a line of writing from a signature beside it, at least
WORD_GAP = 2.0  # or this many times the writing's usual letter height, when larger (large writing's word spaces)
RULE_PX = 2  # ink pixels a column of a dotted rule has at most (a written stroke's column has more)
_COMMA_BELOW = str.maketrans("şţŞŢ", "șțȘȚ")  # tesseract's cedilla letters, as Romanian writes them


@dataclass
class Strike:
    """A strike line through a boxed field: extent in mm, height at its middle, slope (dy/dx on the
    page), and the boxes it crosses."""

    x0: float
    x1: float
    y: float
    slope: float
    cells: list[int]
    thickness: float = 0.5  # mm

    def y_at(self, x: float) -> float:
        """The line's height (mm) at `x` mm."""
        return self.y + (x - (self.x0 + self.x1) / 2) * self.slope


@dataclass
class FieldCorrection:
    """A corrected field: the form texts (or option values) read before and after the correction."""

    field: str
    style: str  # strike | cells | overwrite | checkbox | text
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

def _rotation(shape: tuple[int, int], angle: float) -> np.ndarray:
    h, w = shape
    return cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)


def _line_pixels(crop: np.ndarray, top: int, bottom: int, min_run: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The pixels (x, y in the crop) of the longest straight run through the rows top:bottom of
    a binary crop, over the slants tried; None when no run is `min_run` pixels long."""
    best: tuple[tuple[int, int], float, np.ndarray] | None = None
    for angle in ANGLES:
        turned = cv2.warpAffine(crop, _rotation(crop.shape, angle), crop.shape[::-1], flags=cv2.INTER_NEAREST,
                                borderValue=0) if angle else crop
        turned = cv2.morphologyEx(turned, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
        runs = cv2.morphologyEx(turned[top:bottom], cv2.MORPH_OPEN, np.ones((1, min_run), np.uint8))
        if not runs.any():
            continue
        n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        # the slant that straightens the line: the longest run (to 2 px), then the thinnest, since
        # a slant off the line's own may keep it whole, only thicker
        i = max(range(1, n), key=lambda j: (int(stats[j][2]) // 2, -int(stats[j][3])))
        key = (int(stats[i][2]) // 2, -int(stats[i][3]))
        if best is None or key > best[0]:
            best = (key, angle, labels == i)
    if best is None:
        return None
    _, angle, run = best
    ys, xs = np.nonzero(run)
    pts = cv2.invertAffineTransform(_rotation(crop.shape, angle)) @ np.vstack([xs, ys + top, np.ones(len(xs))])
    return pts[0], pts[1]


def find_strikes(ink: np.ndarray, form: np.ndarray, spec: FieldSpec) -> list[Strike]:
    """The strike lines through a boxed field (one through the whole value, or one per struck box).
    `ink` is the page's raw ink: vertical box lines stay in, so a strike is unbroken where it
    crosses them while neighbouring glyphs stay apart; the horizontal box lines are taken out.
    Every box is looked at on its own (with STRIKE_SIDE mm either side): a line through it from side
    to side at one of the slants tried strikes it. Neighbouring struck boxes whose lines meet make
    one strike, whose course is then fitted on the page."""
    pad = 2.5
    rows, cols = to_px(Rect(x=spec.x - pad, y=spec.y - 1.0, w=spec.w + 2 * pad, h=spec.h + 2.0), PX)
    crop = (ink[rows, cols] > INK_LEVEL).astype(np.uint8)
    if crop.size == 0 or not crop.any():
        return []
    printed = form[rows, cols].astype(np.uint8)
    crop[cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, int(2 * PX)), np.uint8)) > 0] = 0
    top = int(round((1.0 + spec.h * BAND[0]) * PX))
    bottom = int(round((1.0 + spec.h * BAND[1]) * PX))
    min_run = int(MIN_STRIKE * spec.cell_width * PX)
    hits: list[tuple[int, np.ndarray, np.ndarray]] = []  # struck box, its line's pixels on the page (mm)
    for i, c in enumerate(spec.cell_rects()):
        left = max(0, int(round((c.x - STRIKE_SIDE) * PX)) - cols.start)
        right = min(crop.shape[1], int(round((c.x2 + STRIKE_SIDE) * PX)) - cols.start)
        found = _line_pixels(np.ascontiguousarray(crop[:, left:right]), top, bottom, min_run)
        if found is None:
            continue
        xs = (cols.start + left + found[0] + 0.5) / PX
        ys = (rows.start + found[1] + 0.5) / PX
        # a strike runs through a box from side to side; a glyph's own stroke stops short of its sides
        if xs.min() <= c.x + 0.15 * c.w and xs.max() >= c.x2 - 0.15 * c.w:
            hits.append((i, xs, ys))
    groups: list[list[tuple[int, np.ndarray, np.ndarray]]] = []
    for hit in hits:
        if groups and groups[-1][-1][0] == hit[0] - 1 \
                and abs(float(np.median(groups[-1][-1][2]) - np.median(hit[2]))) < STRIKE_STEP:
            groups[-1].append(hit)
        else:
            groups.append([hit])
    out = []
    for group in groups:
        xs = np.concatenate([g[1] for g in group])
        ys = np.concatenate([g[2] for g in group])
        x0, x1 = float(xs.min()), float(xs.max())
        slope, at = np.polyfit(xs, ys, 1)
        residual = ys - (slope * xs + at)
        thick = float(np.percentile(residual, 97) - np.percentile(residual, 3)) + 1.0 / PX
        out.append(Strike(x0, x1, float(slope * (x0 + x1) / 2 + at), float(slope), [g[0] for g in group], thick))
    return out


def _without_strikes(ink: np.ndarray, strikes: list[Strike], margin: float = 0.25) -> np.ndarray:
    """The page's ink with the strike lines cleared (each line's thickness plus `margin` mm)."""
    out = ink.copy()
    for strike in strikes:
        x0, x1 = int((strike.x0 - 0.5) * PX), int((strike.x1 + 0.5) * PX)  # the pen's ends taper off
        half = (strike.thickness / 2 + margin) * PX
        for x in range(max(0, x0), min(out.shape[1], x1)):
            yc = strike.y_at((x + 0.5) / PX) * PX
            out[max(0, int(yc - half)):int(yc + half) + 1, x] = 0
    return out


def _without_line_end(box: np.ndarray, rect: Rect, strikes: list[Strike]) -> np.ndarray | None:
    """A box's ink without the end of a strike line that runs on into it from a struck neighbour:
    the blobs that lie within the line's course and reach the box's side. None when there is none
    (the box is left as the scanner read it)."""
    binary = (box > INK_LEVEL).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    ends = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        left, right = rect.x + x / PX, rect.x + (x + w) / PX
        for st in strikes:
            half = st.thickness / 2 + 0.4
            on_line = all(abs((rect.y + yy / PX) - st.y_at(xx)) <= half
                          for yy in (y, y + h) for xx in (left, right))
            at_side = x <= LINE_END_SIDE * PX and st.x1 > rect.x or x + w >= box.shape[1] - LINE_END_SIDE * PX \
                and st.x0 < rect.x2
            if on_line and at_side:
                ends.append(i)
                break
    if not ends:
        return None
    return np.where(np.isin(labels, ends), 0.0, box)


# -- reading characters ----------------------------------------------------------------------

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


# -- fields ----------------------------------------------------------------------------------

def _boxes(template: Template, spec: FieldSpec, page: CleanPage, clean: np.ndarray, hand: np.ndarray,
           pen: np.ndarray, printed: bool, model: Recogniser, evidence: dict[str, Any] | None,
           on: date) -> FieldCorrection | None:
    """A boxed field's correction; `clean` is the ink without the form's print, `hand` keeps the
    blue writing where it crosses the print (a correction often runs over the form's labels), `pen`
    is the page's pen strokes (formproc.reconcile.overwrite.pen_ink); `printed`: the certificate
    was printed, not filled in by hand (its boxes may be overwritten)."""
    scanned = scanned_cells(spec, evidence)
    over = overwritten(template, spec, page, clean, pen, model, scanned, on) if printed else None
    overwrite = None if over is None else FieldCorrection(
        spec.name, "overwrite", over.new_text, over.confidence, over.old_text, over.old_confidence, over.readable,
        where=over.where, flags=over.flags)
    strikes = find_strikes(page.ink, page.form, spec)
    if not strikes:
        return overwrite
    struck = _struck(template, spec, page, clean, hand, pen, model, scanned, on, strikes)
    # a heavy pen character over a box can look like a line through it: the surer reading wins
    if overwrite is not None and overwrite.readable and (not struck.readable
                                                          or overwrite.new_confidence > struck.new_confidence):
        return overwrite
    return struck


def _struck(template: Template, spec: FieldSpec, page: CleanPage, clean: np.ndarray, hand: np.ndarray,
            pen: np.ndarray, model: Recogniser, scanned: list[CellRead], on: date,
            strikes: list[Strike]) -> FieldCorrection:
    """A struck boxed field's correction: the old value read under the strikes, the new one beside
    (`scanned`: the scanner's candidates for every box)."""
    struck = sorted({i for st in strikes for i in st.cells})
    allowed = charset(spec)
    unstruck = _without_strikes(clean, strikes)
    # a faint carbon copy corrected in strong ballpoint: the page's ink scale follows the pen, and the
    # scanner may take the copy's own writing for empty boxes; such boxes are read again, stretched
    # (when the scanner read some of the field's boxes, the copy's writing shows at the page's scale:
    # its blank boxes are empty, whatever specks a noisy copy leaves in them)
    faint = [] if written_cells(scanned) else [i for i, r in enumerate(spec.cell_rects())
                                               if scanned[i].blank and _faint_ink(unstruck, r)]
    # a strike running on past the value leaves ink in empty boxes: they are not written
    touched = {i for i, r in enumerate(spec.cell_rects()) if any(r.x2 > st.x0 - 0.5 and r.x < st.x1 + 0.5
                                                                  for st in strikes)}
    written = {i for i in written_cells(scanned) if i not in touched or i in struck
               or _faint_ink(unstruck, spec.cell_rects()[i])} | set(struck) | set(faint)
    # the old value: the struck and the faint boxes read again (without the line, stretched), a box
    # the line's end runs into without its end, the others as the scanner read them
    old_cells = [c if i in written else CellRead([], c.ink) for i, c in enumerate(scanned)]
    repaired = _inpainted(clean, strikes, spec)
    line = _without_strikes(np.ones_like(clean), strikes, margin=0.15) == 0
    glyph_sets = printed_fonts(template, spec)
    for i in sorted(written):
        rows, cols = to_px(spec.cell_rects()[i], PX)
        box = repaired[rows, cols]
        if i in struck:  # machine print is read by the printer's glyphs, the line left out
            printed, fit = printed_read(clean[rows, cols], line[rows, cols], glyph_sets, allowed)
            again = printed if fit >= PRINTED_OLD else read_char(model, _stretched(box), allowed)
            old_cells[i] = again or CellRead([], scanned[i].ink)
        elif i in faint or (box.size and float(np.percentile(box, 99.5)) < 0.9):
            again = read_char(model, _stretched(box), allowed)  # struck, or faint beside a strong pen
            old_cells[i] = again or CellRead([], scanned[i].ink)
        elif i in touched:
            box = _without_line_end(clean[rows, cols], spec.cell_rects()[i], strikes)
            if box is not None:
                old_cells[i] = read_char(model, box, allowed) or CellRead([], scanned[i].ink)
    old_text, old_conf, _ = decode_cells(spec, old_cells, on)
    hand = _without_strikes(hand, strikes, margin=0.6)
    readings = _by_cells(spec, zones_of(template, spec, "above", "below"), struck, old_cells, hand, pen, model, on)
    if set(struck) >= written or not readings:
        # the whole value struck (or no box-by-box writing found): the new value written beside;
        # a reading by the boxes that keeps some struck characters is then no reading of it
        lines = _by_line(spec, beside_zones(template, spec.name), hand, pen, model, on)
        if any(r.text is not None and "invalid" not in r.flags for r in lines):
            readings = [r for r in readings if not r.partial]
        readings += lines
    if not readings:
        return FieldCorrection(spec.name, "strike", None, 0.0, old_text, old_conf, False, flags=["no-new-value"])
    # the reading that makes a valid value other than the struck one, surest first
    best = max(readings, key=lambda r: (r.text is not None and "invalid" not in r.flags and r.text != old_text,
                                        r.pen, r.confidence, r.ink))
    readable = best.text is not None and "invalid" not in best.flags
    flags = list(best.flags)
    if readable and best.text == old_text:  # a correction that changes nothing is misread
        readable = False
        flags.append("same-as-struck")
    conf = best.confidence if readable else min(best.confidence, 0.2)
    if not best.pen:  # a stamp's lettering, or a pen too faint to tell from the carbon's print
        conf = min(conf, FAINT_CAP)
    return FieldCorrection(spec.name, best.style, best.text, conf, old_text, old_conf, readable,
                           where=(best.where.x, best.where.y, best.where.w, best.where.h), flags=flags)


@dataclass
class _NewValue:
    """One way of reading a correction's new value: from the boxes' own places or from a line."""

    style: str  # cells | strike
    text: str | None
    confidence: float  # the grammar's confidence times how sure the new characters are
    flags: list[str]
    where: Rect
    ink: float
    pen: bool  # the writing is a pen's (PEN_WRITING); else a stamp's lettering, or a thin pen on a carbon copy
    partial: bool = False  # read by the boxes, some struck boxes keeping their old characters


def zones_of(template: Template, spec: FieldSpec, *sides: str) -> list[Zone]:
    """The places beside a field's boxes on the given sides (formproc.reconcile.zones)."""
    return [z for z in beside_zones(template, spec.name) if z.side in sides]


def _by_cells(spec: FieldSpec, zones: list[Zone], struck: list[int], old_cells: list[CellRead], hand: np.ndarray,
              pen: np.ndarray, model: Recogniser, on: date) -> list[_NewValue]:
    """The new value as characters written just above or below the struck boxes (one reading per
    place); a struck box with nothing written by it keeps its old character (the line only ran
    through it), but at least one must have a new one."""
    allowed = charset(spec)
    out = []
    for zone in zones:
        cells, new, ink, drawn = list(old_cells), [], 0.0, 1.0
        for i in struck:
            area = cell_zone(spec, zone, i)
            crop, mask = writing_in(hand, area, spec.cell_width, side=CELL_SIDE)
            groups = glyph_masks(mask.astype(np.uint8))
            if not groups:
                continue
            glyph = np.logical_or.reduce(groups)
            read = read_char(model, tight(crop, glyph), allowed, free=True)
            if read is None:
                continue
            cells[i] = read
            new.append((i, read))
            ink += float(glyph.mean())
            drawn = min(drawn, pen_share(pen, area, spec.cell_width, CELL_SIDE, glyph))
        if not new:
            continue
        text, conf, flags = decode_cells(spec, cells, on)
        missing = len(struck) - len(new)
        xs = [cell_zone(spec, zone, i) for i, _ in new]
        where = Rect(x=xs[0].x, y=zone.rect.y, w=xs[-1].x2 - xs[0].x, h=zone.rect.h)
        conf *= sureness([r for _, r in new]) * MISSING ** missing
        out.append(_NewValue("cells", text, conf, flags, where, ink, drawn >= PEN_WRITING, missing > 0))
    return out


def _by_line(spec: FieldSpec, zones: list[Zone], hand: np.ndarray, pen: np.ndarray, model: Recogniser,
             on: date) -> list[_NewValue]:
    """The new value as a line written beside the boxes (one reading per place)."""
    out = []
    for zone in zones:
        reads, share, drawn, missing = line_reads(model, hand, zone.rect, charset(spec), spec.cell_width, pen)
        if not reads or len(reads) > (spec.cells or 0):
            continue
        text, conf, flags = decode_cells(spec, reads, on)
        conf *= sureness(reads) * MISSING ** missing
        out.append(_NewValue("strike", text, conf, flags, zone.rect, share, drawn >= PEN_WRITING))
    return out


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


def _text_strike(page: CleanPage, spec: FieldSpec) -> tuple[Strike, float, float] | None:
    """A strike through a text field's printed words: (the line, the words' extent left and right
    of it in mm), or None. The form's dotted rule and box lines are left out; the line must run
    TEXT_STRIKE_MM mm straight (far longer than any stroke of a letter), be a pen's thickness and
    run on past the words at one end at least."""
    pad = 3.0
    rows, cols = to_px(Rect(x=spec.x - pad, y=spec.y, w=spec.w + 2 * pad, h=spec.h), PX)
    crop = ((page.ink[rows, cols] > INK_LEVEL) & ~page.form[rows, cols]).astype(np.uint8)
    if crop.size == 0 or not crop.any():
        return None
    top, bottom = int(round(spec.h * TEXT_BAND[0] * PX)), int(round(spec.h * TEXT_BAND[1] * PX))
    found = _line_pixels(np.ascontiguousarray(crop), top, bottom, int(TEXT_STRIKE_MM * PX))
    if found is None:
        return None
    slope, at = np.polyfit(found[0], found[1], 1)
    thick_px = _ink_across(crop, found[0], slope, at)
    if not TEXT_STRIKE_PX <= thick_px <= TEXT_STRIKE_MAX_MM * PX:
        return None  # a pen's line is a few pixels thick; a row of print joined up one, words run together more
    x0, x1 = (cols.start + float(found[0].min()) + 0.5) / PX, (cols.start + float(found[0].max()) + 0.5) / PX
    mid = (rows.start + slope * (found[0].min() + found[0].max()) / 2 + at + 0.5) / PX
    strike = Strike(x0, x1, float(mid), float(slope), [], thick_px / PX)
    line = np.zeros(crop.shape, np.uint8)  # the line's own pixels (and their blurred edge), nothing more
    line[np.clip(np.round(found[1]).astype(int), 0, crop.shape[0] - 1),
         np.clip(np.round(found[0]).astype(int), 0, crop.shape[1] - 1)] = 1
    words = (crop > 0) & (cv2.dilate(line, np.ones((5, 5), np.uint8)) == 0)
    course = np.array([strike.y_at((c + 0.5) / PX) * PX for c in range(cols.start, cols.start + words.shape[1])])
    words &= np.abs(np.arange(words.shape[0])[:, None] + rows.start + 0.5 - course[None, :]) <= WORDS_MM * PX
    words = cv2.morphologyEx(words.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    span = np.flatnonzero(words.sum(axis=0) > RULE_PX)  # a dotted rule left by the cleaning is no word
    if len(span) == 0:
        return None  # a line on an empty field strikes nothing
    left, right = (cols.start + span[0]) / PX, (cols.start + span[-1] + 1) / PX
    if strike.x0 > left - OVERSHOOT and strike.x1 < right + OVERSHOOT:
        return None  # a pen's line runs on past the words it strikes; blurred print joined up stays inside them
    return strike, left, right


def _ink_across(binary: np.ndarray, xs: np.ndarray, slope: float, at: float) -> float:
    """How thick (pixels) the ink is across a fitted line y = slope * x + at: the unbroken run of
    ink through the line in each of its columns, the lower quartile over them (between letters a
    pen's line keeps its thickness, a row of print joined up by blur does not)."""
    heights = []
    for x in range(int(xs.min()), int(xs.max()) + 1):
        column = binary[:, x]
        y = int(round(slope * x + at))
        if not 0 <= y < len(column) or not column[y]:
            heights.append(0)
            continue
        up = y
        while up > 0 and column[up - 1]:
            up -= 1
        down = y
        while down < len(column) - 1 and column[down + 1]:
            down += 1
        heights.append(down - up + 1)
    return float(np.percentile(heights, 25)) if heights else 0.0


def _line_text(dark: np.ndarray) -> tuple[str, list[float]] | None:
    """A line of writing (darkness 0-1, canonical pixels) read by tesseract (`ron`, one line),
    enlarged to formproc.scan.text's reading size: (text, word confidences 0-100)."""
    from formproc.scan.text import TEXT_PX_PER_MM, ocr_line

    if dark.size == 0 or not (dark > INK_LEVEL).any():
        return None
    scale = TEXT_PX_PER_MM / PX
    big = cv2.resize(dark.astype(np.float32), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    ink = np.clip((big - 0.2) / 0.45, 0, 1)  # formproc.scan.text's soft threshold
    line = ocr_line((255 - ink * 255).astype(np.uint8))
    return line if line is not None and any(ch.isalnum() for ch in line[0]) else None


def _letter_height(mask: np.ndarray) -> float:
    """The usual height (px) of the letters in a mask of writing: the median of its blobs' heights,
    dots and commas (under 1 mm) left out."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    heights = [h for h in stats[1:, cv2.CC_STAT_HEIGHT] if h >= PX]
    return float(np.median(heights)) if heights else 0.0


def _main_run(mask: np.ndarray) -> np.ndarray:
    """The run of writing with the most ink in a place, where runs are parted by a gap of nothing
    but a rule's dots, TEXT_GAP_MM mm or WORD_GAP letter heights wide, whichever is larger (a
    signature written beside the new text is not part of it; a word space is)."""
    cols = np.flatnonzero(mask.sum(axis=0) > RULE_PX)
    if len(cols) == 0:
        return mask
    cuts = np.flatnonzero(np.diff(cols) > max(TEXT_GAP_MM * PX, WORD_GAP * _letter_height(mask)))
    runs = np.split(cols, cuts + 1)
    best = max(runs, key=lambda r: int(mask[:, r[0]:r[-1] + 1].sum()))
    out = np.zeros_like(mask)
    out[:, best[0]:best[-1] + 1] = mask[:, best[0]:best[-1] + 1]
    return out


def _known_letters(text: str) -> int:
    """How much of a line a reading spells as words the lexicon knows: the letters of its known
    words (two letters or more) less those of its unknown ones. A reading of a few letters of a
    long line does not outweigh a reading of all of it."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    return sum(len(w) if known(w) else -len(w) for w in words)


def place_line(rect: Rect, hand: np.ndarray) -> tuple[np.ndarray, float]:
    """The writing in a place beside a text field, as the readers get it: (its darkness, the form's
    print and ink that does not belong to the place taken out and only the main run of writing
    kept (`_main_run`); the share of the place it covers)."""
    crop, mask = writing_in(hand, rect, rect.w, side=0.0)
    mask = _main_run(mask)
    share = float(mask.mean()) if mask.size else 0.0
    return np.where(mask, crop, 0.0), share


def _hand_text(spec: FieldSpec, dark: np.ndarray, share: float, on: date) -> tuple[str | None, float, list[str], float]:
    """The text hand-written in a place beside a text field (`place_line`'s cut: its darkness and
    the share of the place it covers), read by tesseract and by the line recogniser
    (formproc.reconcile.handlines, which weighs its known spellings with tesseract's reading as a
    witness), each reading corrected as the scanner corrects the field
    (formproc.scan.text.correct) and its lost commas below put back where one known word has them
    (formproc.scan.lexicon.with_commas) and the name after a title capitalised (names_capitalised);
    tesseract's unknown words are respelled where only one known word lies an edit away
    (formproc.scan.lexicon.respell: the recogniser's own were checked against the line already).
    The reading that spells more of the line as known words wins (`_known_letters`; the
    recogniser's on a tie): (text, confidence, flags, ink share)."""
    from formproc.scan.text import correct

    if share < MIN_TEXT_INK:
        return None, 0.0, [], share
    best: tuple[int, str, float, list[str]] | None = None
    tess = _line_text(dark)
    for line, checked in ((tess, False), (read_line(dark, tess[0] if tess else ""), True)):
        if line is None:
            continue
        value, conf, flags = correct(spec, line[0].translate(_COMMA_BELOW), line[1], on)
        if value is None:
            continue
        # tesseract's unknown words respelled; the recogniser's were weighed against the line already
        spelled = WORD.sub(lambda m: with_commas(m.group()), value) if checked else _respelled(value)
        spelled = names_capitalised(spelled)
        flags = flags + ["respelled"] if spelled != value else flags
        score = _known_letters(spelled)
        if best is None or score >= best[0]:
            best = (score, spelled, conf, flags)
    if best is None:
        return None, 0.0, [], share
    _, value, conf, flags = best
    return value, min(conf, HAND_TEXT_CAP), flags, share


def _respelled(text: str) -> str:
    """A tesseract reading with its unknown words respelled where only one known word lies an edit
    away (formproc.scan.lexicon.respell) and lost commas below put back (with_commas)."""
    return WORD.sub(lambda m: with_commas(respell(m.group())), text)


def _struck_text(spec: FieldSpec, clean: np.ndarray, strike: Strike, on: date) -> tuple[str | None, float]:
    """The printed words under a strike, read again with the line painted over (and respelled,
    `_respelled`: the strike takes letters' middles away)."""
    from formproc.scan.text import correct

    rows, cols = to_px(Rect(x=spec.x - 1.0, y=spec.y, w=spec.w + 2.0, h=spec.h), PX)
    core = Strike(strike.x0, strike.x1, strike.y, strike.slope, [], strike.thickness * STRUCK_CORE)
    line = _line_text(_inpainted(clean, [core], spec)[rows, cols])
    if line is None:
        return None, 0.0
    value, conf, _ = correct(spec, line[0].translate(_COMMA_BELOW), line[1], on)
    return (_respelled(value) if value else value), conf


def _text(template: Template, spec: FieldSpec, page: CleanPage, clean: np.ndarray, hand: np.ndarray,
          on: date) -> FieldCorrection | None:
    """A free-text field's correction: a line through its printed words, the new text beside it."""
    found = _text_strike(page, spec)
    if found is None:
        return None
    strike, left, right = found
    old, old_conf = _struck_text(spec, clean, strike, on)
    if strike.x0 > left + (1 - TEXT_COVER) * (right - left) or strike.x1 < right - (1 - TEXT_COVER) * (right - left):
        # a word struck among others: the new words belong in the old line, which is not rebuilt
        return FieldCorrection(spec.name, "text", None, 0.0, old, old_conf, False,
                               where=(strike.x0, strike.y - 1.0, strike.x1 - strike.x0, 2.0), flags=["partial-strike"])
    readings = [(*_hand_text(spec, dark, share, on), rect)
                for rect, dark, share in _places(template, spec, hand, strike)]
    readings = [r for r in readings if r[0]]
    if not readings:
        return FieldCorrection(spec.name, "text", None, 0.0, old, old_conf, False,
                               where=(strike.x0, strike.y - 1.0, strike.x1 - strike.x0, 2.0), flags=["no-new-value"])
    text, conf, flags, _, rect = max(readings, key=lambda r: (r[0] != old, r[3], r[1]))
    readable = text != old
    if not readable:
        flags = flags + ["same-as-struck"]
    return FieldCorrection(spec.name, "text", text, conf if readable else min(conf, 0.2), old, old_conf, readable,
                           where=(rect.x, rect.y, rect.w, rect.h), flags=flags)


def text_places(template: Template, spec: FieldSpec, page: CleanPage) -> list[tuple[Rect, np.ndarray, float]]:
    """The places beside a struck free-text field with the writing in each, as `_text` reads them
    (`place_line`: place, darkness, ink share); empty when the field is not struck. For the line
    recogniser's training lines (formproc.reconcile.page_lines)."""
    found = _text_strike(page, spec)
    return [] if found is None else _places(template, spec, hand_layer(page), found[0])


def _places(template: Template, spec: FieldSpec, hand: np.ndarray,
            strike: Strike) -> list[tuple[Rect, np.ndarray, float]]:
    """Each place beside a struck free-text field with `place_line`'s cut of its writing (the
    strike painted out first)."""
    hand = _without_strikes(hand, [strike], margin=0.6)
    return [(z.rect, *place_line(z.rect, hand)) for z in beside_zones(template, spec.name)]


def hand_layer(page: CleanPage) -> np.ndarray:
    """The page's ink without the form's print (darkness 0-1), but for blue writing over it."""
    return np.where(page.form & ~bluish(page.rgb) & ~blue_writing(page), 0.0, page.ink).astype(np.float32)


# -- paraph ----------------------------------------------------------------------------------

def has_paraph(template: Template, spec: FieldSpec, page: CleanPage, fields_mask: np.ndarray,
               writing: list[Rect]) -> bool:
    """Whether a signature or stamp lies near a correction (`paraph_area`, PARAPH_MM2 at least)."""
    return paraph_area(template, spec, page, fields_mask, writing) >= PARAPH_MM2


def paraph_area(template: Template, spec: FieldSpec, page: CleanPage, fields_mask: np.ndarray,
                writing: list[Rect]) -> float:
    """The mm² of ink or stamp blue near a correction outside every field, outside the form's own
    print and outside the page's correction writing (`writing`: new values and strike ends, of
    this correction and of the others near it), within PARAPH_MARGIN mm of the field and not along
    the sheet's edge (PAGE_EDGE: a photo's border with the table under the sheet)."""
    near = neighbourhood(template, spec, PARAPH_MARGIN)
    x0, y0 = max(near.x, PAGE_EDGE), max(near.y, PAGE_EDGE)
    x1, y1 = min(near.x2, template.page[0] - PAGE_EDGE), min(near.y2, template.page[1] - PAGE_EDGE)
    rows, cols = to_px(Rect(x=x0, y=y0, w=x1 - x0, h=y1 - y0), PX)
    ink = page.ink[rows, cols] > INK_LEVEL
    blue = bluish(page.rgb[rows, cols], margin=25)
    free = ~fields_mask[rows, cols] & ~page.form[rows, cols]
    keep = np.ones(page.ink.shape, bool)
    for r in writing:
        wr, wc = to_px(r, PX)
        keep[wr, wc] = False
    marks = (ink | blue) & free & keep[rows, cols]
    return float(marks.sum()) / (PX * PX)


def correction_writing(template: Template, corrections: dict[str, FieldCorrection]) -> list[Rect]:
    """Where the page's corrections wrote: each new value (grown by 1 mm) and the strike's
    overshoot left and right of each corrected field's boxes."""
    out = []
    for name, c in corrections.items():
        spec = template.field(name)
        out += [Rect(x=spec.x - 3.0, y=spec.y - 0.5, w=3.0, h=spec.h + 1.0),
                Rect(x=spec.x2, y=spec.y - 0.5, w=3.0, h=spec.h + 1.0)]
        if c.where is not None:
            out.append(Rect(x=c.where[0] - 1.0, y=c.where[1] - 1.0, w=c.where[2] + 2.0, h=c.where[3] + 2.0))
    return out


# -- page ------------------------------------------------------------------------------------

def detect_corrections(template: Template, page: CleanPage, model: Recogniser,
                       evidence: dict[str, dict[str, Any]] | None = None, on: date | None = None
                       ) -> dict[str, FieldCorrection]:
    """Every corrected field of a registered, cleaned page, by field name.

    `evidence` is the scanner's per-field output (`formproc scan` fields, with per-box candidates);
    `on` the certificate's date (for the code catalogs in force)."""
    day = on or date.today()
    clean = np.where(page.form, 0.0, page.ink).astype(np.float32)
    pen = pen_ink(page)
    hand = hand_layer(page)
    printed = not filled_by_hand(template, page, pen)
    fields_mask = inside_fields(template, page.ink.shape, PX)
    out: dict[str, FieldCorrection] = {}
    for spec in template.fields:
        if spec.preprinted:
            continue
        if spec.kind == "boxes":
            found = _boxes(template, spec, page, clean, hand, pen, printed, model, (evidence or {}).get(spec.name), day)
        elif spec.kind in ("checkbox", "choice"):
            found = _options(spec, page)
        elif free_text(spec):
            found = _text(template, spec, page, clean, hand, day)
        else:
            continue
        if found is not None:
            out[spec.name] = found
    writing = correction_writing(template, out)
    for name, found in out.items():
        found.paraph = has_paraph(template, template.field(name), page, fields_mask, writing)
        if not found.paraph:
            found.flags.append("no-paraph")
    return out
