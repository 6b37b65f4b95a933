"""Synthetic corrected paper copies, with the truth of the old and the new values.

A record is printed on the template's blank (as formproc prints it), then corrected by hand the
way Art. 10 (2) of the 2020 instructions asks: the wrong value struck out, the right one written,
signature and paraph beside the correction. Five kinds of correction:
- `strike`: a line through the whole boxed value, the new value written beside the boxes;
- `cells`: each wrong box struck on its own, its new character written just above or below it;
- `overwrite`: the new character written by hand over the printed one, in its own box;
- `checkbox`: the marked box scribbled out, another box marked (or none, for a lone checkbox);
- `text`: a line through the printed words of a free-text field (ward, address, unit, doctor),
  the new text written by hand above, below or beside it.
Every position comes from the template (formproc.reconcile.zones); the page then gets the copy's
paper, stamps and the scan distortions of formproc.sample.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import ValidationError

from formproc.errors import InputError
from formproc.fieldvalues import from_form, to_form
from formproc.files import write_atomic
from formproc.layout import FieldSpec, Rect, Template, load_template
from formproc.model import Certificate
from formproc.reconcile.zones import Zone, beside_zones, cell_zone, free_text, obstacles
from formproc.scan import fonts

BALLPOINT = (35, 55, 165)
STAMP_BLUE = (70, 90, 200)
STYLES = ("strike", "cells", "overwrite")
TEXT_SLANT = 1.5  # degrees either way a hand-written line of text may run
MIN_HAND_CAP = 1.8  # mm: the smallest capitals a doctor writes a new text in (else another place)
ANNUL_HEIGHT = 0.22  # height of a hand-written ANULAT's letters, as a share of the mark's place


@dataclass
class Correction:
    """One field corrected on the paper: how, and the form text before and after."""

    field: str
    style: str  # strike | cells | overwrite | checkbox | text
    old: Any  # form text (boxes) or option value (checkbox/choice) before
    new: Any  # after (None: the box is left unmarked)
    where: list[float] = dc_field(default_factory=list)  # mm rectangle of the new writing
    paraph: bool = False  # signed and stamped beside

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "style": self.style, "old": self.old, "new": self.new, "where": self.where,
                "paraph": self.paraph}


@dataclass
class CorrectedSample:
    """A corrected page, the record as first printed and the record as corrected."""

    image: np.ndarray
    original: Certificate
    corrected: Certificate
    corrections: list[Correction]
    meta: dict[str, Any]


def correctable(template: Template, record: Certificate, text: bool = True) -> list[str]:
    """Fields of the record that can be corrected on this form: filled boxes and (`text`) filled
    free-text lines with room beside them, and marked boxes of checkbox/choice fields."""
    out = []
    for f in template.fields:
        if f.preprinted or to_form(record, f) is None:
            continue
        if (f.kind == "boxes" or text and free_text(f)) and beside_zones(template, f.name):
            out.append(f.name)
        elif f.kind in ("checkbox", "choice") and f.mark == "x":
            out.append(f.name)
    return out


def _other_text(template: Template, spec: FieldSpec, old: str, rng: np.random.Generator) -> str | None:
    """Another value of a free-text field, as another random certificate would have it."""
    from formproc.sample import random_record

    for _ in range(40):
        new = to_form(random_record(rng, template), spec)
        if new is not None and str(new) != old:
            return str(new)
    return None


def _mutate(spec: FieldSpec, text: str, rng: np.random.Generator, on: date) -> str | None:
    """Another valid form text for a boxed field: one or two characters changed, each for one of
    its kind (a digit for a digit, a letter for a letter: a slip of the pen, as doctors correct)."""
    from formproc.scan.decode import charset, validator

    ok = validator(spec, on)
    allowed = charset(spec).replace("-", "")
    for _ in range(400):
        new = list(text)
        for i in rng.choice(len(text), size=min(len(text), int(rng.integers(1, 3))), replace=False):
            chars = [c for c in allowed if c.isdigit() == text[i].isdigit()] or list(allowed)
            new[i] = chars[int(rng.integers(0, len(chars)))]
        candidate = "".join(new)
        if candidate == text or " " in candidate or not ok(candidate):
            continue
        try:
            Certificate.model_validate({spec.name: from_form(spec, candidate)})
        except (InputError, ValidationError):  # a candidate the record cannot hold is simply skipped
            continue
        return candidate
    return None


def _new_option(spec: FieldSpec, old: Any, rng: np.random.Generator) -> tuple[bool, Any]:
    others = [o.value for o in spec.options if not (type(o.value) is type(old) and o.value == old)]
    if not others:  # a lone checkbox: the correction takes the mark away
        return True, None
    return True, others[int(rng.integers(0, len(others)))]


def plan_corrections(template: Template, record: Certificate, names: list[str], rng: np.random.Generator,
                     styles: tuple[str, ...] = STYLES, values: dict[str, Any] | None = None) -> list[Correction]:
    """What to correct: a new form value for every named field (given in `values`, else invented),
    in one of `styles` (`cells` and `overwrite` only where the lengths match, `cells` only where there
    is room above or below)."""
    on = record.issueDate or date.today()
    out = []
    for name in names:
        spec = template.field(name)
        old = to_form(record, spec)
        if spec.kind in ("checkbox", "choice"):
            new = values[name] if values and name in values else _new_option(spec, old, rng)[1]
            out.append(Correction(name, "checkbox", old, new))
            continue
        if spec.kind == "text":
            new = values[name] if values and name in values else _other_text(template, spec, str(old), rng)
            if new is not None:
                out.append(Correction(name, "text", old, new))
            continue
        new = values[name] if values and name in values else _mutate(spec, str(old), rng, on)
        if new is None:
            continue
        zones = beside_zones(template, name)
        vertical = [z for z in zones if z.side in ("above", "below")]
        style = styles[int(rng.integers(0, len(styles)))]
        if style in ("cells", "overwrite") and len(str(new)) != len(str(old)) or style == "cells" and not vertical:
            style = "strike"
        out.append(Correction(name, style, old, new))
    return out


def corrected_record(template: Template, record: Certificate, corrections: list[Correction]) -> Certificate:
    """The record with the corrected values (through formproc.fieldvalues)."""
    update = {c.field: from_form(template.field(c.field), c.new) for c in corrections}
    return record.model_copy(update=update)


# -- drawing ---------------------------------------------------------------------------------

def _line(mask: np.ndarray, pts: list[tuple[float, float]], px: float, width_mm: float) -> None:
    p = np.int32([[int(round(x * px)), int(round(y * px))] for x, y in pts])
    cv2.polylines(mask, [p], False, 1.0, max(1, int(round(width_mm * px))), cv2.LINE_AA)


def _glyph(mask: np.ndarray, ch: str, cx: float, cy: float, height: float, font: str, px: float,
           rng: np.random.Generator, max_w: float) -> None:
    g = fonts.distort_glyph(fonts.glyph_mask(ch, font, 64), rng, angle=5.0, shear=0.12, stroke=1)
    gh = max(4, int(height * px))
    gw = max(2, min(int(g.shape[1] * gh / g.shape[0]), int(max_w * px)))
    g = cv2.resize(g, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    x0, y0 = int(cx * px - gw / 2), int(cy * px - gh / 2)
    region = mask[max(0, y0):y0 + gh, max(0, x0):x0 + gw]
    np.maximum(region, g[:region.shape[0], :region.shape[1]], out=region)


def _write(mask: np.ndarray, text: str, rect: Rect, pitch: float, font: str, px: float,
           rng: np.random.Generator) -> list[float]:
    """Hand-print `text` left-aligned in `rect`, one character every `pitch` mm; returns its extent."""
    pitch = min(pitch, rect.w / max(1, len(text)))
    height = rect.h * float(rng.uniform(0.62, 0.8))
    x = rect.x + float(rng.uniform(0.2, 0.8))
    cy = rect.y + rect.h / 2 + float(rng.normal(0, 0.15))
    for ch in text:
        _glyph(mask, ch, x + pitch / 2 + float(rng.normal(0, 0.12)), cy, height, font, px, rng, pitch * 0.85)
        x += pitch
    return [round(rect.x, 2), round(rect.y, 2), round(x - rect.x + 0.3, 2), round(rect.h, 2)]


def _strike(mask: np.ndarray, x0: float, x1: float, y: float, px: float, rng: np.random.Generator) -> None:
    j = lambda s: float(rng.normal(0, s))  # noqa: E731
    _line(mask, [(x0 + j(0.2), y + j(0.3)), (x1 + j(0.2), y + j(0.3))], px, float(rng.uniform(0.35, 0.5)))


def _scribble(mask: np.ndarray, box: Rect, px: float, rng: np.random.Generator) -> None:
    """A box filled with a zig-zag: the doctor's way of cancelling a mark."""
    pts = []
    steps = int(rng.integers(12, 16))
    for k in range(steps + 1):
        y = box.y + 0.4 + (box.h - 0.8) * k / steps
        pts.append((box.x + (0.3 if k % 2 else box.w - 0.3) + float(rng.normal(0, 0.15)), y))
    _line(mask, pts, px, 0.6)


