"""A new character written by hand over the printed one, in its own box (formproc.reconcile.overwrite)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import report_certificate

from formproc.layout import load_template, template_for_date
from formproc.reconcile.compare import compare
from formproc.reconcile.paper import read_page
from formproc.reconcile.samples import make_corrected
from formproc.sample import make_sample
from formproc.scan.load import Page


def _record(n: int):
    return report_certificate(n, year=2025, month=3, diagCode="463", diagType="0", stencil="A12345")


@pytest.fixture(scope="module")
def template():
    return load_template(template_for_date(_record(1).issueDate))


@pytest.mark.parametrize("copy", ["white", "green"])
def test_overwritten_boxes_give_the_new_and_the_printed_value(template, copy):
    record = _record(4)
    sample = make_corrected(np.random.default_rng(8), template, record=record, fields=["validTo", "diagCode"],
                            values={"validTo": "060325", "diagCode": "468"}, styles=("overwrite",), paraph=True,
                            distort=False, copy=copy)
    assert [c.style for c in sample.corrections] == ["overwrite", "overwrite"]
    reading = read_page(Page("corectat.png", sample.image), template.name)
    found = reading.corrections
    assert set(found) == {"validTo", "diagCode"}
    assert all(c.style == "overwrite" and c.readable and c.paraph for c in found.values())
    assert found["validTo"].new_text == "060325" and found["validTo"].old_text == "080325"
    assert found["diagCode"].new_text == "468"
    # the printed old value is read "when legible": a 3 mostly under a pen's 8 is a guess, and says so
    assert found["diagCode"].old_text == "463" or found["diagCode"].old_confidence < 0.5
    differences = {d.field: d for d in compare(reading, record)}
    assert set(differences) == {"validTo", "diagCode"}
    assert differences["validTo"].paper == "2025-03-06" and differences["validTo"].corrected_on_paper


def test_an_overwrite_on_a_distorted_carbon_copy_is_read(template):
    record = _record(6)
    sample = make_corrected(np.random.default_rng(3), template, record=record, fields=["stencil"],
                            values={"stencil": "A12395"}, styles=("overwrite",), paraph=False, distort=True,
                            copy="pink")
    found = read_page(Page("corectat.jpg", sample.image), template.name).corrections
    assert set(found) == {"stencil"}
    assert found["stencil"].style == "overwrite" and found["stencil"].new_text == "A12395"
    assert "no-paraph" in found["stencil"].flags


@pytest.mark.parametrize("seed,copy", [(0, "white"), (3, "white"), (6, "pink")])
def test_the_payers_part_written_by_hand_on_a_printed_page_is_no_overwrite(template, seed, copy):
    # "mixed": the doctor's part printed, the payer's boxes (payerCui, days...) written in blue pen
    sample = make_sample(np.random.default_rng(seed), template, mode="mixed", copy=copy)
    assert sample.record.payerCui is not None
    assert read_page(Page("platitor.png", sample.image), template.name).corrections == {}


def test_a_certificate_written_by_hand_is_no_overwrite(template):
    sample = make_sample(np.random.default_rng(2), template, mode="hand", copy="white")
    found = read_page(Page("manual.png", sample.image), template.name).corrections
    assert not any(c.style == "overwrite" for c in found.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_box_the_thin_pen_went_over_unread_leaves_the_new_value_unproven(template, seed):
    """diagCode 625 corrected to 724 in a thin hand (Kristi): the 4 is read over the 5, the 7's thin
    strokes over the printed 6 are sometimes too little ink to be read as a character; the value
    then composed with the printed 6 (624) must not be trusted."""
    from formproc.scan import fonts

    kristi = next(f for f in fonts.available(fonts.HAND_FONTS) if "Kristi" in f)
    record = report_certificate(4, year=2025, month=3, diagCode="625", diagType="0", stencil="A12345")
    sample = make_corrected(np.random.default_rng(seed), template, record=record, fields=["diagCode"],
                            values={"diagCode": "724"}, styles=("overwrite",), paraph=False, distort=False,
                            copy="white", font=kristi)
    found = read_page(Page("corectat.png", sample.image), template.name).corrections["diagCode"]
    assert found.style == "overwrite"
    assert found.new_text == "724" or found.new_confidence < 0.5


def test_a_thin_pen_character_over_print_is_found_but_not_proven(template):
    """diagCode 625 corrected to 627 in a thin hand (Klee): the 7 over the printed 5 holds less pen
    ink than a character needs (a stamp's ring crossing a box leaves about as much), but the
    recogniser is sure of it: the correction is found, with the new value, and left unproven."""
    from formproc.scan import fonts

    klee = next(f for f in fonts.available(fonts.HAND_FONTS) if "Klee" in f)
    record = report_certificate(4, year=2025, month=3, diagCode="625", diagType="0", stencil="A12345")
    sample = make_corrected(np.random.default_rng(3), template, record=record, fields=["diagCode"],
                            values={"diagCode": "627"}, styles=("overwrite",), paraph=False, distort=False,
                            copy="white", font=klee)
    found = read_page(Page("corectat.png", sample.image), template.name).corrections["diagCode"]
    assert (found.style, found.new_text, found.old_text) == ("overwrite", "627", "625")
    assert found.new_confidence < 0.5


@pytest.mark.parametrize("print_top,found", [("7", True), ("1", False)])
def test_a_pen_character_is_a_retrace_only_where_the_print_beside_it_reads_the_same(template, monkeypatch,
                                                                                    print_top, found):
    # a pen's 1 over a printed 2 that its stroke hides: the print beside it reads 7 (then 3, 4, 1), a
    # day the date's grammar mends to the pen's own 19: no retrace, the old value unread
    from datetime import date

    from formproc.reconcile import overwrite
    from formproc.scan import fonts
    from formproc.scan.read import CellInk, CellRead

    others = [c for c in "7341" if c != print_top]
    beside = CellRead([(print_top, 0.67)] + [(c, 0.1) for c in others], CellInk(0.15, 1, (0.3, 0.25, 0.4, 0.5), 0.0))
    monkeypatch.setattr(overwrite, "printed_read", lambda *args: (beside, 0.43))
    record = _record(4).model_copy(update=dict(issueDate=date(2025, 3, 29), validFrom=date(2025, 3, 29),
                                               validTo=date(2025, 4, 1)))
    humor = next(f for f in fonts.available(fonts.HAND_FONTS) if "Humor" in f)
    sample = make_corrected(np.random.default_rng(1), template, record=record, fields=["validFrom"],
                            values={"validFrom": "190325"}, styles=("overwrite",), paraph=True, distort=False,
                            copy="green", font=humor)
    corrections = read_page(Page("corectat.png", sample.image), template.name).corrections
    assert ("validFrom" in corrections) is found
    if found:
        assert corrections["validFrom"].new_text == "190325" and corrections["validFrom"].old_text is None
