"""Reading hand corrections on generated corrected copies (formproc.reconcile.samples)."""

from __future__ import annotations

import json
from datetime import date

import cv2
import numpy as np
import pytest
from conftest import report_certificate

from formproc.cli import main
from formproc.layout import Rect, load_template, template_for_date
from formproc.reconcile.compare import compare, text_agrees
from formproc.reconcile.paper import read_page
from formproc.reconcile.samples import _hand_line, correctable, make_corrected
from formproc.reconcile.zones import MIN_TEXT_WIDTH, beside_zones, label_columns, writing_area
from formproc.scan import fonts
from formproc.scan.load import Page


def _record(n: int):
    return report_certificate(n, year=2025, month=3, diagCode="463", diagType="0", stencil="A12345")


def _read(sample, template):
    return read_page(Page("corectat.png", sample.image), template.name)


@pytest.fixture(scope="module")
def template():
    return load_template(template_for_date(_record(1).issueDate))


def test_zones_come_from_the_template_and_avoid_every_other_field(template):
    for name in ("validFrom", "diagCode", "pid", "stencil"):
        zones = beside_zones(template, name)
        assert zones, name
        for zone in zones:
            assert not any(zone.rect.overlaps(f) for f in template.fields if f.name != name)
    assert "lastName" not in correctable(template, _record(1))  # no room beside the name boxes


def test_struck_value_cells_and_checkbox_are_read_with_old_and_new_values(template):
    record = _record(3)
    whole = make_corrected(np.random.default_rng(1), template, record=record, fields=["validFrom", "diagType"],
                           values={"validFrom": "010325", "diagType": "2"}, styles=("strike",), paraph=True,
                           distort=False, copy="white")
    cells = make_corrected(np.random.default_rng(1), template, record=record, fields=["diagCode"],
                           values={"diagCode": "465"}, styles=("cells",), paraph=True, distort=False, copy="white")
    assert [c.style for c in whole.corrections + cells.corrections] == ["strike", "checkbox", "cells"]
    found = _read(cells, template).corrections
    assert set(found) == {"diagCode"} and found["diagCode"].style == "cells"
    assert found["diagCode"].new_text == "465" and found["diagCode"].old_text is not None
    reading = _read(whole, template)
    found = reading.corrections
    assert set(found) == {"validFrom", "diagType"}
    assert found["validFrom"].new_text == "010325" and found["validFrom"].style == "strike"
    assert found["diagType"].new_text == "2" and found["diagType"].old_text == "0"
    assert all(c.paraph and c.readable for c in found.values())
    # the stored record is the original print: only the corrected fields differ
    differences = {d.field: d for d in compare(reading, record)}
    assert set(differences) == {"validFrom", "diagType"}
    assert differences["validFrom"].paper == "2025-03-01" and differences["validFrom"].stored == "2025-03-04"
    assert differences["diagType"].paper == "2" and differences["diagType"].corrected_on_paper


def test_a_correction_without_paraph_is_reported_on_a_carbon_copy(template):
    record = _record(5)
    sample = make_corrected(np.random.default_rng(2), template, record=record, fields=["stencil"],
                            values={"stencil": "A12845"}, paraph=False, distort=False, copy="pink")
    reading = _read(sample, template)
    assert set(reading.corrections) == {"stencil"}
    c = reading.corrections["stencil"]
    assert c.new_text == "A12845" and not c.paraph and "no-paraph" in c.flags
    assert any("stencil" in w and "parafă" in w for w in reading.warnings)
    (difference,) = compare(reading, record)
    assert difference.field == "stencil" and difference.warnings


def test_a_scanned_photo_like_copy_is_still_reconciled(template):
    record = _record(7)
    sample = make_corrected(np.random.default_rng(5), template, record=record, fields=["validTo", "days"],
                            values={"validTo": "090325", "days": "3"}, paraph=True, distort=True, copy="green")
    reading = _read(sample, template)
    assert reading.aligned
    assert {k: c.new_text for k, c in reading.corrections.items()} == {"validTo": "090325", "days": "3"}


