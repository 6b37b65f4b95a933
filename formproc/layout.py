"""Form templates: where every field of a CCM form version sits on the page, in mm.

One template file per form version (templates/ccm-2022.json, templates/ccm-2025.json; format in
templates/README.md) drives printing, scanning and sample generation. Coordinates are mm from the
top-left corner of the page. A template may `extend` another one and replace fields by name;
loading resolves the chain and validates the result: every box inside the page, no two boxes
overlapping, every field name a canonical record field (formproc.model.Certificate), option values
valid for their field. Errors name the template and the field.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from formproc.errors import InputError
from formproc.files import json_problem, read_text
from formproc.model import Certificate, FIELD_NAMES

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates"
SUFFIXES = (".json", ".yaml", ".yml")
Kind = Literal["boxes", "text", "checkbox", "choice"]
BOX_FORMATS = ("DDMMYY", "MM", "YY", "NN", "int", "upper")
TEXT_FORMATS = ("money", "upper")
SPELLED_FORMATS = ("month-name", "number-words")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rect(_Spec):
    """A rectangle in mm from the page's top-left corner."""

    x: float
    y: float
    w: float = Field(ge=0)
    h: float = Field(ge=0)

    @property
    def x2(self) -> float:
        return self.x + self.w

    @property
    def y2(self) -> float:
        return self.y + self.h

    def contains(self, other: "Rect", tol: float = 1e-6) -> bool:
        """True when `other` lies inside this rectangle."""
        return (other.x >= self.x - tol and other.y >= self.y - tol
                and other.x2 <= self.x2 + tol and other.y2 <= self.y2 + tol)

    def overlaps(self, other: "Rect") -> bool:
        """True when the two rectangles share an area (touching edges do not count)."""
        return (min(self.x2, other.x2) - max(self.x, other.x) > 1e-6
                and min(self.y2, other.y2) - max(self.y, other.y) > 1e-6)


class OptionSpec(Rect):
    """One box of a checkbox/choice field: ticked (or struck) when the record holds `value`."""

    value: Union[bool, int, str]
    label: str | None = None
    labelPosition: Literal["left", "right", "above"] = "left"
    also: tuple[Union[bool, int, str], ...] = ()


class SpelledSpec(Rect):
    """Where a boxed value is written again in words (month name, indemnity code in letters)."""

    format: Literal["month-name", "number-words"]
    size: float = 8


class FieldSpec(Rect):
    """One form field bound to a canonical record field."""

    name: str
    kind: Kind
    cells: int | None = Field(default=None, ge=1, le=60)
    format: str | None = None
    align: Literal["left", "right", "center"] = "left"
    size: float | None = Field(default=None, gt=0, le=40)
    lines: int = Field(default=1, ge=1, le=10)
    mark: Literal["x", "strike"] = "x"
    preprinted: bool = False
    spelled: SpelledSpec | None = None
    options: tuple[OptionSpec, ...] = ()

    @property
    def cell_width(self) -> float:
        """Width of one character box (boxes fields)."""
        return self.w / (self.cells or 1)

    def cell_rects(self) -> list[Rect]:
        """The character boxes of a `boxes` field, left to right."""
        cw = self.cell_width
        return [Rect(x=self.x + i * cw, y=self.y, w=cw, h=self.h) for i in range(self.cells or 0)]

    def option_for(self, value: Any) -> OptionSpec | None:
        """The option ticked for a record value (its own value or one of `also`)."""
        for opt in self.options:
            if _same(opt.value, value) or any(_same(a, value) for a in opt.also):
                return opt
        return None


class Mark(Rect):
    """A printed mark (ANULAT, DUPLICAT) and the area it must stay in."""

    text: str
    angle: float = 0


class DrawText(_Spec):
    x: float
    y: float  # baseline
    text: str
    size: float = 7
    bold: bool = False
    align: Literal["left", "center", "right"] = "left"


class DrawRect(Rect):
    width: float = 0.3


class DrawLine(_Spec):
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.3


class DrawStamp(Rect):
    label: str = ""


class DrawCells(Rect):
    cells: int = Field(ge=1)


class Rosette(_Spec):
    cx: float
    cy: float
    r: float = Field(gt=0)
    color: str = "#f2a7bf"


class Drawing(_Spec):
    """The static picture of the blank form: frame, labels, stamps, rosette."""

    font: str = "DejaVuSans"
    boxFont: str = "DejaVuSansMono"
    sample: dict[str, str] = {}
    rosette: Rosette | None = None
    rects: tuple[DrawRect, ...] = ()
    lines: tuple[DrawLine, ...] = ()
    texts: tuple[DrawText, ...] = ()
    stamps: tuple[DrawStamp, ...] = ()
    cells: tuple[DrawCells, ...] = ()


