"""The scan pipeline: load -> register -> clean -> read -> decode -> record, one result per page."""

from __future__ import annotations

import os
from dataclasses import dataclass, field as dc_field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import ValidationError
from threadpoolctl import ThreadpoolController

from formproc.errors import InputError
from formproc.model import Certificate
from formproc.scan import decode as dec
from formproc.scan.clean import CleanPage, clean, form_mask
from formproc.scan.icr import load_model
from formproc.scan.load import Page, load_pages
from formproc.scan.read import read_options, read_page
from formproc.scan.register import PX_PER_MM, Registration, reference_for, register
from formproc.scan.printfit import fit_line
from formproc.scan.text import DOCTOR_FIELDS, TEXT_PX_PER_MM, correct

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one thread per worker process
LOW_CONFIDENCE = 0.5
#: hand-printing on a carbon copy, in a field whose grammar cannot check it, is this much less
#: sure than its boxes say (faint strokes: the recogniser is over-confident there, measured)
CARBON_HAND = 0.75
#: the most a text line whose words the printed rendering replaced can be trusted (formproc.scan.printfit)
FITTED = 0.45


@dataclass
class PageResult:
    """One scanned page; `to_dict()` is the `formproc scan` JSON line."""

    source: str
    template: str
    aligned: bool
    alignment_score: float
    fields: dict[str, dict[str, Any]] = dc_field(default_factory=dict)
    record: dict[str, Any] = dc_field(default_factory=dict)
    warnings: list[str] = dc_field(default_factory=list)
    confidence: float = 0.0
    registration: str = "none"
    page_ink: CleanPage | None = None  # the cleaned registered page, when asked for (not in the JSON)

    def to_dict(self) -> dict[str, Any]:
        low = sorted((n for n, f in self.fields.items() if f["confidence"] < LOW_CONFIDENCE),
                     key=lambda n: self.fields[n]["confidence"])
        return {"source": self.source, "template": self.template, "aligned": self.aligned,
                "alignment_score": self.alignment_score, "registration": self.registration,
                "confidence": self.confidence, "low_confidence": low, "fields": self.fields,
                "record": self.record, "warnings": self.warnings}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value if value is None or isinstance(value, (str, int, float, bool, list, dict)) else str(value)


def _form_value(spec, text: str) -> Any:
    """What formproc.fieldvalues.from_form expects: the option's own value for checkboxes/choices."""
    if spec.kind in ("checkbox", "choice"):
        return next((o.value for o in spec.options if str(o.value) == text), text)
    return text


