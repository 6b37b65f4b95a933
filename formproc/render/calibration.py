"""The calibration sheet: print it on plain paper, hold it against a blank form, measure the shift.

mm rulers along the top and left edges, crosshairs on the first box of every field with the field's
name, every field's box outline (and its spelled-out area), the DUPLICAT area dashed. Printed through a profile, it shows whether the profile is right:
the outlines then fall on the form's boxes.
"""

from __future__ import annotations

from formproc.layout import Template
from formproc.render.pen import Pen, font
from formproc.render.profile import PrinterProfile, printer_transform

RULER_INK = "#000000"
BOX_INK = "#1f4fbf"
CROSS_INK = "#c8102e"


def _rulers(pen: Pen, regular: str) -> None:
    width, height = pen.width, pen.height
    pen.color(RULER_INK)
    for x in range(0, int(width) + 1):
        tick = 4 if x % 10 == 0 else 2.5 if x % 5 == 0 else 1.5
        pen.line(x, 0, x, tick, 0.1)
        if x % 10 == 0 and 0 < x < width:
            pen.text(x, 6.5, str(x), regular, 5, "center")
    for y in range(0, int(height) + 1):
        tick = 4 if y % 10 == 0 else 2.5 if y % 5 == 0 else 1.5
        pen.line(0, y, tick, y, 0.1)
        if y % 10 == 0 and 0 < y < height:
            pen.text(5, y + 0.8, str(y), regular, 5)


def render_calibration(template: Template, profile: PrinterProfile | None = None) -> bytes:
    """A one-page PDF: rulers, field outlines and crosshairs (through `profile` when given)."""
    regular = font(template.drawing.font)
    pen = Pen(template.page, title=f"{template.name}: foaie de calibrare", font_family=template.drawing.font)
    with printer_transform(pen, profile):
        _rulers(pen, regular)
        for f in template.fields:
            areas = list(f.options) if f.kind in ("checkbox", "choice") else [f]
            pen.color(BOX_INK)
            for r in areas + ([f.spelled] if f.spelled else []):
                pen.rect(r.x, r.y, r.w, r.h, 0.15)
            if f.kind == "boxes":
                for cell in f.cell_rects()[1:]:
                    pen.line(cell.x, cell.y, cell.x, cell.y2, 0.1)
            cx, cy = areas[0].x, areas[0].y
            pen.color(CROSS_INK)
            pen.line(cx - 2.5, cy, cx + 2.5, cy, 0.12)
            pen.line(cx, cy - 2.5, cx, cy + 2.5, 0.12)
            pen.text(cx + 0.6, cy - 0.6, f"{f.name} ({cx:g}, {cy:g})", regular, 3.5)
        pen.color(BOX_INK)
        for key, mark in template.marks.items():
            if key != "annulled":
                pen.rect(mark.x, mark.y, mark.w, mark.h, 0.15, dash=(1.0, 1.0))
        pen.color(RULER_INK)
        name = f" — profil {profile.name}" if profile else ""
        pen.text(pen.width / 2, pen.height - 4, f"Foaie de calibrare {template.name}{name}: "
                 "tipăriți la 100% (fără încadrare în pagină), suprapuneți pe un formular gol, "
                 "măsurați deplasarea în mm", regular, 6, "center")
    pen.canvas.showPage()
    return pen.finish()
