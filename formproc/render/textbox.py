"""Free text in a box: word wrap, the fit check that refuses overflowing values, drawing."""

from __future__ import annotations

from formproc.errors import InputError
from formproc.layout import FieldSpec, Rect
from formproc.render.pen import PT, Pen, cap_height, text_width_mm

PAD = 0.4  # mm kept free inside a text box


def wrap(text: str, font_name: str, size: float, width: float) -> list[str]:
    """Greedy word wrap to `width` mm; a single word wider than the line stays alone (and fails the fit)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if current and text_width_mm(trial, font_name, size) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


def fit_lines(area: Rect, name: str, text: str, font_name: str, size: float, max_lines: int) -> list[str]:
    """The text wrapped to the area's width; InputError naming the field when it does not fit."""
    width = area.w - 2 * PAD
    lines = wrap(text, font_name, size, width)
    if len(lines) > max_lines or any(text_width_mm(ln, font_name, size) > width for ln in lines):
        raise InputError(f"{name}: '{text}' does not fit its box ({max_lines} line(s) of {area.w:g} mm "
                         f"at {size:g} pt); shorten it")
    return lines


def draw_text_field(pen: Pen, field: FieldSpec, text: str, font_name: str) -> None:
    """Text in a `text` field's box, wrapped to its lines, each line centred vertically in its slot."""
    size = field.size or 9
    lines = fit_lines(field, field.name, text, font_name, size, field.lines)
    draw_lines(pen, field, lines, font_name, size, field.lines, field.align)


def draw_lines(pen: Pen, area: Rect, lines: list[str], font_name: str, size: float, slots: int,
               align: str) -> None:
    """Lines of text, each centred vertically in one of `slots` equal slots of the area."""
    slot = area.h / slots
    cap = cap_height(font_name) * size * PT
    for i, line in enumerate(lines):
        base = area.y + slot * i + (slot + cap) / 2
        if align == "right":
            pen.text(area.x2 - PAD, base, line, font_name, size, "right")
        elif align == "center":
            pen.text(area.x + area.w / 2, base, line, font_name, size, "center")
        else:
            pen.text(area.x + PAD, base, line, font_name, size)
