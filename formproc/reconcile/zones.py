"""Where a hand correction goes on a form, worked out from the template alone.

A doctor who strikes a boxed value (or the words on a free-text line) writes the right one beside
it: above, below or to its right, wherever the form leaves room. `beside_zones` finds those places for a field:
rectangles next to its boxes, inside the form's frame, that touch no other field (nor its options,
spelled-out words or the DUPLICAT box), ranked by how little preprinted ink of the blank lies under
them; a new text goes beside a printed label or heading rather than over it, where that leaves
room for it. Sample generation writes corrections there and the detector looks there, so neither
holds a coordinate of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formproc.layout import FieldSpec, Rect, Template

GAP = 0.4  # mm between a field's boxes and the writing beside them
MIN_HEIGHT = 3.0  # mm: lower than this, a hand-written line does not fit above or below
MAX_HEIGHT = 5.0  # mm: the height a correction is written at
MIN_WIDTH_SHARE = 0.6  # a zone to the right must be at least this share of the field's width
MIN_TEXT_WIDTH = 40.0  # mm: room enough beside a label to write a name or an address in
LABEL_HEIGHT = 1.2  # mm: printed lettering is at least this tall (a dotted rule is not)
LABEL_GAP = 2.0  # mm: letters closer than this belong to one label
LABEL_OVERLAP = 0.3  # a label in a band covers at least this share of its height
PRINT_LEVEL = 170  # grey level (0-255) under which the reference blank has print


@dataclass(frozen=True)
class Zone:
    """A free place beside a field: which side, where (mm), and the preprinted ink under it (0-1)."""

    side: str  # "above" | "below" | "right"
    rect: Rect
    printed: float


def obstacles(template: Template, name: str) -> list[Rect]:
    """The areas a correction of `name` must not cover: every other field, spelled-out words, marks."""
    out: list[Rect] = []
    for f in template.fields:
        if f.name == name:
            continue
        out.append(Rect(x=f.x, y=f.y, w=f.w, h=f.h))
        if f.spelled:
            out.append(Rect(x=f.spelled.x, y=f.spelled.y, w=f.spelled.w, h=f.spelled.h))
    spelled = template.field(name).spelled
    if spelled:
        out.append(Rect(x=spelled.x, y=spelled.y, w=spelled.w, h=spelled.h))
    for key, mark in template.marks.items():
        if key != "annulled":
            out.append(Rect(x=mark.x, y=mark.y, w=mark.w, h=mark.h))
    return out


def free_text(spec: FieldSpec) -> bool:
    """Whether a field is free text written on a dotted line (not an amount, a number or a code of
    a catalog, which have their own grammar)."""
    from formproc.scan.text import CAS_FIELDS, DIGIT_FIELDS

    return spec.kind == "text" and not spec.preprinted and spec.format is None \
        and spec.name not in CAS_FIELDS + DIGIT_FIELDS


def _free(rect: Rect, blocks: list[Rect], page: Rect) -> bool:
    return page.contains(rect) and not any(rect.overlaps(b) for b in blocks)


def _vertical(field: FieldSpec, blocks: list[Rect], page: Rect, above: bool) -> Rect | None:
    """The tallest free band (up to MAX_HEIGHT) right above or below the field, its full width."""
    height = MAX_HEIGHT
    while height >= MIN_HEIGHT:
        y = field.y - GAP - height if above else field.y2 + GAP
        rect = Rect(x=field.x, y=y, w=field.w, h=height)
        if _free(rect, blocks, page):
            return rect
        height -= 0.25
    return None


def _right(field: FieldSpec, blocks: list[Rect], page: Rect) -> Rect | None:
    """The widest free band (up to the field's own width) right of the field, its full height."""
    width = field.w
    while width >= field.w * MIN_WIDTH_SHARE:
        rect = Rect(x=field.x2 + GAP + 0.6, y=field.y, w=width, h=field.h)
        if _free(rect, blocks, page):
            return rect
        width -= 0.5
    return None


def label_columns(template: Template, rect: Rect) -> np.ndarray:
    """Which columns (at the reference's scale) of a rectangle the blank's printed lettering
    crosses: labels and headings, their words joined, the form's rules and frame lines left out."""
    from formproc.scan.register import PX_PER_MM, reference_for

    reach = 3.0  # mm above and below, so that a label's whole height is seen
    rows, cols = to_px(Rect(x=rect.x, y=rect.y - reach, w=rect.w, h=rect.h + 2 * reach), PX_PER_MM)
    dark = (reference_for(template).gray[rows, cols] < PRINT_LEVEL).astype(np.uint8)
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, int(8 * PX_PER_MM)), np.uint8)) \
        | cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((int(4 * PX_PER_MM), 1), np.uint8))
    letters = cv2.dilate(dark & (1 - lines), np.ones((1, int(LABEL_GAP * PX_PER_MM)), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(letters, connectivity=8)
    top, bottom = int(round(rect.y * PX_PER_MM)) - rows.start, int(round(rect.y2 * PX_PER_MM)) - rows.start
    out = np.zeros(dark.shape[1], bool)
    for x, y, w, h, _ in stats[1:]:
        if h >= LABEL_HEIGHT * PX_PER_MM and min(y + h, bottom) - max(y, top) >= LABEL_OVERLAP * (bottom - top):
            out[x:x + w] = True
    return out


def _clear_of_labels(template: Template, rect: Rect) -> Rect:
    """The widest part of a band beside a free-text field that no printed label crosses, when it
    is MIN_TEXT_WIDTH mm wide or more (a doctor writes a name beside a heading, not over it);
    else the whole band."""
    from formproc.scan.register import PX_PER_MM

    blocked = label_columns(template, rect)
    edges = np.flatnonzero(np.diff(np.concatenate([[1], blocked.astype(np.int8), [1]])))
    runs = list(zip(edges[::2], edges[1::2]))  # [start, end) of each free run
    if not blocked.any() or not runs:
        return rect
    start, end = max(runs, key=lambda r: r[1] - r[0])
    x0 = rect.x + start / PX_PER_MM + (GAP if start else 0.0)
    x1 = rect.x + end / PX_PER_MM - (GAP if end < len(blocked) else 0.0)
    return Rect(x=x0, y=rect.y, w=x1 - x0, h=rect.h) if x1 - x0 >= MIN_TEXT_WIDTH else rect


def printed_share(template: Template, rect: Rect) -> float:
    """The share of a rectangle covered by the blank's preprinted marks."""
    from formproc.scan.register import PX_PER_MM, reference_for

    gray = reference_for(template).gray
    x0, y0 = int(rect.x * PX_PER_MM), int(rect.y * PX_PER_MM)
    x1, y1 = int(rect.x2 * PX_PER_MM), int(rect.y2 * PX_PER_MM)
    crop = gray[max(0, y0):y1, max(0, x0):x1]
    return float((crop < PRINT_LEVEL).mean()) if crop.size else 1.0


def beside_zones(template: Template, name: str) -> list[Zone]:
    """The free places beside a boxed or free-text field, best (least preprinted ink) first."""
    key = (template.name, template.source, name)
    if key not in _CACHE:
        _CACHE[key] = _zones(template, name)
    return list(_CACHE[key])


_CACHE: dict[tuple[str, str, str], tuple[Zone, ...]] = {}


def writing_area(template: Template) -> Rect:
    """Where a doctor writes on the form: inside its outer frame (the blank's largest drawn
    rectangle, its line's width kept clear), else the whole page."""
    if not template.drawing.rects:
        return Rect(x=0, y=0, w=template.page[0], h=template.page[1])
    frame = max(template.drawing.rects, key=lambda r: r.w * r.h)
    return Rect(x=frame.x + frame.width, y=frame.y + frame.width, w=frame.w - 2 * frame.width,
                h=frame.h - 2 * frame.width)


def _zones(template: Template, name: str) -> tuple[Zone, ...]:
    field = template.field(name)
    blocks = obstacles(template, name)
    page = writing_area(template)
    found = [("above", _vertical(field, blocks, page, True)), ("below", _vertical(field, blocks, page, False)),
             ("right", _right(field, blocks, page))]
    if free_text(field):
        found = [(side, _clear_of_labels(template, rect) if rect is not None and side != "right" else rect)
                 for side, rect in found]
    zones = [Zone(side, rect, round(printed_share(template, rect), 4)) for side, rect in found if rect is not None]
    # a band that must squeeze between printed labels reads worse than a slightly lower free one
    return tuple(sorted(zones, key=lambda z: (z.printed - 0.02 * z.rect.h, z.side)))


def cell_zone(field: FieldSpec, zone: Zone, index: int) -> Rect:
    """The part of an above/below zone over one cell of a boxed field."""
    cw = field.cell_width
    return Rect(x=field.x + index * cw, y=zone.rect.y, w=cw, h=zone.rect.h)


def neighbourhood(template: Template, field: Rect, margin: float) -> Rect:
    """The field's rectangle grown by `margin` mm on every side, clipped to the page."""
    x0, y0 = max(0.0, field.x - margin), max(0.0, field.y - margin)
    x1 = min(template.page[0], field.x + field.w + margin)
    y1 = min(template.page[1], field.y + field.h + margin)
    return Rect(x=x0, y=y0, w=x1 - x0, h=y1 - y0)


def to_px(rect: Rect, px_per_mm: float) -> tuple[slice, slice]:
    """Row and column slices of a rectangle on an image at `px_per_mm`."""
    return (slice(max(0, int(round(rect.y * px_per_mm))), max(0, int(round(rect.y2 * px_per_mm)))),
            slice(max(0, int(round(rect.x * px_per_mm))), max(0, int(round(rect.x2 * px_per_mm)))))


def inside_fields(template: Template, shape: tuple[int, int], px_per_mm: float, pad: float = 0.3) -> np.ndarray:
    """A mask of every field's box and spelled-out words (grown by `pad` mm) on a canonical page:
    where the print puts data."""
    mask = np.zeros(shape, bool)
    for f in template.fields:
        for r in (f, f.spelled) if f.spelled else (f,):
            rows, cols = to_px(Rect(x=r.x - pad, y=r.y - pad, w=r.w + 2 * pad, h=r.h + 2 * pad), px_per_mm)
            mask[rows, cols] = True
    return mask
