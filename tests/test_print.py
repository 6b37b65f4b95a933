"""Printing: every field's ink lands inside its box and nowhere else; refusals; profiles; CLI."""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from formproc.cli import main
from formproc.errors import InputError
from formproc.layout import FieldSpec, Rect, Template, load_template
from formproc.model import Certificate, read_records
from formproc.render.blank import render_blank
from formproc.render.calibration import render_calibration
from formproc.render.pen import font
from formproc.render.printing import render_records
from formproc.render.textbox import PAD, wrap
from formproc.render.profile import PrinterProfile, dumps_profile, load_profile, parse_profile
from formproc.render.raster import ink_masks, page_images

ROOT = Path(__file__).resolve().parent.parent
DPI = 100
PX = DPI / 25.4  # pixels per mm
SLACK = 0.35  # mm of anti-aliasing allowed around a box
TEMPLATES = ("ccm-2022", "ccm-2025")


def _valid(name: str, value) -> bool:
    try:
        Certificate(**{name: value})
    except ValidationError:
        return False
    return True


def _text_filling(field: FieldSpec, limit: int | None) -> str:
    """The longest run of wide words (with diacritics) that still fits the text box."""
    regular = font("DejaVuSans")
    words, best = ["ȘȚĂÎÂ", "WMWM", "Mâine", "Țară"], ""
    for i in range(200):
        trial = f"{best} {words[i % len(words)]}".strip()
        if len(wrap(trial, regular, field.size or 9, field.w - 2 * PAD)) > field.lines:
            break
        if limit and len(trial) > limit:
            break
        best = trial
    return best


def full_values(field: FieldSpec) -> list:
    """Record values that fill the field completely (every option, for checkboxes/choices)."""
    if field.kind in ("checkbox", "choice"):
        return [opt.value for opt in field.options]
    limit = Certificate.model_fields[field.name].metadata
    max_len = next((m.max_length for m in limit if getattr(m, "max_length", None)), None)
    fmt = field.format
    if fmt == "DDMMYY":
        return [date(2028, 12, 28)]
    if fmt == "MM":
        return [12]
    if fmt == "YY":
        return [2088]
    if fmt == "NN":
        return ["15"]
    if fmt == "int":
        return [next(v for v in (int("9" * field.cells), 366, 99) if _valid(field.name, v))]
    if fmt == "money":
        return [Decimal("99999999.99")]
    if field.kind == "boxes":
        return [("ȘWĂ0MÎ8Ț" * 10)[:min(field.cells, max_len or field.cells)]]
    return [_text_filling(field, max_len)]


