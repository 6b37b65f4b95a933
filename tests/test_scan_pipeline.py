"""Registration, cleaning, reading and decoding on generated pages, the print -> scan round
trip, and the `formproc scan` / `formproc sample` commands."""

from __future__ import annotations

import json
from datetime import date

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from formproc.cli import main
from formproc.fieldvalues import to_form
from formproc.layout import load_template
from formproc.model import Certificate
from formproc.render.printing import render_records
from formproc.scan.load import Page
from formproc.scan.pipeline import CARBON_HAND, scan_file, scan_page
from formproc.scan.register import reference_for, register
from scan_helpers import sample_page, save

TPL = load_template("ccm-2025")


def _mismatches(truth: Certificate, record: dict) -> list[str]:
    got = Certificate.model_validate(record)
    return [f.name for f in TPL.fields if to_form(truth, f) != to_form(got, f)]


def _raster(pdf: bytes, dpi: int = 200) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [np.asarray(doc[i].render(scale=dpi / 72).to_pil().convert("RGB")) for i in range(len(doc))]
    finally:
        doc.close()


def test_print_scan_round_trip():
    """render_records over the blank, rasterised, scanned: the same record."""
    record = Certificate.model_validate(json.loads((__import__("pathlib").Path(__file__).parent.parent
                                                    / "samples" / "records.json").read_text())[0])
    pdf = render_records([record], TPL, background=True)
    page = Page("print.pdf", _raster(pdf)[0])
    result = scan_page(page, "ccm-2025")
    assert result.aligned and result.alignment_score > 0.9
    # every field comes back exactly, free text lines included ("Iași", not tesseract's "lași")
    assert _mismatches(record, result.record) == []
    assert result.fields["address"]["value"].startswith("Iași, ")


def test_upside_down_pink_carbon_printed_page():
    s = sample_page(5, mode="printed", copy="pink", turn=180)
    result = scan_page(Page("p.png", s.image), "ccm-2025")
    assert result.aligned
    bad = _mismatches(s.record, result.record)
    assert len(bad) <= 3, bad  # the stamped CUI/stencil boxes of a carbon copy are the hard part
    assert all(result.fields[n]["confidence"] < 0.5 or result.fields[n]["flags"] for n in bad), bad


def test_hand_printed_green_carbon_page():
    s = sample_page(8, mode="hand", copy="green", turn=0)
    result = scan_page(Page("g.png", s.image), "ccm-2025")
    assert result.aligned
    boxes = [f.name for f in TPL.fields if f.kind == "boxes" and f.name in s.hand]
    bad = [n for n in _mismatches(s.record, result.record) if n in boxes]
    assert len(bad) <= 0.2 * len(boxes), bad
    cnp = result.fields["pid"]
    assert cnp["value"] == s.record.pid
    assert len(cnp["cells"]) == 13 and all("ink" in c and "top" in c for c in cnp["cells"])
    choice = result.fields["diagType"]
    assert set(choice["coverage"]) == {"0", "1", "2"}

def test_carbon_hand_printing_unchecked_by_grammar_is_less_sure(monkeypatch):
    s = sample_page(8, mode="hand", copy="green", turn=0)
    result = scan_page(Page("g.png", s.image), "ccm-2025")
    monkeypatch.setattr("formproc.scan.pipeline.CARBON_HAND", 1.0)
    plain = scan_page(Page("g.png", s.image), "ccm-2025")
    assert plain.fields["lastName"]["confidence"] > 0.3
    # a name: no grammar checks it; the CNP: its check digit does
    assert result.fields["lastName"]["confidence"] == round(plain.fields["lastName"]["confidence"] * CARBON_HAND, 3)
    assert result.fields["pid"]["confidence"] == plain.fields["pid"]["confidence"]


def test_registration_rotations_and_non_ccm_page():
    ref = reference_for(TPL)
    s = sample_page(3, mode="printed", copy="white", turn=90)
    reg = register(s.image, ref)
    assert reg.aligned and reg.score > 0.8 and reg.warped.shape[:2] == ref.gray.shape
    other = np.full((1400, 1000, 3), 255, np.uint8)
    for i in range(30):  # a page of text lines: not a CCM front
        cv2.putText(other, "Lorem ipsum dolor sit amet 1234", (60, 60 + 42 * i), cv2.FONT_HERSHEY_SIMPLEX,
                    1.0, (0, 0, 0), 2)
    result = scan_page(Page("other.png", other), "ccm-2025")
    assert not result.aligned and result.record == {} and result.warnings


def test_scan_command_pdf_pages_and_bad_file(tmp_path, capsys):
    pages = [Image.fromarray(sample_page(seed, mode="printed", copy="white", turn=0).image) for seed in (21, 22)]
    pdf = tmp_path / "two.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=200)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 broken")
    out = tmp_path / "out.jsonl"
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(bad), str(pdf), "-o", str(out), "--workers", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.jpg" in err[0]
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["source"] for x in lines] == ["two.pdf#1", "two.pdf#2"]
    first = lines[0]
    assert first["aligned"] and first["template"] == "ccm-2025"
    assert set(first["fields"]["pid"]) >= {"value", "confidence", "raw", "bbox_mm"}
    assert first["record"]["pid"] == first["fields"]["pid"]["value"]