def test_an_uncorrected_print_has_no_corrections_and_agrees(template, tmp_path, capsys):
    record = _record(9)
    sample = make_corrected(np.random.default_rng(3), template, record=record, fields=[], distort=False,
                            copy="white")
    reading = _read(sample, template)
    assert reading.corrections == {}
    assert compare(reading, record) == []
    scan, stored = tmp_path / "copie.png", tmp_path / "record.json"
    cv2.imwrite(str(scan), cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))
    stored.write_text(json.dumps(record.to_json_dict()))
    with pytest.raises(SystemExit) as done:
        main(["reconcile", str(scan), "--record", str(stored), "--template", template.name])
    assert done.value.code in (0, None) and json.loads(capsys.readouterr().out) == []


def test_annulled_and_duplicate_sheets(template):
    record = _record(11)
    annulled = _read(make_corrected(np.random.default_rng(4), template, record=record.model_copy(
        update={"status": "annulled"}), fields=[], distort=False, copy="white"), template)
    assert annulled.annulled
    assert [d.field for d in compare(annulled, record)] == ["status"]
    dup = record.model_copy(update={"serialNo": "7654321", "duplicate": 1, "duplSerialCode": record.serialCode,
                                    "duplSerialNo": record.serialNo})
    reading = _read(make_corrected(np.random.default_rng(4), template, record=dup, fields=[], distort=False,
                                   copy="white"), template)
    assert not reading.annulled
    assert reading.duplicate and reading.duplicate["duplSerialNo"] == record.serialNo
    differences = {d.field: d.paper for d in compare(reading, record)}
    assert differences["duplicate"] == 1 and differences["serialNo"] == "7654321"


@pytest.mark.parametrize("sides", ["top bottom left right", "bottom right", "top left"])
def test_signed_stamps_in_the_anulat_place_are_no_anulat(template, sides):
    """Paraph stamps (a frame with a signature across it, its loops standing out of the frame),
    each as tall as a letter of ANULAT, are no ANULAT however many lie where it would be written,
    nor when a faint copy kept only two of each frame's sides."""
    from formproc.reconcile.paper import detect_marks
    from formproc.scan.clean import CleanPage

    ink, form, px = _page(template)
    mark = template.marks["annulled"]
    for k in range(4):
        x0, y0 = mark.x + 10 + 30 * k, mark.y + 10 + 20 * k
        x1, y1 = x0 + 22, y0 + 8.5
        ends = {"top": ((x0, y0), (x1, y0)), "bottom": ((x0, y1), (x1, y1)), "left": ((x0, y0), (x0, y1)),
                "right": ((x1, y0), (x1, y1))}
        for side in sides.split():
            (a, b), (c, d) = ends[side]
            cv2.line(ink, (int(a * px), int(b * px)), (int(c * px), int(d * px)), 1.0, 3)
        t = np.linspace(0, 1, 60)
        wave = np.stack([(x0 + 1 + t * 20) * px, (y0 + 3.5 + 5.0 * np.sin(t * 14)) * px], axis=1)
        cv2.polylines(ink, [wave.astype(np.int32)], False, 1.0, 3)
    page = CleanPage(ink, form, 1.0, (250, 250, 250), np.full(ink.shape + (3,), 250, np.uint8))
    assert detect_marks(template, page) == (False, None)


def test_sample_command_writes_corrected_copies_with_old_and_new_truth(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["sample", "--template", "ccm-2025", "--count", "2", "--seed", "4", "-o", str(tmp_path), "--corrected"])
    assert done.value.code in (0, None)
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert [t["image"] for t in truth] == ["0001.png", "0002.png"] and (tmp_path / "0002.png").is_file()
    for t in truth:
        assert t["corrections"] and t["original"] != t["record"]
        for c in t["corrections"]:
            assert c["style"] in ("strike", "cells", "overwrite", "checkbox", "text") and c["old"] != c["new"]


