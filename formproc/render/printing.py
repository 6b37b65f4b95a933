"""Printing certificates onto the preprinted sheets: one A4 page per record, 1:1, fonts embedded.

Only the data is printed (the sheet carries the form); `background=True` draws the blank under it
for a preview. Boxed values get one character per cell, centred; checkboxes an X; the "Ambulator" /
"internat" words are struck through (Art. 11 pt. 12). A value that does not fit its box is
refused before anything is printed, naming the field. An annulled record prints ANULAT alone; a
duplicate prints DUPLICAT with the original's series/number and the date of the change.
A printer profile (formproc.render.profile) moves the ink, never the background.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator, Sequence

from reportlab.lib.units import mm

from formproc.errors import InputError
from formproc.fieldvalues import spelled, to_form
from formproc.layout import FieldSpec, Rect, Template
from formproc.model import Certificate
from formproc.render.blank import begin_page
from formproc.render.pen import PT, Pen, cap_height, font, text_width_mm
from formproc.render.profile import PrinterProfile, printer_transform
from formproc.render.textbox import draw_lines, draw_text_field, fit_lines

DATA_INK = "#000000"
X_INSET = 0.9  # mm between a checkbox's edge and its X


def box_font_size(field: FieldSpec) -> float:
    """Font size (pt) of one character in a cell of a boxes field."""
    if field.size:
        return field.size
    return min(field.h * 0.72, field.cell_width * 0.78) / PT


def _draw_boxes(pen: Pen, field: FieldSpec, text: str, font_name: str) -> None:
    size = box_font_size(field)
    cells = field.cell_rects()
    start = {"right": len(cells) - len(text), "center": (len(cells) - len(text)) // 2}.get(field.align, 0)
    cap = cap_height(font_name) * size * PT
    for cell, char in zip(cells[start:], text):
        if char != " ":
            pen.text(cell.x + cell.w / 2, cell.y + (cell.h + cap) / 2, char, font_name, size, "center")


def _draw_option(pen: Pen, field: FieldSpec, value: object, font_name: str) -> None:
    opt = next(o for o in field.options if type(o.value) is type(value) and o.value == value)
    if field.mark == "strike":
        size = field.size or 7
        y = opt.y + opt.h / 2 + cap_height(font_name) * size * PT * 0.15
        pen.line(opt.x, y, opt.x2, y, 0.6)
        return
    inset = min(X_INSET, opt.w / 4, opt.h / 4)
    pen.line(opt.x + inset, opt.y + inset, opt.x2 - inset, opt.y2 - inset, 0.45)
    pen.line(opt.x + inset, opt.y2 - inset, opt.x2 - inset, opt.y + inset, 0.45)


@contextmanager
def _nudged(pen: Pen, profile: PrinterProfile | None, name: str) -> Iterator[None]:
    nudge = profile.nudges.get(name) if profile else None
    if nudge is None:
        yield
        return
    pen.canvas.saveState()
    pen.canvas.translate(nudge.x * mm, -nudge.y * mm)
    try:
        yield
    finally:
        pen.canvas.restoreState()


def _fit_mark_size(text: str, font_name: str, area: Rect, angle: float) -> float:
    t = math.radians(angle)
    width, cap = text_width_mm(text, font_name, 10), cap_height(font_name) * 10 * PT * 1.5
    box_w = width * abs(math.cos(t)) + cap * abs(math.sin(t))
    box_h = width * abs(math.sin(t)) + cap * abs(math.cos(t))
    return 10 * 0.9 * min(area.w / box_w, area.h / box_h)


def _duplicate_lines(record: Certificate) -> list[str]:
    if not (record.duplSerialCode and record.duplSerialNo):
        raise InputError("duplSerialNo: a duplicate needs the series and number of the original "
                         "(duplSerialCode, duplSerialNo)")
    if record.issueDate is None:
        raise InputError("issueDate: a duplicate needs the date of the change (Art. 10)")
    return ["DUPLICAT", f"al CCM seria {record.duplSerialCode} nr. {record.duplSerialNo}",
            f"modificat la {record.issueDate:%d.%m.%Y}"]


def plan(record: Certificate, template: Template) -> list[tuple[FieldSpec, object, str | None]]:
    """What each field prints for a record, checked to fit: (field, form value, spelled words)."""
    regular = font(template.drawing.font)
    out = []
    for field in template.fields:
        if field.preprinted:
            continue
        value = to_form(record, field)
        if value is None:
            continue
        if field.kind == "text":
            fit_lines(field, field.name, str(value), regular, field.size or 9, field.lines)
        words = spelled(record, field)
        if words and field.spelled:
            fit_lines(field.spelled, field.name, words, regular, field.spelled.size, 1)
        out.append((field, value, words))
    return out


def check_record(record: Certificate, template: Template) -> None:
    """Refuse (InputError naming the field) a record that cannot be printed on this template."""
    if record.status == "annulled":
        if "annulled" not in template.marks:
            raise InputError(f"status: template {template.name} has no place for ANULAT")
        return
    plan(record, template)
    if record.duplicate:
        if "duplicate" not in template.marks:
            raise InputError(f"duplicate: template {template.name} has no place for DUPLICAT")
        _duplicate_lines(record)


def draw_record(pen: Pen, record: Certificate, template: Template, profile: PrinterProfile | None) -> None:
    """The data of one record on the current page."""
    regular = font(template.drawing.font)
    bold = font(template.drawing.font, bold=True)
    boxed = font(template.drawing.boxFont)
    pen.color(DATA_INK)
    with printer_transform(pen, profile):
        if record.status == "annulled":
            mark = template.marks["annulled"]
            size = _fit_mark_size(mark.text, bold, mark, mark.angle)
            pen.rotated_text(mark.x + mark.w / 2, mark.y + mark.h / 2, mark.text, bold, size, mark.angle)
            return
        for field, value, words in plan(record, template):
            with _nudged(pen, profile, field.name):
                if field.kind == "boxes":
                    _draw_boxes(pen, field, str(value), boxed)
                elif field.kind == "text":
                    draw_text_field(pen, field, str(value), regular)
                else:
                    _draw_option(pen, field, value, regular)
                if words and field.spelled:
                    draw_lines(pen, field.spelled, [words], regular, field.spelled.size, 1, "left")
        if record.duplicate:
            mark = template.marks["duplicate"]
            title, *details = _duplicate_lines(record)
            head = Rect(x=mark.x, y=mark.y, w=mark.w, h=mark.h / 2)
            rest = Rect(x=mark.x, y=head.y2, w=mark.w, h=mark.h - head.h)
            with _nudged(pen, profile, "duplicate"):
                draw_lines(pen, head, [title], bold, _fit_mark_size(title, bold, head, 0), 1, "center")
                size = min(_fit_mark_size(max(details, key=len), regular, rest, 0),
                           rest.h / len(details) / PT / 1.6)
                draw_lines(pen, rest, details, regular, size, len(details), "center")


def render_records(records: Sequence[Certificate], template: Template | None = None,
                   background: bool = False, profile: PrinterProfile | None = None) -> bytes:
    """A PDF with one A4 page per record (the template by each record's issue date when None)."""
    from formproc.layout import load_template, template_for_date

    if not records:
        raise InputError("no records to print")
    chosen = []
    for i, record in enumerate(records):
        tpl = template
        if tpl is None:
            if record.issueDate is None:
                raise InputError(f"record {i}: issueDate missing, choose the form with --template")
            tpl = load_template(template_for_date(record.issueDate))
        if profile is not None:
            profile.check_fields(tpl)
        try:
            check_record(record, tpl)
        except InputError as exc:
            raise InputError(f"record {i} ({record.serialCode or '-'} {record.serialNo or '-'}): {exc}") from None
        chosen.append(tpl)
    first = chosen[0]
    pen = Pen(first.page, title=f"formproc: {len(records)} certificate(s)", font_family=first.drawing.font)
    for record, tpl in zip(records, chosen):
        pen.canvas.setPageSize((tpl.page[0] * mm, tpl.page[1] * mm))
        pen.width, pen.height = tpl.page
        if background:
            begin_page(pen, tpl, record, reuse=True)
        draw_record(pen, record, tpl, profile)
        pen.canvas.showPage()
    return pen.finish()