def _record(template, decoded: dict[str, dec.Decoded], warnings: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The canonical record from the decoded form texts (formproc.fieldvalues), and each field's value."""
    from formproc.fieldvalues import from_form, record_from_form

    form: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, d in decoded.items():
        if d.text is None:
            continue
        spec = template.field(name)
        try:
            values[name] = from_form(spec, _form_value(spec, d.text))
            form[name] = _form_value(spec, d.text)
        except InputError:
            warnings.append(f"câmpul {name}: '{d.text}' nu poate fi citit ca valoare a câmpului")
    data = record_from_form(template, form)
    for _ in range(len(data) + 1):
        try:
            return Certificate.model_validate(data).to_json_dict(), values
        except ValidationError as exc:
            loc = exc.errors()[0]["loc"]
            bad = str(loc[0]) if loc else ""
            if bad not in data:
                break
            warnings.append(f"câmpul {bad}: valoarea citită '{data.pop(bad)}' nu este validă și a fost omisă")
    return {}, values


def _decode_all(template, reads: dict, on: date) -> dict[str, dec.Decoded]:
    out: dict[str, dec.Decoded] = {}
    for spec in template.fields:
        r = reads.get(spec.name)
        if r is None:
            continue
        if spec.kind == "boxes":
            out[spec.name] = dec.decode_boxes(spec, r, on)
        elif spec.kind == "text":
            out[spec.name] = _decode_text(spec, r, on, template.drawing.font)
        else:
            out[spec.name] = dec.decode_options(spec, r)
    return out


def _decode_text(spec, read, on: date, font: str) -> dec.Decoded:
    """A text line's value, confidence and flags (formproc.scan.text.correct); a printed reading
    whose words the rendering in the printer's `font` tells better is so mended (flag `fitted`)."""
    raw = read.raw.strip()
    if not raw and read.code is None:  # nothing read: sure only when there is (next to) no ink
        conf = 1.0 if read.ink < 0.004 else 0.3
        return dec.Decoded(spec.name, None, conf, read.raw, read.bbox_mm, [], [], read.details())
    value, conf, flags = correct(spec, raw, read.word_confidences, on, read.code)
    evidence = read.details()
    if read.line is not None and value and "invalid" not in flags:
        title = "Dr." if spec.name in DOCTOR_FIELDS else ""
        fitted, changes = fit_line(read.line, value, font, spec.size or 9, TEXT_PX_PER_MM, title, read.blanked)
        if changes:  # tesseract's words were not the print's: the rendering's choice is not proven
            value, conf = fitted, min(conf, FITTED)
            flags.append("fitted")
            evidence["fitted"] = changes
    return dec.Decoded(spec.name, value, round(conf, 3), read.raw, read.bbox_mm, flags, [], evidence)


def _issue_day(template, reads: dict) -> date:
    """The certificate's date as far as it can be read (catalogs and templates depend on it): the
    issue date, unless it is far from the first day of leave and the year box sides with the latter."""
    days: dict[str, date] = {}
    for name in ("issueDate", "validFrom", "year"):
        spec = next((f for f in template.fields if f.name == name), None)
        if spec is not None and name in reads:
            text = dec.decode_boxes(spec, reads[name], date.today()).text or ""
            day = dec._date6(text) if name != "year" else (date(2000 + int(text), 1, 1) if text.isdigit() else None)
            if day is not None:
                days[name] = day
    issued, first, year = days.get("issueDate"), days.get("validFrom"), days.get("year")
    if issued and first and not dec.issued_near(issued, first) and year and first.year == year.year:
        return first
    return issued or first or date.today()


def writing_areas(template) -> list[tuple[int, int, int, int]]:
    """The inner parts of the fields (pixels), where the writing's strength is measured."""
    out = []
    for f in template.fields:
        if f.preprinted:
            continue
        rects = f.options if f.kind in ("checkbox", "choice") and f.mark != "strike" else (
            f.cell_rects() if f.kind == "boxes" else [f])
        for r in rects:
            out.append((int((r.x + r.w * 0.15) * PX_PER_MM), int((r.y + r.h * 0.15) * PX_PER_MM),
                        int(r.w * 0.7 * PX_PER_MM), int(r.h * 0.7 * PX_PER_MM)))
    return out


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def scan_page(page: Page, template_name: str | None = None, keep_ink: bool = False) -> PageResult:
    """Register, clean, read and decode one page; with `keep_ink` the result keeps the cleaned
    page (large: only for one page at a time). numpy's BLAS works on one thread meanwhile: its
    small products gain nothing from more, and its spare threads would take the cores from
    tesseract, which reads the text lines while the boxes are read, and from the other workers."""
    with _blas().limit(limits=1, user_api="blas"):
        return _scan_page(page, template_name, keep_ink)


def clean_page(page: Page, template) -> tuple[Registration, CleanPage | None]:
    """A page registered to the template and cleaned (None when it does not align)."""
    ref = reference_for(template)
    reg: Registration = register(page.image, ref)
    if not reg.aligned or reg.warped is None:
        return reg, None
    return reg, clean(reg.warped, form_mask(ref.gray), writing_areas(template), page.image, reg.homography,
                      ref.rosette, ref.gray)


def _scan_page(page: Page, template_name: str | None, keep_ink: bool) -> PageResult:
    from formproc.layout import load_template, template_for_date

    explicit = template_name is not None
    template = load_template(template_name or template_for_date(date.today()))
    reg, page_ink = clean_page(page, template)
    result = PageResult(page.source, template.name, reg.aligned, reg.score, registration=reg.method)
    if page_ink is None:
        result.warnings.append(f"pagina nu a putut fi aliniată la șablonul {template.name} "
                               f"(scor {reg.score:.2f}); nu pare a fi fața unui certificat de concediu medical")
        return result
    if keep_ink:
        result.page_ink = page_ink
    model = load_model()
    reads = read_page(template, page_ink, model, dec.charset)
    on = _issue_day(template, reads)
    if not explicit:
        chosen = load_template(template_for_date(on))
        if chosen.name != template.name:  # same front, different option rows: reread the choices
            template = chosen
            result.template = chosen.name
            for f in template.fields:
                if f.kind in ("checkbox", "choice"):
                    reads[f.name] = read_options(f, page_ink)
    decoded = _decode_all(template, reads, on)
    dec.reconcile_leave(decoded)
    if page_ink.carbon:
        for name, d in decoded.items():
            if reads[name].writing == "hand" and not dec.proven(template.field(name)):
                d.confidence = round(d.confidence * CARBON_HAND, 3)
    record, values = _record(template, decoded, result.warnings)
    result.record = record
    for name, d in decoded.items():
        result.fields[name] = {"value": _json_value(values.get(name)), "confidence": d.confidence,
                               "raw": d.raw, "bbox_mm": [round(v, 2) for v in d.bbox_mm],
                               "flags": d.flags, **d.evidence}
        if "invalid" in d.flags or "multiple-marks" in d.flags or "inconsistent" in d.flags:
            result.warnings.append(f"câmpul {name}: citire nesigură ({', '.join(d.flags)})")
    filled = [d.confidence for d in decoded.values() if d.text is not None]
    result.confidence = round(min(filled) * reg.score if filled else 0.0, 3)
    if page_ink.strength < 0.5:
        result.warnings.append(f"scris slab (intensitate {page_ink.strength:.2f}): probabil o copie (roz/verde)")
    return result


def scan_file(path: str, template: str | None = None) -> list[PageResult]:
    """Every page of a scan file; an unreadable file raises InputError."""
    return [scan_page(p, template) for p in load_pages(path)]