class Template(_Spec):
    """A resolved, validated form template."""

    name: str
    title: str = ""
    validFrom: date | None = None
    page: tuple[float, float]
    fields: tuple[FieldSpec, ...]
    marks: dict[str, Mark] = {}
    drawing: Drawing = Drawing()
    source: str = ""

    @field_validator("page", mode="before")
    @classmethod
    def _page(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return (value.get("width_mm"), value.get("height_mm"))
        return value

    def field(self, name: str) -> FieldSpec:
        """The field bound to a record field name."""
        for f in self.fields:
            if f.name == name:
                return f
        raise InputError(f"template {self.name}: no field '{name}'")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def to_dict(self) -> dict[str, Any]:
        """The resolved template in the file format (for outside tools)."""
        out = self.model_dump(mode="json", exclude={"source", "page"}, exclude_defaults=True)
        out["page"] = {"width_mm": self.page[0], "height_mm": self.page[1]}
        return out


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def template_dirs() -> list[Path]:
    """Where named templates are looked up: FORMPROC_TEMPLATES (os.pathsep list), then the shipped ones."""
    extra = [Path(p) for p in os.environ.get("FORMPROC_TEMPLATES", "").split(os.pathsep) if p]
    return extra + [BUILTIN_DIR]


def _find(name: str) -> Path:
    for folder in template_dirs():
        for suffix in SUFFIXES:
            path = folder / f"{name}{suffix}"
            if path.is_file():
                return path
    raise InputError(f"unknown template '{name}' (known: {', '.join(list_templates()) or 'none'})")


def list_templates() -> list[str]:
    """Names of the templates that can be loaded by name."""
    names: set[str] = set()
    for folder in template_dirs():
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    return sorted(names)


def template_for_date(day: date) -> str:
    """The shipped form version in force on `day` ("ccm-2025" from 2025-08-01, else "ccm-2022")."""
    dated = []
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        tpl = load_template(str(path))
        if tpl.validFrom is not None:
            dated.append((tpl.validFrom, tpl.name))
    if not dated:
        raise InputError(f"no dated templates in {BUILTIN_DIR}")
    dated.sort()
    current = [name for start, name in dated if start <= day]
    return current[-1] if current else dated[0][1]


_CACHE: dict[str, tuple[tuple[tuple[str, int], ...], Template]] = {}


def _stamps(files: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((f, Path(f).stat().st_mtime_ns if Path(f).is_file() else -1) for f in files)


def load_template(name_or_path: str | Path) -> Template:
    """A validated template from a name (templates/NAME.json) or a file path.

    Results are cached until the file, or a file it extends, changes."""
    text = str(name_or_path)
    is_path = any(sep in text for sep in ("/", os.sep)) or text.endswith(SUFFIXES)
    path = Path(text) if is_path else _find(text)
    if not path.is_file():
        raise InputError(f"{path}: template file not found")
    key = str(path.resolve())
    cached = _CACHE.get(key)
    if cached and _stamps(tuple(f for f, _ in cached[0])) == cached[0]:
        return cached[1]
    files: list[str] = []
    template = _validate(_resolve(Path(key), (), files), key)
    _CACHE[key] = (_stamps(tuple(files)), template)
    return template


def _read(path: Path) -> dict[str, Any]:
    text = read_text(path, 5 * 1024 * 1024)  # a template is tens of KB; refuse 10 MB strings early
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not valid {path.suffix[1:].upper()} ({str(exc).splitlines()[0]})") from None
    except (ValueError, RecursionError) as exc:  # nested too deeply, a number of thousands of digits
        raise InputError(f"{path}: {json_problem(exc)}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a template must be an object with name, page, fields")
    return data


def _resolve(path: Path, seen: tuple[str, ...], files: list[str]) -> dict[str, Any]:
    """The template's data with its `extends` chain merged in (fields replaced by name)."""
    files.append(str(path.resolve()))
    data = _read(path)
    for key in ("fields", "removeFields"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"{path}: '{key}' must be a list")
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise InputError(f"{path}: 'extends' must be a template name")
    if parent_name in seen:
        raise InputError(f"{path}: template extends itself through '{parent_name}'")
    sibling = [path.parent / f"{parent_name}{s}" for s in SUFFIXES]
    parent_path = next((p for p in sibling if p.is_file()), None) or _find(parent_name)
    base = _resolve(parent_path, seen + (parent_name,), files)
    merged = {**base, **{k: v for k, v in data.items() if k not in ("fields", "removeFields", "marks", "drawing")}}
    fields = [f for f in base.get("fields", []) if f.get("name") not in set(data.get("removeFields", []))]
    index = {f.get("name"): i for i, f in enumerate(fields)}
    for spec in data.get("fields", []):
        if isinstance(spec, dict) and spec.get("name") in index:
            fields[index[spec["name"]]] = spec
        else:
            fields.append(spec)
    merged["fields"] = fields
    merged["marks"] = {**base.get("marks", {}), **data.get("marks", {})}
    merged["drawing"] = {**base.get("drawing", {}), **data.get("drawing", {})}
    return merged


def _pydantic_message(exc: ValidationError, raw: dict[str, Any], where: str) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
        fields = raw.get("fields") or []
        item = fields[loc[1]] if loc[1] < len(fields) else {}
        name = item.get("name", f"#{loc[1]}") if isinstance(item, dict) else f"#{loc[1]}"
        rest = ".".join(str(p) for p in loc[2:]) or "(field)"
        return f"{where}: field '{name}': {rest}: {err['msg']}"
    return f"{where}: {'.'.join(str(p) for p in loc) or '(template)'}: {err['msg']}"


def _validate(raw: dict[str, Any], where: str) -> Template:
    try:
        tpl = Template.model_validate({**raw, "source": where})
    except ValidationError as exc:
        raise InputError(_pydantic_message(exc, raw, where)) from None
    page = Rect(x=0, y=0, w=tpl.page[0], h=tpl.page[1])
    if page.w <= 0 or page.h <= 0:
        raise InputError(f"{where}: page size must be positive")
    seen: set[str] = set()
    areas: list[tuple[str, Rect]] = []
    for f in tpl.fields:
        _check_field(f, page, where)
        if f.name in seen:
            raise InputError(f"{where}: field '{f.name}' appears twice")
        seen.add(f.name)
        areas.append((f.name, f))
        if f.spelled:
            areas.append((f"{f.name} (spelled)", f.spelled))
    for key, mark in tpl.marks.items():
        if not page.contains(mark):
            raise InputError(f"{where}: mark '{key}': box outside the page")
        if key != "annulled":  # ANULAT is printed alone, across the page
            areas.append((f"mark {key}", mark))
    for i, (name_a, a) in enumerate(areas):
        for name_b, b in areas[i + 1:]:
            if a.overlaps(b):
                raise InputError(f"{where}: field '{name_a}' overlaps field '{name_b}'")
    return tpl


def _check_field(f: FieldSpec, page: Rect, where: str) -> None:
    def fail(problem: str) -> None:
        raise InputError(f"{where}: field '{f.name}': {problem}")

    if f.name not in FIELD_NAMES:
        fail("not a canonical record field (see formproc schema)")
    if f.w <= 0 or f.h <= 0:
        fail("box has no area")
    if not page.contains(f):
        fail(f"box ({f.x}, {f.y}, {f.w}x{f.h} mm) lies outside the page")
    if f.spelled and not page.contains(f.spelled):
        fail("spelled-out area lies outside the page")
    is_date = Certificate.model_fields[f.name].annotation in (date, date | None)
    if f.kind == "boxes":
        if not f.cells:
            fail("a boxes field needs 'cells'")
        if f.format not in (None, *BOX_FORMATS):
            fail(f"unknown format '{f.format}' for boxes ({', '.join(BOX_FORMATS)})")
        if is_date != (f.format == "DDMMYY"):
            fail("date fields, and only they, use format DDMMYY")
    elif f.kind == "text":
        if f.cells is not None:
            fail("'cells' belongs to boxes fields")
        if f.format not in (None, *TEXT_FORMATS):
            fail(f"unknown format '{f.format}' for text ({', '.join(TEXT_FORMATS)})")
        if is_date:
            fail("date fields are boxes with format DDMMYY")
    else:
        if not f.options or (f.kind == "checkbox" and len(f.options) != 1):
            fail("a checkbox has exactly one option, a choice at least one")
        adapter = TypeAdapter(Certificate.model_fields[f.name].annotation)
        values = []
        for opt in f.options:
            for value in (opt.value, *opt.also):
                try:
                    adapter.validate_python(value, strict=True)
                except ValidationError:
                    fail(f"option value {value!r} is not a valid value of the record field")
                if any(_same(value, v) for v in values):
                    fail(f"option value {value!r} appears twice")
                values.append(value)
            if opt.w <= 0 or opt.h <= 0 or not f.contains(opt):
                fail(f"option {opt.value!r} lies outside the field's box")
        for i, a in enumerate(f.options):
            for b in f.options[i + 1:]:
                if a.overlaps(b):
                    fail(f"options {a.value!r} and {b.value!r} overlap")