def test_sample_command_writes_sheets_annulled_by_hand_that_reconcile_reads_as_annulled(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["sample", "--template", "ccm-2025", "--count", "1", "--seed", "6", "-o", str(tmp_path), "--corrected",
              "--annulled"])
    assert done.value.code in (0, None)
    capsys.readouterr()
    (truth,) = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert truth["corrections"] == [] and truth["annulled"] == "hand" and truth["record"]["status"] == "annulled"
    assert truth["original"].get("status", "issued") != "annulled"
    original = tmp_path / "original.json"
    original.write_text(json.dumps(truth["original"], ensure_ascii=False))
    with pytest.raises(SystemExit) as done:
        main(["reconcile", str(tmp_path / "0001.png"), "--record", str(original), "--template", "ccm-2025"])
    assert done.value.code == 1
    differences = json.loads(capsys.readouterr().out)
    assert [(d["field"], d["paper"]) for d in differences] == [("status", "annulled")]
    with pytest.raises(SystemExit) as done:
        main(["sample", "--template", "ccm-2025", "--count", "1", "-o", str(tmp_path / "x"), "--annulled"])
    assert done.value.code == 2 and not (tmp_path / "x").exists()


def test_struck_free_text_is_corrected_with_the_new_text_read_unsurely(template):
    record = _record(11).model_copy(update={"unitType": "Policlinica Centru", "doctorName": "Dr. Matei Sorin"})
    sample = make_corrected(np.random.default_rng(3), template, record=record, fields=["unitType", "doctorName"],
                            values={"unitType": "Spitalul Municipal", "doctorName": "Dr. Radu Mihai"}, paraph=True,
                            distort=False, copy="white")
    assert [c.style for c in sample.corrections] == ["text", "text"]
    reading = _read(sample, template)
    assert set(reading.corrections) == {"unitType", "doctorName"}
    for c in reading.corrections.values():
        assert c.style == "text" and c.new_confidence < 0.5 and c.paraph
    assert text_agrees(reading.corrections["doctorName"].new_text, "Dr. Radu Mihai")  # a hand font may be all capitals
    differences = {d.field: d for d in compare(reading, record)}
    assert set(differences) == {"unitType", "doctorName"}  # never taken as agreeing with the struck text
    assert all(d.corrected_on_paper for d in differences.values())
    assert text_agrees(differences["doctorName"].paper, "Dr. Radu Mihai") and differences["doctorName"].acceptable


def test_free_text_strikes_need_a_pen_line_past_the_words(template):
    from formproc.reconcile.detect import _text_strike
    from formproc.scan.clean import CleanPage

    ink, form, px = _page(template)
    spec = template.field("unitType")
    y0, x0 = int((spec.y + 1.5) * px), int((spec.x + 2) * px)
    for x in range(x0, x0 + int(20 * px), 8):  # printed letters' stems, 2 px wide, 20 mm of words
        ink[y0:y0 + int(1.6 * px), x:x + 2] = 1.0
    page = CleanPage(ink, form, 1.0, (250, 250, 250), np.zeros(ink.shape + (3,), np.uint8))
    assert _text_strike(page, spec) is None
    feet = ink.copy()
    feet[y0 + int(1.2 * px), x0 - int(1.5 * px):x0 + int(21 * px)] = 1.0  # a hair line: one pixel thick
    assert _text_strike(CleanPage(feet, form, 1.0, (250, 250, 250), page.rgb), spec) is None
    inside = ink.copy()
    inside[y0 + int(0.6 * px):y0 + int(0.6 * px) + 3, x0 + int(3 * px):x0 + int(15 * px)] = 1.0  # within the words
    assert _text_strike(CleanPage(inside, form, 1.0, (250, 250, 250), page.rgb), spec) is None
    struck = ink.copy()
    struck[y0 + int(0.6 * px):y0 + int(0.6 * px) + 3, x0 - int(1.5 * px):x0 + int(21 * px)] = 1.0
    found = _text_strike(CleanPage(struck, form, 1.0, (250, 250, 250), page.rgb), spec)
    assert found is not None
    line, left, right = found
    assert line.x0 < left < line.x0 + 2.0 and line.x1 - 2.0 < right < line.x1
    assert abs(line.y - (y0 + int(0.6 * px) + 1.5) / px) < 0.3


