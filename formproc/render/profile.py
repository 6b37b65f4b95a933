"""Printer profiles: how one printer misplaces the page, measured once with the calibration sheet.

A profile is a plain JSON file the app and the user can edit:

    {"name": "Epson LQ-690 cabinet 2",
     "offset_x_mm": 1.5, "offset_y_mm": -0.8,
     "scale_x": 1.0, "scale_y": 0.998,
     "rotation_deg": 0.2,
     "nudges": {"pid": {"x": 0.5, "y": 0}}}

The printed position of a point (x, y) of the template (mm from the top-left corner, y down) is:
nudge the field by its `nudges` entry, scale about the top-left corner (scale_x, scale_y), rotate
by `rotation_deg` clockwise about the page centre, then shift by the offsets. A positive
offset_x_mm moves the ink right, a positive offset_y_mm moves it down.

`--profile` takes a file path or the name of a file in FORMPROC_HOME/printers/ (NAME.json).
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from reportlab.lib.units import mm

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from formproc.errors import InputError
from formproc.files import json_problem, read_text
from formproc.layout import Template
from formproc.render.pen import Pen
from formproc.settings import data_dir


class Nudge(BaseModel):
    """Extra shift of one field, in mm."""

    model_config = ConfigDict(extra="forbid")
    x: float = Field(default=0, ge=-10, le=10)
    y: float = Field(default=0, ge=-10, le=10)


class PrinterProfile(BaseModel):
    """Calibration of one printer: offsets (mm), scales, rotation (degrees), per-field nudges."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="implicit", max_length=100)
    offset_x_mm: float = Field(default=0, ge=-30, le=30)
    offset_y_mm: float = Field(default=0, ge=-30, le=30)
    scale_x: float = Field(default=1, ge=0.9, le=1.1)
    scale_y: float = Field(default=1, ge=0.9, le=1.1)
    rotation_deg: float = Field(default=0, ge=-3, le=3)
    nudges: dict[str, Nudge] = {}

    def check_fields(self, template: Template) -> None:
        """Every nudged field must exist in the template."""
        unknown = sorted(set(self.nudges) - set(template.names))
        if unknown:
            raise InputError(f"profile {self.name}: nudges name field '{unknown[0]}' that template "
                             f"{template.name} does not have")

    def matrix(self, page_mm: tuple[float, float]) -> tuple[float, float, float, float, float, float]:
        """The affine map in mm (top-left origin, y down): x' = a x + c y + e, y' = b x + d y + f."""
        cx, cy = page_mm[0] / 2, page_mm[1] / 2
        t = math.radians(self.rotation_deg)
        cos, sin = math.cos(t), math.sin(t)
        a, b = self.scale_x * cos, self.scale_x * sin
        c, d = -self.scale_y * sin, self.scale_y * cos
        e = cx - cos * cx + sin * cy + self.offset_x_mm
        f = cy - sin * cx - cos * cy + self.offset_y_mm
        return a, b, c, d, e, f

    def apply(self, x: float, y: float, page_mm: tuple[float, float]) -> tuple[float, float]:
        """Where a template point (mm) is printed."""
        a, b, c, d, e, f = self.matrix(page_mm)
        return a * x + c * y + e, b * x + d * y + f


@contextmanager
def printer_transform(pen: Pen, profile: PrinterProfile | None) -> Iterator[None]:
    """Apply a profile's page transform (in PDF points) to what is drawn inside."""
    c = pen.canvas
    c.saveState()
    if profile is not None:
        a, b, cc, d, e, f = profile.matrix((pen.width, pen.height))
        height = pen.height * mm
        c.transform(a, -b, -cc, d, cc * height + e * mm, height * (1 - d) - f * mm)
    try:
        yield
    finally:
        c.restoreState()


def profile_path(name_or_path: str) -> Path:
    """A profile file: a path as given, or FORMPROC_HOME/printers/NAME.json."""
    path = Path(name_or_path)
    if path.suffix == ".json" or "/" in name_or_path:
        return path
    return data_dir() / "printers" / f"{name_or_path}.json"


def parse_profile(text: str, where: str = "profile") -> PrinterProfile:
    """A validated profile from JSON text; errors name the setting."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{where}: {json_problem(exc)}") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: a printer profile is a JSON object")
    try:
        return PrinterProfile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(profile)"
        raise InputError(f"{where}: '{loc}': {err['msg']}") from None


def load_profile(name_or_path: str) -> PrinterProfile:
    """A printer profile from a file path or a name (FORMPROC_HOME/printers/NAME.json)."""
    path = profile_path(name_or_path)
    if not path.is_file():
        raise InputError(f"printer profile '{name_or_path}' not found ({path})")
    profile = parse_profile(read_text(path), str(path))
    if profile.name == "implicit":
        profile = profile.model_copy(update={"name": path.stem})
    return profile


def dumps_profile(profile: PrinterProfile) -> str:
    """The profile as the JSON text stored in its file."""
    return json.dumps(profile.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
