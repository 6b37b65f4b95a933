"""Drawing on a reportlab canvas in millimetres from the page's top-left corner.

Fonts are TrueType files embedded (subset) in the PDF, so ăâîșț/ĂÂÎȘȚ print on any printer.
The family is DejaVu Sans from the Debian package fonts-dejavu-core (`make` installs it); the
folder can be changed with FORMPROC_FONT_DIR.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFError
from reportlab.pdfgen.canvas import Canvas

from formproc.errors import InputError

PT = 25.4 / 72  # mm per point
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
              "DejaVuSansMono": "DejaVuSansMono.ttf", "DejaVuSansMono-Bold": "DejaVuSansMono-Bold.ttf"}


@lru_cache(maxsize=None)
def font(name: str, bold: bool = False) -> str:
    """Register a TrueType font family (regular or bold) once; its reportlab name."""
    key = f"{name}-Bold" if bold else name
    if key in pdfmetrics.getRegisteredFontNames():
        return key
    file_name = FONT_FILES.get(key, f"{key}.ttf")
    folders = [os.environ["FORMPROC_FONT_DIR"]] if os.environ.get("FORMPROC_FONT_DIR") else []
    for folder in folders + list(FONT_DIRS):
        path = Path(folder) / file_name
        if path.is_file():
            try:
                pdfmetrics.registerFont(TTFont(key, str(path)))
            except TTFError as exc:
                raise InputError(f"font {path}: cannot be used ({exc})") from None
            return key
    raise InputError(f"font {file_name} not found (install the Debian package fonts-dejavu-core)")


def cap_height(font_name: str) -> float:
    """Height of a capital letter, as a fraction of the font size."""
    face = getattr(pdfmetrics.getFont(font_name), "face", None)
    return (getattr(face, "capHeight", 0) or 700) / 1000


def text_width_mm(text: str, font_name: str, size_pt: float) -> float:
    """Width of a text line in mm."""
    return pdfmetrics.stringWidth(text, font_name, size_pt) / mm


class Pen:
    """A canvas whose coordinates are mm from the top-left corner of a page."""

    def __init__(self, page_mm: tuple[float, float], title: str = "formproc",
                 font_family: str = "DejaVuSans") -> None:
        self.buffer = io.BytesIO()
        self.width, self.height = page_mm
        self.forms: set[str] = set()  # names of the shared PDF objects already defined
        self.canvas = Canvas(self.buffer, pagesize=(self.width * mm, self.height * mm),
                             pageCompression=1, invariant=1, initialFontName=font(font_family),
                             initialFontSize=9)
        self.canvas.setTitle(title)
        self.canvas.setCreator("formproc")

    def pt(self, x: float, y: float) -> tuple[float, float]:
        """PDF points for a position in mm from the top-left corner."""
        return x * mm, (self.height - y) * mm

    def color(self, rgb: str) -> None:
        """Set stroke and fill colour (#rrggbb)."""
        self.canvas.setStrokeColor(rgb)
        self.canvas.setFillColor(rgb)

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.25,
             dash: tuple[float, float] | None = None, radius: float = 0) -> None:
        c = self.canvas
        c.setLineWidth(width * mm)
        c.setDash([d * mm for d in dash] if dash else [])
        px, py = self.pt(x, y + h)
        if radius:
            c.roundRect(px, py, w * mm, h * mm, radius * mm, stroke=1, fill=0)
        else:
            c.rect(px, py, w * mm, h * mm, stroke=1, fill=0)
        if dash:
            c.setDash([])

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.25) -> None:
        self.canvas.setLineWidth(width * mm)
        self.canvas.line(*self.pt(x1, y1), *self.pt(x2, y2))

    def polyline(self, points: Iterable[tuple[float, float]], width: float, close: bool = True) -> None:
        """One path through the points (mm)."""
        path = self.canvas.beginPath()
        for i, (x, y) in enumerate(points):
            (path.moveTo if i == 0 else path.lineTo)(*self.pt(x, y))
        if close:
            path.close()
        self.canvas.setLineWidth(width * mm)
        self.canvas.drawPath(path, stroke=1, fill=0)

    def text(self, x: float, y: float, text: str, font_name: str, size: float, align: str = "left") -> None:
        """A line of text with its baseline at y (mm)."""
        c = self.canvas
        c.setFont(font_name, size)
        px, py = self.pt(x, y)
        if align == "center":
            c.drawCentredString(px, py, text)
        elif align == "right":
            c.drawRightString(px, py, text)
        else:
            c.drawString(px, py, text)

    def rotated_text(self, cx: float, cy: float, text: str, font_name: str, size: float, angle: float) -> None:
        """Text centred on (cx, cy) mm, rotated `angle` degrees counter-clockwise."""
        c = self.canvas
        c.saveState()
        c.translate(*self.pt(cx, cy))
        c.rotate(angle)
        c.setFont(font_name, size)
        c.drawCentredString(0, -cap_height(font_name) * size / 2, text)
        c.restoreState()

    def finish(self) -> bytes:
        """Close the document; the PDF bytes."""
        self.canvas.save()
        return self.buffer.getvalue()