def test_a_dotted_rule_left_by_the_cleaning_is_no_struck_word(template):
    """The field's dotted rule, where the cleaning missed it, runs on past the struck words: it
    must not make a strike through all the words look like a strike through some of them."""
    from formproc.reconcile.detect import _text_strike
    from formproc.scan.clean import CleanPage

    ink, form, px = _page(template)
    spec = template.field("unitType")
    y0, x0 = int((spec.y + 1.5) * px), int((spec.x + 2) * px)
    for x in range(x0, x0 + int(20 * px), 8):  # 20 mm of printed words
        ink[y0:y0 + int(1.6 * px), x:x + 2] = 1.0
    ink[y0 + int(0.6 * px):y0 + int(0.6 * px) + 3, x0 - int(1.5 * px):x0 + int(21 * px)] = 1.0  # the strike
    rule = y0 + int(1.6 * px) + 2  # below the words' feet, within WORDS_MM of the strike
    ink[rule:rule + 2, x0:x0 + int(80 * px):7] = 1.0  # its dots: 2 px square, 7 px apart
    ink[rule:rule + 2, x0 + 1:x0 + int(80 * px):7] = 1.0
    found = _text_strike(CleanPage(ink, form, 1.0, (250, 250, 250), np.zeros(ink.shape + (3,), np.uint8)), spec)
    assert found is not None
    line, left, right = found
    assert line.x1 - 2.0 < right < line.x1


def _page(template):
    from formproc.scan.register import PX_PER_MM

    h, w = int(template.page[1] * PX_PER_MM), int(template.page[0] * PX_PER_MM)
    return np.zeros((h, w), np.float32), np.zeros((h, w), bool), PX_PER_MM


def test_strikes_are_found_box_by_box_and_fitted_on_the_page(template):
    from formproc.reconcile.detect import _without_strikes, find_strikes

    spec = template.field("validTo")
    ink, form, px = _page(template)
    y = spec.y + spec.h / 2
    # a slanted line through the whole value
    cv2.line(ink, (int((spec.x - 1) * px), int((y - 0.8) * px)), (int((spec.x2 + 1) * px), int((y + 0.8) * px)), 1.0, 3)
    (whole,) = find_strikes(ink, form, spec)
    assert whole.cells == list(range(6)) and abs(whole.slope - 1.6 / (spec.w + 2)) < 0.01
    assert not (_without_strikes(ink, [whole], 0.1) > 0.35).any()
    # two neighbouring boxes struck each on its own, the second line a little lower, the others not
    ink[:] = 0
    for i, dy in ((2, 0.0), (3, 0.7)):
        c = spec.cell_rects()[i]
        cv2.line(ink, (int((c.x - 0.6) * px), int((y + dy) * px)), (int((c.x2 + 0.6) * px), int((y + dy) * px)), 1.0, 3)
    assert sorted(i for st in find_strikes(ink, form, spec) for i in st.cells) == [2, 3]


def test_writing_beside_the_boxes_leaves_out_ink_reaching_in_from_outside(template):
    from formproc.layout import Rect
    from formproc.reconcile.chars import writing_in

    spec = template.field("validTo")
    ink, _, px = _page(template)
    zone = Rect(x=spec.x, y=spec.y2 + 0.4, w=spec.w, h=4.5)
    seven = np.zeros(ink.shape, np.uint8)
    cv2.putText(seven, "7", (int((zone.x + 1) * px), int((zone.y + 4) * px)), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2)
    ink[seven > 0] = 1.0
    # a signature's loop dipping into the place from below, and a long flat line across it
    cv2.ellipse(ink, (int((zone.x + 15) * px), int((zone.y2 + 3) * px)), (int(4 * px), int(5 * px)), 0, 0, 360, 1.0, 2)
    cv2.line(ink, (int((zone.x + 7) * px), int((zone.y + 2) * px)), (int((zone.x2 - 1) * px), int((zone.y + 2.5) * px)),
             1.0, 2)
    crop, mask = writing_in(ink, zone, spec.cell_width)
    ys, xs = np.nonzero(mask)
    assert mask.any() and xs.max() / px < 1 + spec.cell_width + 1.0  # the 7 alone


def test_the_sheet_edge_in_the_duplicat_box_is_no_duplicate(template):
    from formproc.reconcile.paper import detect_marks
    from formproc.scan.clean import CleanPage

    ink, form, px = _page(template)
    mark = template.marks["duplicate"]
    # a skewed scan: the dark beyond the sheet's edge runs down the box's right side
    ink[int(mark.y * px) - 5:int(mark.y2 * px) + 5, int((mark.x2 - 3) * px):int(mark.x2 * px) + 5] = 1.0
    page = CleanPage(ink, form, 1.0, (250, 250, 250), np.full(ink.shape + (3,), 250, np.uint8))
    assert detect_marks(template, page) == (False, None)
    ink[int((mark.y + 4) * px):int((mark.y + 9) * px), int((mark.x + 3) * px):int((mark.x + 25) * px)] = 1.0
    assert detect_marks(template, page)[1] is not None  # writing in it still makes it a duplicate


