"""Templates: shape, coverage of the form, validation errors; record <-> form text conversions."""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from formproc.errors import InputError
from formproc.fieldvalues import (form_values, from_form, number_words, record_from_form, spelled,
                                  to_form)
from formproc.layout import BUILTIN_DIR, list_templates, load_template, template_for_date
from formproc.model import FIELD_NAMES, Certificate, read_records

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ("ccm-2022", "ccm-2025")
#: every item of ../shared/docs/form-layout.md that a record field holds
FORM_FIELDS = {
    "payerRefusalReason", "emergency", "contagious", "isEmergencyRecommendation", "continuation",
    "prevSerialCode", "prevSerialNo", "serialCode", "serialNo", "month", "year", "indemnCode",
    "insuredOrgUnit", "lastName", "firstName", "pid", "childPid", "address", "regNo", "certType",
    "ward", "issueDate", "days", "validFrom", "validTo", "diagCode", "diagType", "externDays",
    "externValidFrom", "externValidTo", "externDiagCode", "externDiagType", "unitType",
    "conventionNo", "conventionCas", "doctorName", "cui", "stencil", "cheifStencil", "casIssuer",
    "payerName", "payerAddress", "payerCui", "employeeCount", "insuredType", "paymentPercent",
    "prevention", "baseAmount", "baseDays", "dailyAverage", "indemnityAmount", "employerDays",
    "employerAmount", "fnuassDays", "fnuassAmount", "faambpDays", "faambpAmount", "expertNo",
    "expertDate", "expertName", "expertStencil", "pensionHouseDate", "dspDate", "maternName",
    "maternStencil",
}


def test_shipped_templates_load_with_the_issue_shape():
    assert set(TEMPLATES) <= set(list_templates())
    for name in TEMPLATES:
        tpl = load_template(name)
        data = tpl.to_dict()
        assert data["name"] == name and data["page"] == {"width_mm": 210, "height_mm": 297}
        for f in data["fields"]:
            assert {"name", "kind", "x", "y", "w", "h"} <= set(f), f
            assert f["kind"] in ("boxes", "text", "checkbox", "choice")
            assert ("cells" in f) == (f["kind"] == "boxes"), f["name"]
            assert ("options" in f) == (f["kind"] in ("checkbox", "choice")), f["name"]
        assert {f.name for f in tpl.fields} == FORM_FIELDS
        assert set(tpl.names) <= set(FIELD_NAMES)


def test_the_2022_file_is_complete_json_and_2025_only_changes_the_percent_row():
    raw = json.loads((BUILTIN_DIR / "ccm-2022.json").read_text(encoding="utf-8"))
    assert {"name", "page", "fields"} <= set(raw)
    old, new = load_template("ccm-2022"), load_template("ccm-2025")
    assert [o.value for o in old.field("paymentPercent").options] == [75, 80, 85, 100]
    assert [o.value for o in new.field("paymentPercent").options] == [55, 65, 75, 80, 85, 100]
    for tpl in (old, new):
        assert tpl.field("prevention").options[0].label == "Prevenire"
    changed = {f.name for f in new.fields if f != old.field(f.name)}
    assert changed == {"paymentPercent"}


def test_template_for_date():
    assert template_for_date(date(2025, 8, 1)) == "ccm-2025"
    assert template_for_date(date(2026, 1, 15)) == "ccm-2025"
    assert template_for_date(date(2025, 7, 31)) == "ccm-2022"
    assert template_for_date(date(2021, 5, 1)) == "ccm-2022"


@pytest.mark.parametrize("name", TEMPLATES)
def test_layout_suits_scanning(name):
    """Character cells at least 5 mm wide and 6 mm high, checkboxes 5 mm, 1.5 mm between fields."""
    tpl = load_template(name)
    areas = [(f.name, f) for f in tpl.fields] + [(f"{f.name} words", f.spelled) for f in tpl.fields if f.spelled]
    for f in tpl.fields:
        if f.kind == "boxes":
            assert f.cell_width >= 5 and f.h >= 6, f.name
        for opt in f.options:
            if f.mark == "x":
                assert opt.w >= 5 and opt.h >= 5, f.name
    for i, (a, ra) in enumerate(areas):
        for b, rb in areas[i + 1:]:
            gap = max(rb.x - ra.x2, ra.x - rb.x2, rb.y - ra.y2, ra.y - rb.y2)
            assert gap >= 1.5 - 1e-9, (a, b, gap)