def _bbox(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return xs.min() / PX, ys.min() / PX, (xs.max() + 1) / PX, (ys.max() + 1) / PX


def _region(shape, rect: Rect, slack: float = SLACK) -> np.ndarray:
    m = np.zeros(shape, bool)
    m[max(0, int((rect.y - slack) * PX)):int(math.ceil((rect.y2 + slack) * PX)),
      max(0, int((rect.x - slack) * PX)):int(math.ceil((rect.x2 + slack) * PX))] = True
    return m


def _cases(tpl: Template):
    for field in tpl.fields:
        if field.preprinted:
            continue
        for value in full_values(field):
            yield field, value


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_field_prints_inside_its_box_and_nowhere_else(name):
    tpl = load_template(name)
    cases = list(_cases(tpl))
    records = [Certificate(**{f.name: v}) for f, v in cases]
    masks = ink_masks(render_records(records, tpl), DPI)
    assert len(masks) == len(cases)
    for (field, value), ink in zip(cases, masks):
        allowed = [field.option_for(value)] if field.options else [field]
        if field.spelled:
            allowed.append(field.spelled)
        inside = np.zeros(ink.shape, bool)
        for rect in allowed:
            inside |= _region(ink.shape, rect)
        stray = ink & ~inside
        assert not stray.any(), f"{name} {field.name}={value!r}: ink outside its box at {_bbox(stray)}"
        for rect in allowed:
            assert (ink & _region(ink.shape, rect, 0)).any(), f"{name} {field.name}: no ink in {rect}"
        if field.kind == "boxes":  # a full value: one character centred in every cell
            for cell in field.cell_rects():
                core = Rect(x=cell.x + 0.6, y=cell.y + 0.6, w=cell.w - 1.2, h=cell.h - 1.2)
                assert (ink & _region(ink.shape, core, 0)).any(), f"{name} {field.name}: empty cell {cell}"
                edge = _region(ink.shape, cell, 0) & ~_region(ink.shape, cell, -0.25)
                assert not (ink & edge).any(), f"{name} {field.name}: character touches its cell edge"


def test_preprinted_series_is_not_printed_on_the_sheet_but_shown_on_the_background():
    tpl = load_template("ccm-2022")
    rec = Certificate(serialCode="CCMAT", serialNo="4512301")
    data_only, = ink_masks(render_records([rec], tpl), DPI)
    assert not data_only.any()
    preview, = page_images(render_records([rec], tpl, background=True), DPI)
    serial = np.asarray(preview)[_region(data_only.shape, tpl.field("serialNo"), 0)]
    assert ((serial[:, 0] > 150) & (serial[:, 1] < 90)).sum() > 50  # red digits


def test_annulled_prints_anulat_alone_and_duplicate_prints_its_origin():
    tpl = load_template("ccm-2025")
    annulled = Certificate(status="annulled", lastName="POP", pid="1791123220059")
    dup = Certificate(duplicate=1, duplSerialCode="CCMAT", duplSerialNo="4512301", issueDate="2026-10-09",
                      lastName="POP")
    ann_ink, dup_ink = ink_masks(render_records([annulled, dup], tpl), DPI)
    assert ann_ink.sum() > 2000 and not (ann_ink & ~_region(ann_ink.shape, tpl.marks["annulled"])).any()
    allowed = _region(dup_ink.shape, tpl.marks["duplicate"]) | _region(dup_ink.shape, tpl.field("lastName")) \
        | _region(dup_ink.shape, tpl.field("issueDate"))
    assert (dup_ink & _region(dup_ink.shape, tpl.marks["duplicate"], 0)).sum() > 200
    assert not (dup_ink & ~allowed).any()
    with pytest.raises(InputError, match="duplSerialNo: a duplicate needs"):
        render_records([Certificate(duplicate=1, issueDate="2026-10-09")], tpl)


@pytest.mark.parametrize("record, template, message", [
    ({"lastName": "CONSTANTINESCU-POPESCU"}, "ccm-2022", "lastName: 'CONSTANTINESCU-POPESCU' has 22 characters"),
    ({"paymentPercent": 55}, "ccm-2022", "paymentPercent: value 55 has no box"),
    ({"paymentPercent": 90}, "ccm-2025", "paymentPercent: value 90 has no box"),
    ({"address": "Strada Foarte Lungă " * 12}, "ccm-2025", "address: 'Strada Foarte Lungă"),
    ({"doctorName": "Dr. " + "Popescu-Ionescu " * 4}, "ccm-2025", "doctorName: "),
])
def test_values_that_do_not_fit_are_refused_naming_the_field(record, template, message):
    with pytest.raises(InputError) as err:
        render_records([Certificate(**record)], load_template(template))
    assert message in str(err.value)


def test_pages_are_a4_at_one_to_one_with_embedded_fonts():
    recs = read_records(str(ROOT / "samples" / "records.json"))
    pdf = render_records(recs, background=True)  # template chosen by issue date
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == len(recs)
    for page in doc:
        assert page.get_size() == pytest.approx((595.2756, 841.8898), abs=0.01)
    text = doc[0].get_textpage().get_text_range()
    assert "Numele și prenumele" in text and "PLĂTITORULUI" in text and "ȘTEFĂNESCU" not in text
    assert b"/FontFile2" in pdf  # TrueType embedded
    assert b"/Helvetica" not in pdf


def _ink_box(record: Certificate, tpl: Template, profile: PrinterProfile | None, field: str):
    ink, = ink_masks(render_records([record], tpl, profile=profile), DPI)
    region = _region(ink.shape, Rect(x=tpl.field(field).x - 12, y=tpl.field(field).y - 12,
                                     w=tpl.field(field).w + 24, h=tpl.field(field).h + 24))
    return _bbox(ink & region)


def test_profile_offsets_scale_rotation_and_nudges_move_the_ink():
    tpl = load_template("ccm-2025")
    rec = Certificate(pid="1791123220059", stencil="A1B2C3")
    base = _ink_box(rec, tpl, None, "pid")
    moved = _ink_box(rec, tpl, PrinterProfile(offset_x_mm=3, offset_y_mm=-2), "pid")
    assert moved[0] - base[0] == pytest.approx(3, abs=0.3) and moved[1] - base[1] == pytest.approx(-2, abs=0.3)
    scaled = _ink_box(rec, tpl, PrinterProfile(scale_x=1.02), "pid")
    assert scaled[0] - base[0] == pytest.approx(base[0] * 0.02, abs=0.3)
    turned = PrinterProfile(rotation_deg=1.0)
    cx, cy = (base[0] + base[2]) / 2, (base[1] + base[3]) / 2
    rot = _ink_box(rec, tpl, turned, "pid")
    expect = turned.apply(cx, cy, tpl.page)
    assert ((rot[0] + rot[2]) / 2, (rot[1] + rot[3]) / 2) == pytest.approx(expect, abs=0.4)
    nudged = PrinterProfile(nudges={"pid": {"x": 1.5, "y": 1}})
    assert _ink_box(rec, tpl, nudged, "pid")[:2] == pytest.approx((base[0] + 1.5, base[1] + 1), abs=0.3)
    assert _ink_box(rec, tpl, nudged, "stencil") == _ink_box(rec, tpl, None, "stencil")


def test_profile_files_are_validated(tmp_path, formproc_home):
    with pytest.raises(InputError, match="'offset_x_mm': Input should be less than or equal to 30"):
        parse_profile('{"offset_x_mm": 45}')
    with pytest.raises(InputError, match="'speed': Extra inputs"):
        parse_profile('{"speed": 3}')
    with pytest.raises(InputError, match="not valid JSON"):
        parse_profile("{offset")
    with pytest.raises(InputError, match="'nudges.pid.x'"):
        parse_profile('{"nudges": {"pid": {"x": "left"}}}')
    with pytest.raises(InputError, match="not found"):
        load_profile("lq690")
    (formproc_home / "printers").mkdir(parents=True)
    (formproc_home / "printers" / "lq690.json").write_text('{"offset_y_mm": 1.5, "nudges": {"cnp": {"x": 1}}}')
    prof = load_profile("lq690")
    assert prof.name == "lq690" and prof.offset_y_mm == 1.5
    assert parse_profile(dumps_profile(prof)) == prof
    with pytest.raises(InputError, match="nudges name field 'cnp'"):
        render_records([Certificate(pid="1791123220059")], load_template("ccm-2022"), profile=prof)


def test_blank_and_calibration_sheets_show_the_form(tmp_path):
    tpl = load_template("ccm-2022")
    blank = page_images(render_blank(tpl), DPI)[0]
    rgb = np.asarray(blank).astype(int)
    pink = (rgb[:, :, 0] > 200) & (rgb[:, :, 1] < 200) & (rgb[:, :, 2] > 150)
    cy, cx = int(tpl.drawing.rosette.cy * PX), int(tpl.drawing.rosette.cx * PX)
    assert pink[cy - 150:cy + 150, cx - 150:cx + 150].sum() > 2000  # the rosette in the centre
    dark = rgb.sum(axis=2) < 300
    for cell in tpl.field("pid").cell_rects():  # every cell outline drawn
        assert dark[int(cell.y * PX) - 1:int(cell.y * PX) + 2, int((cell.x + cell.w / 2) * PX)].any()
    cal, = ink_masks(render_calibration(tpl), DPI)
    assert cal[:int(3 * PX), :].sum() > 200  # the top ruler
    shifted, = ink_masks(render_calibration(tpl, PrinterProfile(offset_x_mm=5)), DPI)
    assert _bbox(shifted)[0] == pytest.approx(_bbox(cal)[0] + 5, abs=0.3)


def test_cli_blank_print_calibrate(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    for argv in (["blank", "--template", "ccm-2025", "-o", str(out)],
                 ["print", str(ROOT / "samples" / "records.json"), "-o", str(out), "--background"],
                 ["calibrate", "--template", "ccm-2022", "-o", str(out)]):
        out.unlink(missing_ok=True)
        with pytest.raises(SystemExit) as code:
            main(argv)
        assert code.value.code in (0, None) and out.read_bytes().startswith(b"%PDF")
    bad = tmp_path / "long.json"
    bad.write_text(json.dumps([{"issueDate": "2026-01-05", "lastName": "X" * 30}]))
    profile = tmp_path / "p.json"
    profile.write_text('{"rotation_deg": 9}')
    for argv, message in ((["print", str(bad), "-o", str(tmp_path / "no.pdf")], "lastName"),
                          (["print", str(ROOT / "samples" / "records.json"), "-o", str(tmp_path / "no.pdf"),
                            "--profile", str(profile)], "rotation_deg"),
                          (["blank", "--template", "ccm-1990", "-o", str(tmp_path / "no.pdf")], "unknown template"),
                          (["print", str(tmp_path / "missing.json"), "-o", str(tmp_path / "no.pdf")], "not found")):
        with pytest.raises(SystemExit) as code:
            main(argv)
        err = capsys.readouterr().err
        assert code.value.code == 2 and message in err and len(err.strip().splitlines()) == 1
        assert not (tmp_path / "no.pdf").exists()


def test_wide_preprinted_series_is_set_smaller_inside_its_place():
    tpl = load_template("ccm-2025")
    spec = tpl.field("serialCode")
    rec = read_records(str(ROOT / "samples" / "records.json"))[0].model_copy(update={"serialCode": "CCMMM"})
    preview, = page_images(render_records([rec], tpl, background=True), 150)
    red = np.asarray(preview.convert("RGB")).astype(int)
    red = (red[:, :, 0] - red[:, :, 1] > 80) & (red[:, :, 0] > 150)
    px = 150 / 25.4
    inside = red[int(spec.y * px):int(spec.y2 * px), int(spec.x * px):int(spec.x2 * px)].sum()
    row = red[int(spec.y * px):int(spec.y2 * px)].sum()  # the series' band, number included
    beside = red[int(spec.y * px):int(spec.y2 * px), int(spec.x2 * px):int((spec.x2 + 6) * px)].sum()
    assert inside > 50 and beside == 0 and row > inside
