"""Overwritten boxes: a new character written by hand over the printed one, in its own box.

Only a printed certificate has print to tell the pen from: the pen's strokes are blue where a
white copy's print is black toner, and on a carbon copy far darker than the carbon's violet
(formproc.scan.clean.OUTLIER times the copy's writing). Where the pen crosses the print its colour
is lost (the toner shows through the ink), so the pen's mask is closed over such crossings. A box
whose pen strokes make a character (enough ink, tall enough, belonging to the box:
formproc.reconcile.chars.writing_in) over print is overwritten: the pen's character is read by
the scanner's recogniser, the printed one under it by the printer's glyphs with the pen's pixels
left out, and the field's grammar decides both values. A field filled in by hand (the payer's
part) shows no print beside its pen, and a page filled in by hand (most of its boxes' writing is
pen) is not looked at this way at all. A thin pen (under MIN_PEN_MM2 of ink in a box) is not
told from a stamp's ring crossing the print: it counts only where the recogniser is sure of its
character, and the value it gives is then not proven (the comparison with the stored value and
the user decide).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np

from formproc.layout import FieldSpec, Template
from formproc.reconcile.chars import (PX, bluish, decode_cells, printed_fonts, printed_read, read_char, sureness,
                                      tight, writing_in)
from formproc.reconcile.zones import to_px
from formproc.scan.clean import INK_LEVEL, OUTLIER, CleanPage, channel_darkness
from formproc.scan.decode import charset
from formproc.scan.icr import Recogniser
from formproc.scan.read import CellRead

HAND_FILLED = 0.5  # share of the boxes' ink that is pen above which the page was filled in by hand
MIN_PEN_MM2 = 2.0  # pen ink in a box that makes a character (a stamp's ring crossing a box: ~1.6)
MIN_PEN_HEIGHT = 0.5  # share of the box's height a pen character spans at least
#: pen ink in a box too little to read as a character, but enough to be one in a thin pen (or a
#: stamp's ring): the field's new value, read with that box as printed, is not proven; read with
#: the pen's character, when the recogniser is this sure of one (a thin 7 over a printed 2), it is
#: not proven either
UNSURE_PEN_MM2 = 1.0
THIN_SURE = 0.98  # a Kristi 9 over a printed 1: 0.984
UNSURE_CAP = 0.45
PRINT_UNDER = 0.4  # correlation of the ink beside the pen with a printer's glyph: print is under it
PEN_SHARE = 0.2  # a written box whose ink is less than this share pen shows print
CROSSING_PX = 5  # the pen's mask is closed over gaps this wide (the print's strokes it crosses)


@dataclass
class Overwrite:
    """An overwritten field: the form texts after and before, and how sure each is."""

    new_text: str | None
    confidence: float
    old_text: str | None
    old_confidence: float
    readable: bool
    where: tuple[float, float, float, float]
    flags: list[str]


def _across_print(page: CleanPage, strokes: np.ndarray) -> np.ndarray:
    """Strokes closed over the print they cross (where the toner's black hides the pen's colour)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (CROSSING_PX, CROSSING_PX))
    return (cv2.morphologyEx(strokes.astype(np.uint8), cv2.MORPH_CLOSE, kernel) > 0) & (page.ink > INK_LEVEL)


def _top(cell: CellRead) -> str | None:
    """A box's likeliest character (None when nothing was read)."""
    return cell.candidates[0][0] if cell.candidates else None


def _blue(page: CleanPage) -> np.ndarray:
    smooth = cv2.GaussianBlur(page.rgb, (0, 0), 1.0)  # JPEG's colour subsampling blurs thin strokes
    return bluish(smooth) & (page.ink > INK_LEVEL)


def blue_writing(page: CleanPage) -> np.ndarray:
    """Where the page's ink is blue writing (pen or carbon), over the print it crosses too (bool)."""
    return _across_print(page, _blue(page))


def pen_ink(page: CleanPage) -> np.ndarray:
    """The page's ink drawn with a pen (darkness 0-1, 0 elsewhere): blue strokes, on a carbon copy
    also far darker than its print, closed over the print they cross."""
    pen = _blue(page)
    if page.carbon:
        pen &= channel_darkness(page.rgb[:, :, 0]) >= OUTLIER * page.strength
    return np.where(_across_print(page, pen), page.ink, 0.0).astype(np.float32)