def test_what_lies_off_the_scan_is_unreadable(template):
    record = _record(13).model_copy(update={"serialNo": "7654321", "duplicate": 1, "duplSerialCode": "CCMAB",
                                            "duplSerialNo": "1234567"})
    sample = make_corrected(np.random.default_rng(6), template, record=record, fields=[], distort=False,
                            copy="white")
    px = sample.image.shape[1] / template.page[0]
    cut = sample.image[int(9 * px):]  # the sheet's top 9 mm, with half the DUPLICAT box, not scanned
    reading = read_page(Page("taiat.png", np.ascontiguousarray(cut)), template.name)
    assert reading.aligned and reading.duplicate is None
    assert any("DUPLICAT" in w and "scanare" in w for w in reading.warnings)
    assert reading.values["pid"].readable and reading.values["pid"].value == record.pid  # on the scan: read


def test_a_strike_through_some_words_only_is_a_correction_that_cannot_be_read(template):
    from formproc.reconcile.detect import _text
    from formproc.reconcile.paper import _values
    from formproc.scan.clean import CleanPage

    ink, form, px = _page(template)
    spec = template.field("unitType")
    y0, x0 = int((spec.y + 1.5) * px), int((spec.x + 2) * px)
    for x in range(x0, x0 + int(40 * px), 8):  # 40 mm of printed words
        ink[y0:y0 + int(1.6 * px), x:x + 2] = 1.0
    ink[y0 + int(0.6 * px):y0 + int(0.6 * px) + 3, x0 + int(25 * px):x0 + int(41.5 * px)] = 1.0  # the last words
    page = CleanPage(ink, form, 1.0, (250, 250, 250), np.zeros(ink.shape + (3,), np.uint8))
    found = _text(template, spec, page, ink, ink, date(2025, 3, 1))
    assert found is not None and found.style == "text" and not found.readable and found.new_text is None
    assert "partial-strike" in found.flags
    value = _values(template, {"fields": {}, "record": {}}, {"unitType": found})["unitType"]
    assert value.corrected and not value.readable  # listed as unreadable, never as agreeing


def test_samples_never_write_one_correction_over_another(template):
    record = _record(13).model_copy(update={"unitType": "Policlinica Centru", "externDays": 5,
                                            "externValidFrom": date(2025, 3, 10), "externValidTo": date(2025, 3, 14)})
    values = {"unitType": "Spitalul Municipal", "externDays": "06"}
    sample = make_corrected(np.random.default_rng(8), template, record=record, fields=["unitType", "externDays"],
                            values=values, styles=("cells",), distort=False, copy="white")
    (unit,) = sample.corrections  # the place below externDays holds the new unit: externDays is left as it was
    assert unit.style == "text" and unit.where
    assert sample.corrected.externDays == 5 and sample.corrected.unitType == "Spitalul Municipal"
    other = make_corrected(np.random.default_rng(8), template, record=record, fields=["externDays", "unitType"],
                           values=values, styles=("cells",), distort=False, copy="white")
    (days,) = other.corrections  # externDays first, written below its boxes: the unit's only place is taken
    assert days.field == "externDays" and other.corrected.unitType == record.unitType


def test_a_new_text_goes_beside_a_heading_and_inside_the_frame(template):
    (payer,) = beside_zones(template, "payerName")  # above it: the bold SE COMPLETEAZĂ DE CĂTRE PLĂTITOR
    field = template.field("payerName")
    assert payer.rect.x > field.x + 30 and payer.rect.w >= MIN_TEXT_WIDTH
    assert not label_columns(template, payer.rect).any()
    assert label_columns(template, Rect(x=field.x, y=payer.rect.y, w=field.w, h=payer.rect.h)).any()
    frame = writing_area(template)
    for f in template.fields:
        assert all(frame.contains(z.rect) for z in beside_zones(template, f.name)), f.name
    assert [z.side for z in beside_zones(template, "cheifStencil")] == ["below", "above"]  # not over the frame


