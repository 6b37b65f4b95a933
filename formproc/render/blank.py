"""The blank form of a template: frame, labels, boxes, rosette, stamp areas, series and number.

Everything comes from the template (its `drawing` and its fields); this module holds no
coordinate of the form. The blank is the preview background, the scanner's alignment reference
until a real blank is registered, and the sample generator's canvas.
"""

from __future__ import annotations

import math

from formproc.layout import FieldSpec, OptionSpec, Template
from formproc.model import Certificate
from formproc.render.pen import PT, Pen, cap_height, font, text_width_mm
from formproc.render.textbox import PAD, draw_lines

INK = "#1c1c1c"
FAINT = "#6b6b6b"
SERIAL_RED = "#c8102e"


def option_label(pen: Pen, field: FieldSpec, opt: OptionSpec, regular: str) -> None:
    """The printed word of an option: beside its box, or inside it for struck words."""
    if not opt.label:
        return
    size = field.size or 7
    base = opt.y + opt.h / 2 + cap_height(regular) * size * PT / 2
    if field.mark == "strike":
        pen.text(opt.x + opt.w / 2, base, opt.label, regular, size, "center")
    elif opt.labelPosition == "above":
        pen.text(opt.x + opt.w / 2, opt.y - 0.8, opt.label, regular, size, "center")
    elif opt.labelPosition == "right":
        pen.text(opt.x2 + 1.2, base, opt.label, regular, size)
    else:
        pen.text(opt.x - 1.2, base, opt.label, regular, size, "right")


def _rosette(pen: Pen, template: Template) -> None:
    ros = template.drawing.rosette
    if ros is None:
        return
    pen.color(ros.color)
    steps = 720
    # Guilloche-like braided bands: modulated circles drawn many times with shifted phase
    for base, amp, waves, copies in ((0.55, 0.09, 18, 12), (0.85, 0.12, 24, 14)):
        for k in range(copies):
            phase = 2 * math.pi * k / (copies * 2)
            pen.polyline(((ros.cx + ros.r * (base + amp * math.sin(waves * t + phase)
                                             * math.cos(3 * t)) * math.cos(t),
                           ros.cy + ros.r * (base + amp * math.sin(waves * t + phase)
                                             * math.cos(3 * t)) * math.sin(t))
                          for t in (2 * math.pi * i / steps for i in range(steps))), 0.08)
    # a spirograph (hypotrochoid) star in the middle
    big, small, arm = ros.r * 0.24, ros.r * 0.09, ros.r * 0.13
    turns = 9
    pen.polyline(((ros.cx + (big - small) * math.cos(t) + arm * math.cos((big - small) / small * t),
                   ros.cy + (big - small) * math.sin(t) - arm * math.sin((big - small) / small * t))
                  for t in (2 * math.pi * turns * i / (steps * 4) for i in range(steps * 4))), 0.12)


def draw_static(pen: Pen, template: Template) -> None:
    """Everything on the blank except the preprinted series and number."""
    d = template.drawing
    regular, bold = font(d.font), font(d.font, bold=True)
    _rosette(pen, template)
    pen.color(INK)
    for r in d.rects:
        pen.rect(r.x, r.y, r.w, r.h, r.width)
    for ln in d.lines:
        pen.line(ln.x1, ln.y1, ln.x2, ln.y2, ln.width)
    for t in d.texts:
        pen.text(t.x, t.y, t.text, bold if t.bold else regular, t.size, t.align)
    for c in d.cells:
        for i in range(c.cells):
            pen.rect(c.x + i * c.w / c.cells, c.y, c.w / c.cells, c.h, 0.25)
    for f in template.fields:
        if f.preprinted:
            continue
        if f.kind == "boxes":
            for cell in f.cell_rects():
                pen.rect(cell.x, cell.y, cell.w, cell.h, 0.25)
        elif f.kind == "text":
            pen.color(FAINT)
            for i in range(1, f.lines + 1):
                y = f.y + f.h * i / f.lines
                pen.canvas.setDash([0.4, 1.2])
                pen.line(f.x, y, f.x2, y, 0.15)
                pen.canvas.setDash([])
            pen.color(INK)
        else:
            for opt in f.options:
                if f.mark != "strike":
                    pen.rect(opt.x, opt.y, opt.w, opt.h, 0.3)
                option_label(pen, f, opt, regular)
        if f.spelled:
            pen.color(FAINT)
            pen.canvas.setDash([0.4, 1.2])
            pen.line(f.spelled.x, f.spelled.y2, f.spelled.x2, f.spelled.y2, 0.15)
            pen.canvas.setDash([])
            pen.color(INK)
    pen.color(FAINT)
    for s in d.stamps:
        pen.rect(s.x, s.y, s.w, s.h, 0.2, dash=(1.0, 1.0), radius=2)
        pen.text(s.x + s.w / 2, s.y2 - 1.5, s.label, regular, 5.5, "center")
    pen.color(INK)


def draw_preprinted(pen: Pen, template: Template, record: Certificate | None = None) -> None:
    """The series and number printed by the form's maker (the record's, else the sample's)."""
    d = template.drawing
    values = {k: v for k, v in d.sample.items()}
    if record is not None:
        values = {f.name: getattr(record, f.name) or "" for f in template.fields if f.preprinted}
    pen.color(SERIAL_RED)
    bold = font(d.font, bold=True)
    for f in template.fields:
        if f.preprinted and values.get(f.name):
            text = str(values[f.name])
            # the maker sets a wide series (CCMMM) smaller, so that it stays in its place
            size = min(f.size or 9, (f.w - 2 * PAD) / max(text_width_mm(text, bold, 1.0), 1e-6))
            draw_lines(pen, f, [text], bold, size, 1, f.align)
    pen.color(INK)


def begin_page(pen: Pen, template: Template, record: Certificate | None, reuse: bool) -> None:
    """The blank on the current page; with `reuse` the static part is one shared PDF object."""
    c = pen.canvas
    if reuse:
        name = f"blank-{template.name}"
        if name not in pen.forms:
            c.beginForm(name)
            draw_static(pen, template)
            c.endForm()
            pen.forms.add(name)
        c.doForm(name)
    else:
        draw_static(pen, template)
    draw_preprinted(pen, template, record)


def render_blank(template: Template, record: Certificate | None = None) -> bytes:
    """A one-page PDF of the blank form; the title shows the record's series/number, else the sample's."""
    pen = Pen(template.page, title=f"{template.name} (formular gol)", font_family=template.drawing.font)
    begin_page(pen, template, record, reuse=False)
    pen.canvas.showPage()
    return pen.finish()
