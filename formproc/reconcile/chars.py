"""Reading hand-written and printed characters around a field's boxes, for the correction detector.

Character-level helpers of formproc.reconcile.detect and formproc.reconcile.overwrite: the blobs
of writing that belong to a place, their characters through the scanner's recogniser
(formproc.scan.icr), a struck or overwritten box's printed character through the printer's own
glyphs (formproc.scan.glyphs), and a field's characters through its grammar (formproc.scan.decode).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import cv2
import numpy as np

from formproc.layout import FieldSpec, Rect, Template
from formproc.reconcile.zones import to_px
from formproc.scan.clean import INK_LEVEL
from formproc.scan.decode import decode_boxes
from formproc.scan.icr import CellInk, Recogniser, normalise
from formproc.scan.read import CellRead, FieldRead
from formproc.scan.register import PX_PER_MM

PX = PX_PER_MM
MIN_GLYPH_MM2 = 0.35  # smaller ink specks beside the boxes are not characters
MIN_GLYPH_HEIGHT = 0.3  # nor are blobs flatter than this share of the line's height
BROKEN_STROKE = 0.5  # mm between two blobs over each other that are one broken stroke
SPILL = 0.8  # mm a hand-written character may run over the place it is written in
REACH = 3.0  # mm around that place looked at to tell writing from ink reaching in from outside
MAX_GLYPH_BOXES = 1.3  # a hand-written character is at most this many boxes wide
LOST_STEP = 1.6  # a step between hand-written characters this many times the usual one lost one


def bluish(rgb: np.ndarray, margin: int = 35) -> np.ndarray:
    """Pixels of blue ballpoint or a blue stamp: blue at least `margin` above red (the form's print
    is black, its rosette pink)."""
    r, b = rgb[:, :, 0].astype(np.int16), rgb[:, :, 2].astype(np.int16)
    return b - r > margin


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


def written_cells(cells: list[CellRead]) -> list[int]:
    return [i for i, c in enumerate(cells) if not c.blank]


def read_char(model: Recogniser, dark: np.ndarray, allowed: str, free: bool = False) -> CellRead | None:
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


def glyph_masks(binary: np.ndarray) -> list[np.ndarray]:
    """The characters of a line of writing, left to right, as masks: ink blobs merged when they
    overlap in x (a character broken by the form's print or a lifted pen); what is then still flat
    (a strike's end, a dot) or a speck is no character."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    blobs = sorted((int(stats[i][0]), int(stats[i][0] + stats[i][2]), int(stats[i][1]),
                    int(stats[i][1] + stats[i][3]), i) for i in range(1, n))
    groups: list[list[int]] = []  # [x0, x1, y0, y1, label...]
    for a, b, top, bottom, i in blobs:
        if groups:
            g = groups[-1]
            overlap = min(b, g[1]) - max(a, g[0])
            gap = max(top - g[3], g[2] - bottom)  # a stroke broken where it crossed a printed rule
            if overlap > 0.3 * min(b - a, g[1] - g[0]) or (overlap > 0 and gap <= BROKEN_STROKE * PX):
                g[0], g[1], g[2], g[3] = min(a, g[0]), max(b, g[1]), min(top, g[2]), max(bottom, g[3])
                g.append(i)
                continue
        groups.append([a, b, top, bottom, i])
    out = []
    for g in groups:
        members = g[4:]
        top = min(int(stats[i][1]) for i in members)
        bottom = max(int(stats[i][1] + stats[i][3]) for i in members)
        if sum(int(stats[i][4]) for i in members) >= MIN_GLYPH_MM2 * PX * PX \
                and bottom - top >= MIN_GLYPH_HEIGHT * binary.shape[0]:
            out.append(np.isin(labels, members))
    return out