def test_samples_write_a_new_text_only_where_it_is_legible():
    font = fonts.available(fonts.HAND_FONTS)[0]
    text, px = "Centrul Medical Sănătatea", 200 / 25.4
    line, x0 = _hand_line(text, Rect(x=40.0, y=100.0, w=90.0, h=5.0), font, px, np.random.default_rng(1))
    assert line.shape[0] / px >= 2.5 and line.shape[1] / px <= 90.0
    # squeezed into 20 mm its capitals would be under 1.8 mm: a doctor writes it elsewhere
    assert _hand_line(text, Rect(x=40.0, y=100.0, w=20.0, h=5.0), font, px, np.random.default_rng(1)) is None


@pytest.mark.parametrize("seed", [0, 2])
def test_anulat_in_a_thin_pen_across_the_forms_lines_is_read(template, seed):
    # a fine pen's letters break where they cross the form's printed lines; they are joined there
    from formproc.scan import fonts

    kristi = next(f for f in fonts.available(fonts.HAND_FONTS) if "Kristi" in f)
    sample = make_corrected(np.random.default_rng(seed), template, annul=True, copy="white",
                            font=kristi, px_per_mm=300 / 25.4, distort=False)
    assert _read(sample, template).annulled


def _payer_record(seed: int, field: str, value: str):
    """A random certificate holding `field` (the payer's part for payer fields), set to `value`."""
    from formproc.sample import random_record

    rng = np.random.default_rng(seed)
    template = load_template("ccm-2025")
    while True:
        record = random_record(rng, template)
        if record.to_json_dict().get(field) is not None:
            return record.model_copy(update={field: type(getattr(record, field))(value)})


def test_a_value_struck_whole_is_read_from_the_writing_beside_not_box_by_box():
    """`32` struck through both boxes, `12` written below starting under the empty first box: read
    box by box it would keep a struck `2` (`822`); the whole value struck is replaced whole."""
    template = load_template("ccm-2025")
    sample = make_corrected(np.random.default_rng(14), template, record=_payer_record(14, "baseDays", "32"),
                            fields=["baseDays"], values={"baseDays": "12"}, styles=("strike",), copy="pink",
                            font="/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf", px_per_mm=200 / 25.4)
    found = _read(sample, template).corrections["baseDays"]
    assert found.new_text == "12" and found.old_text == "32"


def test_empty_boxes_of_a_legible_field_stay_empty_on_a_noisy_copy():
    """On a pink copy the page's noise in the empty boxes before `3051` is no faint writing."""
    template = load_template("ccm-2025")
    sample = make_corrected(np.random.default_rng(0), template, record=_payer_record(0, "employeeCount", "3051"),
                            fields=["employeeCount"], values={"employeeCount": "3059"}, styles=("cells",),
                            copy="pink", font="/usr/share/fonts/truetype/klee/KleeOne-SemiBold.ttf",
                            px_per_mm=200 / 25.4)
    found = _read(sample, template).corrections["employeeCount"]
    assert found.new_text == "3059"
    assert found.old_text is not None and found.old_text.startswith("305")  # the struck 1: a guess


def test_a_hole_in_a_hand_written_line_counts_its_lost_characters():
    """A letter written over the form's print goes with the print: the step it leaves between its
    neighbours is twice the line's usual one (CGMJX read CGMX, Kristi over "certificatului")."""
    from formproc.reconcile.chars import lost

    assert lost([37.0, 70.0, 100.0, 130.0, 160.0]) == 0
    assert lost([43.0, 75.0, 105.0, 167.0]) == 1
    assert lost([10.0, 40.0, 130.0, 160.0]) == 2
    assert lost([10.0, 70.0]) == 0  # two characters: no usual step to tell by


def test_the_table_beside_a_photographed_sheet_is_no_paraph(template):
    sample = make_corrected(np.random.default_rng(5), template, record=_record(11), fields=["cui"], paraph=False,
                            styles=("overwrite",), distort=False, copy="white")
    cui, px = template.field("cui"), sample.meta["dpi"] / 25.4
    sample.image[int((cui.y - 20) * px):int((cui.y + 20) * px), :int(0.8 * px)] = 40  # dark, along the left edge
    c = _read(sample, template).corrections["cui"]
    assert not c.paraph and "no-paraph" in c.flags


