"""Reading hand corrections on generated corrected copies (formproc.reconcile.samples)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from conftest import report_certificate

from formproc.cli import main
from formproc.layout import load_template, template_for_date
from formproc.reconcile.compare import compare
from formproc.reconcile.paper import read_page
from formproc.reconcile.samples import correctable, make_corrected
from formproc.reconcile.zones import beside_zones
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


def test_sample_command_writes_corrected_copies_with_old_and_new_truth(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["sample", "--template", "ccm-2025", "--count", "2", "--seed", "4", "-o", str(tmp_path), "--corrected"])
    assert done.value.code in (0, None)
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert [t["image"] for t in truth] == ["0001.png", "0002.png"] and (tmp_path / "0002.png").is_file()
    for t in truth:
        assert t["corrections"] and t["original"] != t["record"]
        for c in t["corrections"]:
            assert c["style"] in ("strike", "cells", "checkbox") and c["old"] != c["new"]