def writing_in(img: np.ndarray, rect: Rect, cell_width: float, side: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The ink written in a rectangle: (the darkness of `rect` grown by SPILL mm, the mask of the
    blobs that belong to it). A blob is writing of the rectangle when its middle lies inside it,
    it stays within SPILL mm of it and it is no wider than a character (MAX_GLYPH_BOXES boxes):
    the loops of a signature or the tail of a line reaching in from outside are left out. The
    crop reaches `side` boxes left and right of the rectangle."""
    ctx = Rect(x=rect.x - REACH, y=rect.y - REACH, w=rect.w + 2 * REACH, h=rect.h + 2 * REACH)
    rows, cols = to_px(ctx, PX)
    crop = img[rows, cols]
    oy, ox = rows.start, cols.start
    y0, y1 = int((rect.y - SPILL) * PX) - oy, int((rect.y2 + SPILL) * PX) - oy
    x0, x1 = int(rect.x * PX) - ox, int(rect.x2 * PX) - ox
    binary = (crop > INK_LEVEL).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = [i for i in range(1, n)
            if stats[i][1] >= y0 and stats[i][1] + stats[i][3] <= y1 and x0 <= stats[i][0] + stats[i][2] / 2 < x1
            and stats[i][2] <= MAX_GLYPH_BOXES * cell_width * PX]
    mask = np.isin(labels, keep)
    lo, hi = max(0, y0), max(0, y1)
    left, right = max(0, int(x0 - side * cell_width * PX)), max(0, int(x1 + side * cell_width * PX))
    return crop[lo:hi, left:right], mask[lo:hi, left:right]


def tight(crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The darkness of the masked ink, cut to its bounding box."""
    ys, xs = np.nonzero(mask)
    return np.where(mask, crop, 0.0)[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def line_reads(model: Recogniser, clean: np.ndarray, rect: Rect, allowed: str, cell_width: float,
               pen: np.ndarray) -> tuple[list[CellRead], float, float, int]:
    """The characters written in a rectangle (left to right), the rectangle's ink share, the
    share of that writing drawn with a pen (`pen_share`) and how many characters its spacing
    says were lost (`lost`)."""
    crop, mask = writing_in(clean, rect, cell_width)
    if crop.size == 0:
        return [], 0.0, 0.0, 0
    out, centres = [], []
    for glyph_mask in glyph_masks(mask.astype(np.uint8)):
        read = read_char(model, tight(crop, glyph_mask), allowed, free=True)
        if read is not None:
            out.append(read)
            xs = np.nonzero(glyph_mask.any(axis=0))[0]
            centres.append((xs[0] + xs[-1]) / 2)
    return out, float(mask.mean()), pen_share(pen, rect, cell_width, 1.0, mask), lost(centres)


def lost(centres: list[float]) -> int:
    """Characters missing from a hand-written line, by its spacing: a step between neighbours
    LOST_STEP times the line's usual one or more (a letter written over the form's print, taken
    away with it, leaves such a hole). Three characters at least are needed to know the usual step."""
    steps = np.diff(centres)
    if len(steps) < 2:
        return 0
    usual = float(np.median(steps))
    return int(sum(round(step / usual) - 1 for step in steps if step >= LOST_STEP * usual))


def pen_share(pen: np.ndarray, rect: Rect, cell_width: float, side: float, mask: np.ndarray) -> float:
    """The share of the writing `mask` (as `writing_in` cut it for `rect`) drawn with a pen
    (formproc.reconcile.overwrite.pen_ink): a stamp's lettering or the carbon's own print are not."""
    drawn, _ = writing_in(pen, rect, cell_width, side)
    return float((drawn[mask] > 0).mean()) if mask.any() else 0.0


def sureness(reads: list[CellRead]) -> float:
    """The geometric mean of the characters' best probabilities."""
    tops = [max(r.candidates[0][1], 1e-6) for r in reads if r.candidates]
    return float(np.exp(np.mean(np.log(tops)))) if tops else 0.0


def decode_cells(spec: FieldSpec, cells: list[CellRead], on: date) -> tuple[str | None, float, list[str]]:
    read = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h), cells=cells)
    read.raw = "".join(c.candidates[0][0] if c.candidates else " " for c in cells).strip()
    d = decode_boxes(spec, read, on)
    return d.text, float(d.confidence), list(d.flags)


def printed_fonts(template: Template, spec: FieldSpec) -> list[dict[str, np.ndarray]]:
    """The printer's box glyphs of a field at the sizes a print may come out at (formproc.scan.glyphs)."""
    from formproc.render.printing import box_font_size
    from formproc.scan.glyphs import templates
    from formproc.scan.read import PRINT_SCALES

    size = box_font_size(spec)
    names = dict.fromkeys((template.drawing.boxFont, template.drawing.font))
    return [templates(name, round(size * scale, 2)) for name in names for scale in PRINT_SCALES]


def printed_read(box: np.ndarray, line: np.ndarray, glyph_sets: list[dict[str, np.ndarray]],
                  allowed: str) -> tuple[CellRead | None, float]:
    """A struck box read by the printer's own glyphs, the strike's pixels (`line`) left out of the
    comparison: each glyph is placed where the box's ink above and below the line sits (give or
    take SHIFT pixels) and scored by normalised correlation over the rest. Returns the candidates
    and the best correlation (machine print matches its font closely, hand-printing does not)."""
    from formproc.scan.glyphs import SHIFT, candidates

    keep = ~line
    ys, xs = np.nonzero((box > INK_LEVEL) & keep)
    if len(ys) < 4:
        return None, 0.0
    h, w = box.shape
    cy, cx = (ys.min() + ys.max() + 1) / 2, (xs.min() + xs.max() + 1) / 2
    weight = keep.astype(np.float32)
    total = float(weight.sum())
    di = (box - float((box * weight).sum()) / total) * weight
    ni = float(np.sqrt((di * di).sum())) or 1.0
    scores: dict[str, float] = {}
    for glyphs in glyph_sets:
        for ch in allowed:
            g = glyphs.get(ch)
            if g is None:
                continue
            padded = np.zeros((h + 2 * SHIFT + g.shape[0], w + 2 * SHIFT + g.shape[1]), np.float32)
            y0 = int(round(cy - g.shape[0] / 2)) + SHIFT + g.shape[0] // 2
            x0 = int(round(cx - g.shape[1] / 2)) + SHIFT + g.shape[1] // 2
            if y0 < 0 or x0 < 0 or y0 + g.shape[0] > padded.shape[0] or x0 + g.shape[1] > padded.shape[1]:
                continue
            padded[y0:y0 + g.shape[0], x0:x0 + g.shape[1]] = g
            off_y, off_x = g.shape[0] // 2, g.shape[1] // 2
            views = np.lib.stride_tricks.sliding_window_view(
                padded[off_y:off_y + h + 2 * SHIFT, off_x:off_x + w + 2 * SHIFT], (h, w))  # shifts x box
            mt = (views * weight).sum(axis=(2, 3)) / total
            dt = (views - mt[..., None, None]) * weight
            nt = np.sqrt((dt * dt).sum(axis=(2, 3)))
            corr = (dt * di).sum(axis=(2, 3)) / (ni * np.maximum(nt, 1e-6))
            scores[ch] = max(scores.get(ch, -1.0), float(corr.max()))
    top = candidates(scores, 5)
    return (CellRead(top, normalise(box)[1]) if top else None), max(scores.values(), default=0.0)