@pytest.mark.parametrize(("font", "copy", "field", "value", "seed"), [
    ("Humor Sans", "pink", "ward", "Cardiologie", 2),  # tesseract: CARDIOLOGIE (the font's small capitals)
    ("Humor Sans", "green", "doctorName", "Dr. Popescu Ana", 3),
    ("Klee One:style=SemiBold", "pink", "ward", "Cardiologie", 17),  # tesseract: Card'ologie
    ("Kristi", "white", "unitType", "Spitalul Municipal", 20),  # tesseract: ital huticipal
])
def test_a_new_text_written_by_hand_is_read_by_the_line_recogniser(template, font, copy, field, value, seed):
    record = _record(11).model_copy(update={"unitType": "Policlinica Centru", "doctorName": "Dr. Matei Sorin",
                                            "ward": "Pediatrie"})
    sample = make_corrected(np.random.default_rng(seed), template, record=record, fields=[field],
                            values={field: value}, paraph=True, distort=False, copy=copy,
                            font=fonts.font_file(font))
    found = _read(sample, template).corrections[field]
    assert (found.style, found.new_text, found.readable) == ("text", value, True)
    assert found.new_confidence < 0.5  # hand-written text is never taken as sure


def test_a_dotted_rule_does_not_join_a_new_text_to_a_stamp_beside_it():
    from formproc.reconcile.detect import _main_run

    mask = np.zeros((48, 480), bool)
    mask[14:34, 10:200:3] = True  # the words: uprights 20 px tall
    mask[10:40, 260:330:4] = True  # a stamp's lettering 7.5 mm away (less ink)
    mask[2, ::3] = True  # the form's dotted rule along the place's top
    kept = np.flatnonzero(_main_run(mask)[5:].any(axis=0))
    assert kept.min() == 10 and kept.max() == 199  # the words only, the rule's dots among them kept


def test_a_word_space_of_large_writing_does_not_part_the_line():
    from formproc.reconcile.detect import _main_run

    mask = np.zeros((48, 480), bool)
    for x in range(10, 60, 8):  # "SC": 4 mm capitals
        mask[8:40, x:x + 3] = True
    for x in range(93, 300, 8):  # "EXEMPLU SRL", 4.1 mm on (beyond TEXT_GAP_MM, under two letter heights)
        mask[8:40, x:x + 3] = True
    kept = np.flatnonzero(_main_run(mask).any(axis=0))
    assert kept.min() == 10 and kept.max() == 295


def test_only_tesseracts_reading_is_respelled_the_recognisers_was_weighed_already(template, monkeypatch):
    from formproc.reconcile import detect

    spec, dark, on = template.field("ward"), np.ones((40, 400), np.float32), date(2026, 3, 2)
    monkeypatch.setattr(detect, "_line_text", lambda d: None)
    monkeypatch.setattr(detect, "read_line", lambda d, witness="": ("Chiruraie", [90.0]))
    assert detect._hand_text(spec, dark, 1.0, on)[0] == "Chiruraie"  # kept against the line's likelihood
    monkeypatch.setattr(detect, "_line_text", lambda d: ("Chiruraie", [90.0]))
    monkeypatch.setattr(detect, "read_line", lambda d, witness="": None)
    assert detect._hand_text(spec, dark, 1.0, on)[0] == "Chirurgie"


def test_of_the_two_readers_the_reading_that_spells_more_of_the_line_as_known_words_wins(monkeypatch):
    from formproc.reconcile import detect

    spec = load_template("ccm-2025").field("unitType")
    line = np.ones((30, 300), np.float32)
    monkeypatch.setattr(detect, "_line_text", lambda dark: ("Clinic", [90.0]))  # a few letters of the line
    monkeypatch.setattr(detect, "read_line", lambda dark, witness="": ("Spitalul Clinic Qzxwv", [60.0] * 3))
    assert detect._hand_text(spec, line, 0.5, date(2026, 3, 2))[0] == "Spitalul Clinic Qzxwv"
    monkeypatch.setattr(detect, "read_line", lambda dark, witness="": ("Qzxwv Clinic Pzqwx", [60.0] * 3))
    assert detect._hand_text(spec, line, 0.5, date(2026, 3, 2))[0] == "Clinic"  # most of it spelled as no word