def filled_by_hand(template: Template, page: CleanPage, pen: np.ndarray) -> bool:
    """Whether most of the writing in the page's boxes (the form's lines left out) is pen: a
    certificate written by hand."""
    ink = pens = 0
    for spec in template.fields:
        if spec.kind != "boxes" or spec.preprinted:
            continue
        rows, cols = to_px(spec, PX)
        writing = (page.ink[rows, cols] > INK_LEVEL) & ~page.form[rows, cols]
        ink += int(writing.sum())
        pens += int((writing & (pen[rows, cols] > 0)).sum())
    return ink > 0 and pens / ink > HAND_FILLED


def overwritten(template: Template, spec: FieldSpec, page: CleanPage, clean: np.ndarray, pen: np.ndarray,
                model: Recogniser, scanned: list[CellRead], on: date) -> Overwrite | None:
    """A boxed field's overwritten boxes read (None when no box holds a pen character over print).
    `clean` is the ink without the form's print, `scanned` the scanner's candidates for every box.
    The field must show print: beside a pen character, or in a written box the pen left alone (a
    pen as heavy as a thin printed 1 can hide it whole); a field the pen only retraced (each pen
    character the one the print beside it reads) is none."""
    allowed = charset(spec)
    rects = spec.cell_rects()
    new_cells, old_cells, pen_boxes = list(scanned), list(scanned), []
    glyph_sets = None
    printed_beside = unsure = False
    for i, rect in enumerate(rects):
        rows, cols = to_px(rect, PX)
        crop, mask = writing_in(pen, rect, spec.cell_width, side=0.0)
        height = np.ptp(np.nonzero(mask.any(axis=1))[0]) + 1 if mask.any() else 0
        area = mask.sum() / (PX * PX)
        tall = height >= MIN_PEN_HEIGHT * rect.h * PX
        read = read_char(model, tight(crop, mask), allowed, free=True) if tall and area >= UNSURE_PEN_MM2 else None
        thin = not (tall and area >= MIN_PEN_MM2)
        if read is None and not thin:
            continue
        if thin and (read is None or not read.candidates or read.candidates[0][1] < THIN_SURE):  # no character
            unsure |= bool(area >= UNSURE_PEN_MM2)
            writing = clean[rows, cols] > INK_LEVEL
            printed_beside |= not scanned[i].blank and float((pen[rows, cols][writing] > 0).mean()
                                                             if writing.any() else 1.0) < PEN_SHARE
            continue
        # a thin pen's character is not proven; the ink its mask misses beside its strokes is its own, not print
        unsure |= thin
        glyph_sets = glyph_sets or printed_fonts(template, spec)
        under = cv2.dilate((pen[rows, cols] > 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        printed, fit = printed_read(clean[rows, cols], under, glyph_sets, allowed)
        printed_beside |= fit >= PRINT_UNDER and not thin
        new_cells[i] = read
        old_cells[i] = printed if printed is not None and fit >= PRINT_UNDER else CellRead([], scanned[i].ink)
        pen_boxes.append(i)
    if not pen_boxes or not printed_beside:
        return None
    new_text, conf, flags = decode_cells(spec, new_cells, on)
    old_text, old_conf, _ = decode_cells(spec, old_cells, on)
    if new_text is not None and new_text == old_text:
        if all(_top(new_cells[i]) == _top(old_cells[i]) for i in pen_boxes):  # the pen went over what was printed
            return None
        old_text, old_conf = None, 0.0  # the print beside the pen reads otherwise: the old value is not legible
    readable = new_text is not None and "invalid" not in flags
    conf *= sureness([new_cells[i] for i in pen_boxes])
    if unsure:
        conf = min(conf, UNSURE_CAP)
    first, last = rects[pen_boxes[0]], rects[pen_boxes[-1]]
    where = (first.x, first.y, last.x2 - first.x, first.h)
    return Overwrite(new_text, conf if readable else min(conf, 0.2), old_text, old_conf, readable, where, flags)