def _cross(mask: np.ndarray, box: Rect, px: float, rng: np.random.Generator) -> None:
    j = lambda: float(rng.normal(0, 0.25))  # noqa: E731
    _line(mask, [(box.x + 0.8 + j(), box.y + 0.8 + j()), (box.x2 - 0.8 + j(), box.y2 - 0.8 + j())], px, 0.4)
    _line(mask, [(box.x + 0.8 + j(), box.y2 - 0.8 + j()), (box.x2 - 0.8 + j(), box.y + 0.8 + j())], px, 0.4)


def _free_zones(zones: list[Zone], taken: list[Rect]) -> list[Zone]:
    """The places no other correction of the page has written in."""
    return [z for z in zones if not any(z.rect.overlaps(t) for t in taken)]


def _hand_line(text: str, rect: Rect, font: str, px: float,
               rng: np.random.Generator) -> tuple[np.ndarray, float] | None:
    """A line of text hand-written in `rect` (the font's own spacing, a slight slant, as large as
    the place allows): its ink (0-1) and its left edge (mm); None when the place is too small for
    it to be written legibly (capitals under MIN_HAND_CAP mm)."""
    cap = int(rect.h * px * float(rng.uniform(0.5, 0.62)))
    line = fonts.text_mask(text, font, max(6, cap))
    pad = line.shape[0]
    line = cv2.copyMakeBorder(line, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    turn = cv2.getRotationMatrix2D((line.shape[1] / 2, line.shape[0] / 2), float(rng.uniform(-TEXT_SLANT, TEXT_SLANT)),
                                   1.0)
    line = cv2.warpAffine(line, turn, (line.shape[1], line.shape[0]), flags=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(line > 40)
    line = line[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255
    x0 = rect.x + float(rng.uniform(0.3, 1.0))
    fit = min(1.0, (rect.x2 - x0 - 0.3) * px / line.shape[1], rect.h * 0.9 * px / line.shape[0])
    if max(6, cap) * fit < MIN_HAND_CAP * px:
        return None
    line = cv2.resize(line, (max(1, int(line.shape[1] * fit)), max(1, int(line.shape[0] * fit))),
                      interpolation=cv2.INTER_AREA)
    return line, x0


def _put_line(mask: np.ndarray, line: np.ndarray, x0: float, rect: Rect, px: float) -> list[float]:
    """A hand-written line's ink added to `mask` from `x0`, centred on `rect`'s height; its extent (mm)."""
    left, top = int(x0 * px), int((rect.y + rect.h / 2) * px - line.shape[0] / 2)
    region = mask[top:top + line.shape[0], left:left + line.shape[1]]
    np.maximum(region, line[:region.shape[0], :region.shape[1]], out=region)
    return [round(x0, 2), round(top / px, 2), round(line.shape[1] / px, 2), round(line.shape[0] / px, 2)]


def _strike_text(mask: np.ndarray, printed: np.ndarray, spec: FieldSpec, px: float, rng: np.random.Generator) -> bool:
    """A line through the printed words of a text field (found in the print's own ink, inside the
    field's rectangle), from a little before the first to a little after the last."""
    rows = slice(int(spec.y * px), int(spec.y2 * px))
    cols = slice(int(spec.x * px), int(spec.x2 * px))
    ys, xs = np.nonzero(printed[rows, cols] > 0.3)
    if len(xs) == 0:
        return False
    x0, x1 = (cols.start + xs.min()) / px, (cols.start + xs.max()) / px
    # through the middle of the lower-case letters: between the baseline and the x-height
    y = (rows.start + (float(np.percentile(ys, 20)) + float(np.percentile(ys, 90))) / 2) / px
    _strike(mask, x0 - float(rng.uniform(0.5, 2.0)), x1 + float(rng.uniform(0.5, 2.0)), y, px, rng)
    return True


def draw_correction(mask: np.ndarray, template: Template, c: Correction, font: str, px: float,
                    rng: np.random.Generator, printed: np.ndarray | None = None,
                    taken: list[Rect] | None = None) -> bool:
    """The hand ink of one correction (strike/scribble and the new value) added to `mask`;
    `printed` (the print's ink at the same scale) places the line through a text field's words.
    A doctor does not write one correction over another (`taken`: where the page's other corrections
    wrote): a text goes to the first place free of them that holds it legibly, a boxed value to its
    usual place if that is free. False (nothing drawn) when there is no such place."""
    spec = template.field(c.field)
    zones = beside_zones(template, c.field)
    if c.style == "text":
        for zone in _free_zones(zones, taken or []):
            line = _hand_line(str(c.new), zone.rect, font, px, rng)
            if line is not None:
                break
        else:
            return False
        if printed is None or not _strike_text(mask, printed, spec, px, rng):
            raise InputError(f"{c.field}: no printed text to strike")
        c.where = _put_line(mask, *line, zone.rect, px)
        return True
    if c.style == "checkbox":
        old = spec.option_for(c.old) if c.old is not None else None
        if old is not None:
            _scribble(mask, old, px, rng)
        new = next((o for o in spec.options if type(o.value) is type(c.new) and o.value == c.new), None)
        if new is not None:
            _cross(mask, new, px, rng)
            c.where = [new.x, new.y, new.w, new.h]
        return True
    cells = spec.cell_rects()
    old, new = str(c.old), str(c.new)
    start_old = {"right": len(cells) - len(old), "center": (len(cells) - len(old)) // 2}.get(spec.align, 0)
    y = spec.y + spec.h * float(rng.uniform(0.42, 0.58))
    if c.style == "overwrite":
        changed = [(cells[start_old + i], b) for i, (a, b) in enumerate(zip(old, new)) if a != b]
        for cell, ch in changed:
            _glyph(mask, ch, cell.x + cell.w / 2 + float(rng.normal(0, 0.15)), cell.y + cell.h / 2
                   + float(rng.normal(0, 0.15)), cell.h * float(rng.uniform(0.7, 0.88)), font, px, rng, cell.w * 0.85)
        first, last = changed[0][0], changed[-1][0]
        c.where = [first.x, first.y, round(last.x2 - first.x, 2), first.h]
        return True
    if c.style == "cells":
        zone = next(z for z in zones if z.side in ("above", "below"))
        if _free_zones([zone], taken or []) != [zone]:
            return False
        x0, y0, x1, y1 = 1e9, 1e9, 0.0, 0.0
        for i, (a, b) in enumerate(zip(old, new)):
            if a == b:
                continue
            cell = cells[start_old + i]
            _strike(mask, cell.x - 0.6, cell.x2 + 0.6, y, px, rng)
            area = cell_zone(spec, zone, start_old + i)
            height = area.h * float(rng.uniform(0.65, 0.82))
            _glyph(mask, b, area.x + area.w / 2 + float(rng.normal(0, 0.2)), area.y + area.h / 2, height, font, px,
                   rng, area.w * 0.8)
            x0, y0, x1, y1 = min(x0, area.x), min(y0, area.y), max(x1, area.x2), max(y1, area.y2)
        c.where = [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)]
        return True
    if _free_zones(zones[:1], taken or []) != zones[:1]:
        return False
    first, last = cells[start_old], cells[start_old + len(old) - 1]
    _strike(mask, first.x - float(rng.uniform(0.5, 2.0)), last.x2 + float(rng.uniform(0.5, 2.0)), y, px, rng)
    c.where = _write(mask, new, zones[0].rect, spec.cell_width * float(rng.uniform(0.7, 0.95)), font, px, rng)
    return True


def _paraph_spot(template: Template, c: Correction, taken: list[Rect], size: tuple[float, float]) -> Rect | None:
    """A free place of `size` mm near a correction: no field, no new writing, no other paraph under it."""
    spec = template.field(c.field)
    blocks = obstacles(template, c.field) + [Rect(x=spec.x, y=spec.y, w=spec.w, h=spec.h)] + taken
    page = Rect(x=0, y=0, w=template.page[0], h=template.page[1])
    w, h = size
    cx, cy = spec.x + spec.w / 2, spec.y + spec.h / 2
    for r in np.arange(2.0, 24.0, 1.0):
        for a in np.linspace(0, 2 * np.pi, 24, endpoint=False):
            rect = Rect(x=cx + r * np.cos(a) - w / 2, y=cy + r * np.sin(a) - h / 2, w=w, h=h)
            if page.contains(rect) and not any(rect.overlaps(b) for b in blocks):
                return rect
    return None


def _signature(mask: np.ndarray, spot: Rect, px: float, rng: np.random.Generator) -> None:
    t = np.linspace(0, 1, 40)
    xs = spot.x + 0.5 + t * (spot.w - 1)
    ys = spot.y + spot.h / 2 + (spot.h * 0.35) * np.sin(t * float(rng.uniform(10, 16)) + float(rng.uniform(0, 3)))
    _line(mask, list(zip(xs.tolist(), ys.tolist())), px, 0.35)


def _paraph_stamp(mask: np.ndarray, spot: Rect, px: float, rng: np.random.Generator) -> None:
    """The doctor's rectangular paraph: a frame with the name and the paraph code."""
    x0, y0, x1, y1 = (int(v * px) for v in (spot.x + 0.3, spot.y + 0.3, spot.x2 - 0.3, spot.y2 - 0.3))
    cv2.rectangle(mask, (x0, y0), (x1, y1), 255, max(1, int(0.3 * px)), cv2.LINE_AA)
    scale = (spot.h * px) / 80
    lines = ("Dr. " + "".join(chr(65 + int(rng.integers(0, 26))) for _ in range(6)),
             f"cod {int(rng.integers(100000, 999999))}")
    for k, text in enumerate(lines):
        cv2.putText(mask, text, (x0 + int(1.0 * px), y0 + int((k + 1) * (y1 - y0) / 2.6)), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, 255, max(1, int(0.2 * px)), cv2.LINE_AA)


def hand_annul(mask: np.ndarray, template: Template, font: str, px: float, rng: np.random.Generator) -> None:
    """ANULAT written by hand across the page, in the place and at the slant (give or take a few
    degrees) of the template's mark: the mark's text in the hand font, each letter distorted, as
    large as the place allows; the font's strokes, thick at that size, thinned to their middle."""
    mark = template.marks["annulled"]
    height = int(mark.h * px * ANNUL_HEIGHT)
    letters = [fonts.distort_glyph(fonts.glyph_mask(ch, font, height), rng, angle=4.0, shear=0.1) for ch in mark.text]
    space = int(0.15 * height)
    word = np.zeros((max(g.shape[0] for g in letters) + 2 * height,
                     sum(g.shape[1] + space for g in letters) + 2 * height), np.uint8)
    x = height
    for g in letters:
        y = (word.shape[0] - g.shape[0]) // 2 + int(rng.normal(0, 0.04 * height))
        np.maximum(word[y:y + g.shape[0], x:x + g.shape[1]], g, out=word[y:y + g.shape[0], x:x + g.shape[1]])
        x += g.shape[1] + space
    depth = cv2.distanceTransform((word > 40).astype(np.uint8), cv2.DIST_L2, 3)
    ridge = float(np.percentile(depth[depth > 0], 95))
    word = np.where(depth >= 0.5 * ridge, 255, 0).astype(np.uint8)
    centre = (word.shape[1] / 2, word.shape[0] / 2)
    angle = float(mark.angle) + float(rng.uniform(-5, 5))
    turned = cv2.warpAffine(word, cv2.getRotationMatrix2D(centre, angle, 1.0), (word.shape[1], word.shape[0]))
    ys, xs = np.nonzero(turned > 40)
    turned = turned[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255
    fit = min(1.0, mark.w * px / turned.shape[1], mark.h * px / turned.shape[0])
    turned = cv2.resize(turned, (max(1, int(turned.shape[1] * fit)), max(1, int(turned.shape[0] * fit))),
                        interpolation=cv2.INTER_AREA)
    x0 = max(0, int((mark.x + mark.w / 2) * px - turned.shape[1] / 2))
    y0 = max(0, int((mark.y + mark.h / 2) * px - turned.shape[0] / 2))
    region = mask[y0:y0 + turned.shape[0], x0:x0 + turned.shape[1]]
    np.maximum(region, turned[:region.shape[0], :region.shape[1]], out=region)


def make_corrected(rng: np.random.Generator, template: Template, record: Certificate | None = None,
                   fields: list[str] | None = None, values: dict[str, Any] | None = None, count: int | None = None,
                   paraph: bool | None = None, styles: tuple[str, ...] = STYLES, px_per_mm: float | None = None,
                   distort: bool = True, copy: str | None = None, annul: bool = False,
                   text: bool = True, font: str | None = None) -> CorrectedSample:
    """A printed certificate corrected by hand: `fields` (else 1-3 random correctable ones) get
    `values` (form texts/option values; else invented), each signed and stamped beside (where the
    form leaves room) unless `paraph` is False; `copy` white/pink/green, else drawn at random.
    `annul`: the filled-in sheet is annulled by hand instead, ANULAT written across it (no
    corrections; the corrected record is the record with status annulled). `text`: free-text lines
    are among the random fields corrected. `font`: the hand's font file, else one drawn at random."""
    from formproc.render.blank import render_blank
    from formproc.render.printing import render_records
    from formproc.sample import CARBON, PAPER, _distort, _pick, _rasterise, random_record

    if record is None:  # a random record whose series the blank can hold (some do not fit the box)
        for _ in range(20):
            record = random_record(rng, template)
            try:
                render_blank(template, record)
                break
            except InputError:
                continue
    if annul:
        if "annulled" not in template.marks:
            raise InputError(f"status: template {template.name} has no place for ANULAT")
        fields = []
    if fields is None:
        pool = correctable(template, record, text)
        fields = [str(n) for n in rng.choice(pool, size=min(len(pool), count or int(rng.integers(1, 4))), replace=False)]
    corrections = plan_corrections(template, record, fields, rng, styles, values)
    px = px_per_mm or float(_pick(rng, (200, 200, 300))) / 25.4
    copy = copy or _pick(rng, ("white", "white", "pink", "green"))
    font = font or _pick(rng, fonts.available(fonts.HAND_FONTS))
    signed = bool(rng.random() < 0.8) if paraph is None else paraph
    meta: dict[str, Any] = {"copy": copy, "font": Path(font).name, "dpi": round(px * 25.4), "signed": signed}

    blank = _rasterise(render_blank(template, record), px, template).astype(np.float32) / 255
    printed = 1.0 - _rasterise(render_records([record], template), px, template)[:, :, 0].astype(np.float32) / 255
    hand = np.zeros(blank.shape[:2], np.float32)
    written: list[Rect] = []
    drawn = []
    for c in corrections:
        if draw_correction(hand, template, c, font, px, rng, printed, written):
            drawn.append(c)
            if c.where:
                written.append(Rect(x=c.where[0], y=c.where[1], w=c.where[2], h=c.where[3]))
    corrections = drawn
    if annul:
        hand_annul(hand, template, font, px, rng)
        meta["annulled"] = "hand"
    stamps = np.zeros(blank.shape[:2], np.uint8)
    taken = [Rect(x=c.where[0], y=c.where[1], w=c.where[2], h=c.where[3]) for c in corrections if c.where]
    for c in corrections:
        if not signed:
            break
        stamp = _paraph_spot(template, c, taken, (22.0, 9.0))
        spot = stamp or _paraph_spot(template, c, taken, (12.0, 4.0))
        if stamp is not None:
            _paraph_stamp(stamps, stamp, px, rng)
        if spot is not None:
            _signature(hand, spot, px, rng)
            taken.append(spot)
            c.paraph = True

    paper = np.float32(PAPER[copy]) / 255
    page = blank * paper
    carbon = copy != "white"
    strength = float(rng.uniform(0.5, 0.75)) if carbon else 1.0
    if carbon:  # the print came through the carbon; the corrections are made on each copy by hand
        printed = cv2.GaussianBlur(printed, (0, 0), 0.8)
    a = (printed * strength)[..., None]
    page = page * (1 - a) + (np.float32(CARBON if carbon else (25, 25, 30)) / 255) * a * paper
    a = hand[..., None]  # ballpoint over print lets the print show through: the pen's colour filters it
    page = page * (1 - a + (np.float32(BALLPOINT) / 255) * a)
    a = (stamps.astype(np.float32) / 255 * float(rng.uniform(0.3, 0.45)))[..., None]
    page = page * (1 - a) + (np.float32(STAMP_BLUE) / 255) * a * page
    img = np.clip(page * 255, 0, 255).astype(np.uint8)
    if distort:
        img = _distort(img, rng, meta, None)
    corrected = corrected_record(template, record, corrections)
    if annul:
        corrected = corrected.model_copy(update={"status": "annulled"})
    return CorrectedSample(img, record, corrected, corrections, meta)


def write_corrected(template_name: str, count: int, seed: int, out_dir: str | Path,
                    annul: bool = False) -> list[dict[str, Any]]:
    """Write `count` corrected copies (`annul`: sheets annulled by hand) and their truth
    (NNNN.png + NNNN.json, truth.jsonl) to `out_dir`."""
    template = load_template(template_name)
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = []
    for i in range(count):
        s = make_corrected(rng, template, annul=annul)
        name = f"{i + 1:04d}.png"
        ok, data = cv2.imencode(".png", cv2.cvtColor(s.image, cv2.COLOR_RGB2BGR))
        write_atomic(out / name, data.tobytes())
        entry = {"image": name, "template": template.name, "original": s.original.to_json_dict(),
                 "record": s.corrected.to_json_dict(), "corrections": [c.to_dict() for c in s.corrections],
                 **s.meta}
        write_atomic(out / f"{i + 1:04d}.json", json.dumps(entry, ensure_ascii=False, indent=1) + "\n")
        truth.append(entry)
    write_atomic(out / "truth.jsonl", "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truth))
    return truth