def test_sample_command_writes_images_and_truth(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["sample", "--template", "ccm-2022", "--count", "2", "--seed", "4", "-o", str(tmp_path)])
    assert done.value.code == 0
    truth = [json.loads(x) for x in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert len(truth) == 2
    for t in truth:
        assert (tmp_path / t["image"]).is_file()
        rec = Certificate.model_validate(t["record"])
        assert rec.validFrom and rec.validTo and (rec.validTo - rec.validFrom).days + 1 == rec.days
        assert rec.issueDate < date(2025, 8, 1)  # the 2022 form
    again = tmp_path / "again"
    with pytest.raises(SystemExit):
        main(["sample", "--template", "ccm-2022", "--count", "1", "--seed", "4", "-o", str(again)])
    assert json.loads((again / "truth.jsonl").read_text())["record"] == truth[0]["record"]
    scanned = scan_file(str(tmp_path / truth[0]["image"]), "ccm-2022")
    assert scanned[0].aligned


def test_printed_fields_under_a_stamp_are_read_as_print_and_the_payers_hand_stays_hand(tmp_path):
    """Page 86 of the seed-11 bench set: a pink JPEG copy printed by formproc, the doctor's round
    stamp over the paraph codes, the payer's part hand-written. The stamp spoils the codes' match
    with the font (print_match < 0.85) but their glyphs lie where the page's printer put the others."""
    from formproc.sample import write_one

    entry = write_one(TPL, 11, 86, tmp_path)
    assert entry["mode"] == "mixed" and entry["copy"] == "pink"
    fields = scan_file(str(tmp_path / entry["image"]))[0].fields
    truth = Certificate.model_validate(entry["record"])
    for name in ("stencil", "cheifStencil"):
        assert fields[name]["print_match"] < 0.85
        assert fields[name]["writing"] == "print"
        assert fields[name]["raw"] == to_form(truth, TPL.field(name))
    for name in ("payerCui", "employeeCount", "baseDays"):
        assert name in entry["hand"] and fields[name]["print_match"] >= 0.45
        assert fields[name]["writing"] == "hand"


@pytest.mark.parametrize("seed, index, name", [(23, 4, "stencil"), (11, 55, "stencil"), (23, 18, "firstName")])
def test_printed_cells_are_read_where_the_printer_put_them(tmp_path, seed, index, name):
    """Bench pages whose printed codes a stamp's ring crosses (a B the ring's arc made an 8 of) and
    a printed hyphen (which sits lower than letters do): each glyph is compared where the page's
    printer put it."""
    from formproc.sample import write_one

    entry = write_one(TPL, seed, index, tmp_path)
    field = scan_file(str(tmp_path / entry["image"]))[0].fields[name]
    truth = to_form(Certificate.model_validate(entry["record"]), TPL.field(name))
    assert name in entry["printed"] and field["writing"] == "print"
    assert field["raw"] == truth, (field["raw"], truth)


def test_a_printed_line_under_a_grey_haze_is_read_binarised(tmp_path):
    """Page 190 of the seed-11 bench set (green copy): tesseract reads nothing of the unit's line, on
    the page's sheet of lines nor on its own, until the line is made black and white."""
    from formproc.sample import write_one

    entry = write_one(TPL, 11, 190, tmp_path)
    fields = scan_file(str(tmp_path / entry["image"]))[0].fields
    assert fields["unitType"]["value"] == entry["record"]["unitType"] == "Centrul Medical Sănătatea"


def test_a_blurred_line_is_not_taken_for_the_form_rule(tmp_path):
    """Page 163 of the seed-11 bench set (green copy, blurred): the feet and tops of the ward's
    letters make long thin runs that were blanked as the field's rule, leaving tesseract nothing
    to read; a rule has paper on one side at least."""
    from formproc.sample import write_one

    entry = write_one(TPL, 11, 163, tmp_path)
    fields = scan_file(str(tmp_path / entry["image"]))[0].fields
    assert fields["ward"]["value"] == entry["record"]["ward"] == "Medicină internă"


def test_a_stamp_line_through_one_letter_gives_way_to_the_known_word(tmp_path):
    """Page 100 of the seed-11 bench set (pink JPEG copy): the doctor's stamp crosses the o of
    Popescu, which tesseract reads Pâpescu and the stamp's line also explains; a known word one
    letter away from a reading the language does not know wins unless the ink clearly disagrees."""
    from formproc.sample import write_one

    entry = write_one(TPL, 11, 100, tmp_path)
    field = scan_file(str(tmp_path / entry["image"]))[0].fields["doctorName"]
    assert field["value"] == entry["record"]["doctorName"] == "Dr. Popescu Ana"
    assert "fitted" in field["flags"] and field["confidence"] < 0.5