def _write(tmp_path: Path, data: dict, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _base() -> dict:
    return json.loads((BUILTIN_DIR / "ccm-2022.json").read_text(encoding="utf-8"))


def _with_field(data: dict, target: str, **changes) -> dict:
    for f in data["fields"]:
        if f["name"] == target:
            f.update(changes)
    return data


@pytest.mark.parametrize("change, message", [
    (lambda d: _with_field(d, "pid", x=190), "field 'pid': box (190"),
    (lambda d: _with_field(d, "pid", y=-3), "field 'pid': box"),
    (lambda d: _with_field(d, "childPid", x=58, y=70), "field 'pid' overlaps field 'childPid'"),
    (lambda d: _with_field(d, "pid", name="cnp"), "field 'cnp': not a canonical record field"),
    (lambda d: _with_field(d, "childPid", name="pid"), "field 'pid'"),
    (lambda d: _with_field(d, "issueDate", format=None), "field 'issueDate': date fields"),
    (lambda d: _with_field(d, "pid", cells=None), "field 'pid': a boxes field needs 'cells'"),
    (lambda d: _with_field(d, "pid", kind="grid"), "field 'pid': kind"),
    (lambda d: _with_field(d, "diagType", options=[{"value": "7", "x": 185, "y": 110, "w": 5, "h": 5}]),
     "field 'diagType': option value '7'"),
    (lambda d: _with_field(d, "continuation", w=8, h=8, options=[{"value": False, "x": 163, "y": 5, "w": 5, "h": 5},
                                                       {"value": True, "x": 165, "y": 7, "w": 5, "h": 5}]),
     "field 'continuation': options False and True overlap"),
    (lambda d: _with_field(d, "month", spelled={"x": 40, "y": 46, "w": 30, "h": 6, "format": "month-name"}),
     "field 'month' overlaps field 'month words'".replace(" words", " (spelled)")),
])
def test_validation_errors_name_the_field(tmp_path, change, message):
    path = _write(tmp_path, change(_base()))
    with pytest.raises(InputError) as err:
        load_template(str(path))
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_extends_replaces_fields_by_name_and_detects_cycles(tmp_path):
    base = _write(tmp_path, _base(), "base.json")
    child = {"name": "mine", "extends": "base", "fields": [{"name": "regNo", "kind": "boxes", "x": 31, "y": 100,
                                                            "w": 30, "h": 6, "cells": 6}]}
    tpl = load_template(str(_write(tmp_path, child, "mine.json")))
    assert tpl.name == "mine" and tpl.field("regNo").cells == 6 and len(tpl.fields) == len(load_template(str(base)).fields)
    changed = _with_field(_base(), "pid", x=57)
    changed["fields"] = [f for f in changed["fields"] if f["name"] != "ward"]
    base.write_text(json.dumps(changed), encoding="utf-8")  # a change in the parent reaches the child
    os.utime(base, ns=(base.stat().st_mtime_ns + 10**9,) * 2)
    tpl = load_template(str(tmp_path / "mine.json"))
    assert tpl.field("pid").x == 57 and "ward" not in tpl.names
    child["removeFields"] = ["childPid"]
    assert "childPid" not in load_template(str(_write(tmp_path, child, "mine2.json"))).names
    _write(tmp_path, {"name": "a", "extends": "b", "fields": []}, "a.json")
    _write(tmp_path, {"name": "b", "extends": "a", "fields": []}, "b.json")
    with pytest.raises(InputError, match="extends itself"):
        load_template(str(tmp_path / "a.json"))


def test_unreadable_template_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_template(str(bad))
    with pytest.raises(InputError, match="template file not found"):
        load_template(str(tmp_path / "none.json"))
    with pytest.raises(InputError, match="unknown template 'ccm-1999'"):
        load_template("ccm-1999")
    yml = tmp_path / "y.yaml"
    yml.write_text("name: y\npage: {width_mm: 100, height_mm: 100}\nfields:\n"
                   "  - {name: pid, kind: boxes, x: 1, y: 1, w: 65, h: 6, cells: 13}\n", encoding="utf-8")
    assert load_template(str(yml)).field("pid").cells == 13


# ---- record <-> form text


def test_dates_months_years_codes_and_money():
    tpl = load_template("ccm-2025")
    rec = Certificate(issueDate="2026-03-05", month=3, year=2026, indemnCode="1", days=4,
                      baseAmount="1234.5", lastName="Ştefănescu", stencil="a1b2c3", certType="EX")
    assert to_form(rec, tpl.field("issueDate")) == "050326"
    assert to_form(rec, tpl.field("month")) == "03"
    assert to_form(rec, tpl.field("year")) == "26"
    assert to_form(rec, tpl.field("indemnCode")) == "01"
    assert to_form(rec, tpl.field("days")) == "4"
    assert to_form(rec, tpl.field("baseAmount")) == "1234,50"
    assert to_form(rec, tpl.field("lastName")) == "ȘTEFĂNESCU"
    assert to_form(rec, tpl.field("stencil")) == "A1B2C3"
    assert to_form(rec, tpl.field("certType")) == "IN"  # EX strikes "Ambulator" like IN
    assert to_form(rec, tpl.field("pid")) is None
    assert spelled(rec, tpl.field("month")) == "martie"
    assert spelled(rec, tpl.field("indemnCode")) == "unu"
    assert from_form(tpl.field("issueDate"), "05.03.26") == date(2026, 3, 5)
    assert from_form(tpl.field("year"), "26") == 2026
    assert from_form(tpl.field("month"), "03") == 3
    assert from_form(tpl.field("baseAmount"), "1.234,50") == Decimal("1234.50")
    assert from_form(tpl.field("baseAmount"), "1234.5") == Decimal("1234.50")
    assert from_form(tpl.field("paymentPercent"), 55) == 55
    assert from_form(tpl.field("continuation"), False) is False
    assert from_form(tpl.field("pid"), "  ") is None
    assert [number_words(n) for n in (1, 8, 15, 17, 51, 92)] == [
        "unu", "opt", "cincisprezece", "șaptesprezece", "cincizeci și unu", "nouăzeci și doi"]


def test_unreadable_form_text_names_the_field():
    tpl = load_template("ccm-2022")
    with pytest.raises(InputError, match="issueDate: '310226' cannot be read as DDMMYY"):
        from_form(tpl.field("issueDate"), "310226")
    with pytest.raises(InputError, match="month"):
        from_form(tpl.field("month"), "13")
    with pytest.raises(InputError, match="paymentPercent: 55 is not one of the boxes"):
        from_form(tpl.field("paymentPercent"), 55)


def test_values_without_a_place_on_the_form_are_refused():
    old = load_template("ccm-2022")
    with pytest.raises(InputError, match="paymentPercent: value 55 has no box on this form"):
        to_form(Certificate(paymentPercent=55), old.field("paymentPercent"))
    with pytest.raises(InputError, match="diagType: value 3 has no box"):
        to_form(Certificate(diagType="3"), old.field("diagType"))
    with pytest.raises(InputError, match="lastName: .* has 17 characters, the form has 16 boxes"):
        to_form(Certificate(lastName="A" * 17), old.field("lastName"))
    assert to_form(Certificate(prevention=False), old.field("prevention")) is None


def test_sample_records_survive_form_and_back():
    tpl = load_template("ccm-2025")
    for rec in read_records(str(ROOT / "samples" / "records.json")):
        back = record_from_form(tpl, form_values(rec, tpl))
        on_form = {k: v for k, v in rec.model_dump(exclude_none=True).items() if k in tpl.names}
        assert back == on_form


def test_discharge_row_turns_a_struck_ambulator_into_ex():
    tpl = load_template("ccm-2022")
    assert record_from_form(tpl, {"certType": "IN"})["certType"] == "IN"
    assert record_from_form(tpl, {"certType": "IN", "externDays": "5"})["certType"] == "EX"
    assert record_from_form(tpl, {"certType": "AM", "externDays": "5"})["certType"] == "AM"
