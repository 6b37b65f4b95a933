"""Paper against stored record (formproc.reconcile.compare), acceptance into the store
(formproc.reconcile.apply) and the `formproc reconcile` command's refusals."""

from __future__ import annotations

import json
from datetime import date

import cv2
import numpy as np
import pytest
from conftest import REPORT_PROVIDER, report_certificate

from formproc.cli import main
from formproc.errors import InputError
from formproc.reconcile.apply import accept
from formproc.reconcile.compare import UNREADABLE, Difference, compare, pick_record
from formproc.reconcile.paper import PaperReading, PaperValue
from formproc.report import prepare_report
from formproc.report.provider import Provider
from formproc.store import Store

TEMPLATE = "ccm-2022"
TODAY = date(2025, 4, 20)


def _reading(record, **paper: PaperValue) -> PaperReading:
    """A reading that agrees with `record` on every field of the template except those given."""
    from formproc.layout import load_template

    data = record.to_json_dict()
    values = {f.name: PaperValue(data.get(f.name), 0.97, True) for f in load_template(TEMPLATE).fields}
    values.update(paper)
    return PaperReading("p.png", TEMPLATE, True, 0.95, {"record": data}, {}, values)


def test_agreeing_paper_has_no_differences():
    record = report_certificate(1)
    assert compare(_reading(record), record) == []


def test_one_difference_per_field_in_the_contract_shape():
    record = report_certificate(1)
    reading = _reading(record, validTo=PaperValue("2025-03-04", 0.93, True, True, "2025-03-05"),
                       diagType=PaperValue("2", 0.95, True, True, "0"))
    out = [d.to_dict() for d in compare(reading, record)]
    assert out[0] == {"field": "validTo", "stored": "2025-03-05", "paper": "2025-03-04", "confidence": 0.93,
                      "corrected_on_paper": True, "status": "differs", "old_on_paper": "2025-03-05"}
    assert [d["field"] for d in out] == ["validTo", "diagType"]


def test_unreadable_fields_are_listed_never_agreeing():
    record = report_certificate(1)
    reading = _reading(record, pid=PaperValue(None, 0.1, False), days=PaperValue(record.days, 0.0, False, True))
    out = {d.field: d for d in compare(reading, record)}
    assert set(out) == {"pid", "days"}
    assert all(d.status == UNREADABLE and d.paper is None and not d.acceptable for d in out.values())
    assert out["days"].corrected_on_paper


def test_a_reading_outside_the_grammar_counts_only_where_it_agrees():
    record = report_certificate(1)
    agrees = _reading(record, conventionNo=PaperValue(record.conventionNo, 0.2, True, doubtful=True))
    assert compare(agrees, record) == []
    differs = _reading(record, conventionNo=PaperValue("C128/2024", 0.2, True, doubtful=True))
    (d,) = compare(differs, record)
    assert (d.field, d.status, d.paper, d.acceptable) == ("conventionNo", UNREADABLE, "C128/2024", False)


def test_annulled_paper_differs_in_status_only():
    record = report_certificate(1)
    reading = _reading(record, pid=PaperValue(None, 0.0, False))
    reading.annulled = True
    assert [(d.field, d.stored, d.paper) for d in compare(reading, record)] == [("status", "issued", "annulled")]


def test_unaligned_page_and_ambiguous_records_are_refused():
    record = report_certificate(1)
    reading = _reading(record)
    reading.aligned = False
    with pytest.raises(InputError):
        compare(reading, record)
    reading.aligned = True
    assert pick_record([report_certificate(2), record], reading) == record
    with pytest.raises(InputError):
        pick_record([report_certificate(2), report_certificate(3)], reading)


@pytest.fixture
def reported(db_url):
    """A store holding two certificates of March 2025 and the report the CAS holds for them."""
    store = Store(db_url)
    records = [report_certificate(1), report_certificate(2)]
    saved = store.add_certificates(records, "doctor")
    xml = prepare_report(records, (2025, 3), Provider.from_dict(REPORT_PROVIDER), today=TODAY).xml
    store.set_report_status(store.add_report(2025, 3, xml, [c.id for c in saved], "doctor"), "sent", "doctor")
    yield store, saved
    store.close()


def test_accepting_an_annulled_paper_queues_a_deletion(reported):
    store, saved = reported
    differences = [Difference("status", "issued", "annulled", 0.9, True)]
    done = accept(store, saved[0].id, differences, "doctor", ("a.png", b"scan"), {"annulled": True}, today=TODAY)
    assert done.correction_type == "S" and store.get_certificate(saved[0].id).record.status == "annulled"
    assert [(p.certificate_id, p.correction_type) for p in store.pending_rectifications()] == [(saved[0].id, "S")]


def test_a_duplicate_on_paper_becomes_a_new_certificate_queued_as_added(reported):
    store, saved = reported
    original = saved[0].record
    differences = [Difference("serialNo", original.serialNo, "7654321", 0.9, False),
                   Difference("duplicate", 0, 1, 0.9, True),
                   Difference("duplSerialCode", None, original.serialCode, 0.8, True),
                   Difference("duplSerialNo", None, original.serialNo, 0.8, True)]
    done = accept(store, saved[0].id, differences, "doctor", ("d.png", b"scan"), {}, today=TODAY)
    assert done.correction_type == "A" and done.certificate_id != saved[0].id
    dup = store.get_certificate(done.certificate_id).record
    assert (dup.serialNo, dup.duplicate, dup.duplSerialCode, dup.duplSerialNo) == \
        ("7654321", 1, original.serialCode, original.serialNo)
    assert store.get_certificate(saved[0].id).record == original
    assert [p.correction_type for p in store.pending_rectifications()] == ["A"]


def test_unreadable_or_unknown_fields_cannot_be_accepted(reported):
    store, saved = reported
    differences = [Difference("pid", saved[0].record.pid, None, 0.0, True, UNREADABLE)]
    with pytest.raises(InputError):
        accept(store, saved[0].id, differences, "doctor", ("a.png", b"x"), {}, today=TODAY)
    with pytest.raises(InputError):
        accept(store, saved[0].id, differences, "doctor", ("a.png", b"x"), {}, fields=["pid"], today=TODAY)
    with pytest.raises(InputError):
        accept(store, saved[0].id, differences, "doctor", ("a.png", b"x"), {}, fields=["days"], today=TODAY)
    assert store.get_certificate(saved[0].id).version == saved[0].version


def test_unsure_readings_are_taken_only_when_named(reported):
    store, saved = reported
    rec = saved[0].record
    unsure = Difference("ward", rec.ward, "Chirurgie II", 0.3, True)
    sure = Difference("diagCode", rec.diagCode, "124", 0.9, True)
    with pytest.raises(InputError, match="ward"):
        accept(store, saved[0].id, [unsure], "doctor", ("a.png", b"x"), {}, today=TODAY)
    done = accept(store, saved[0].id, [unsure, sure], "doctor", ("a.png", b"x"), {}, today=TODAY)
    assert done.fields == ["diagCode"] and store.get_certificate(saved[0].id).record.ward == rec.ward
    done = accept(store, saved[0].id, [unsure], "doctor", ("a.png", b"x"), {}, fields=["ward"], today=TODAY)
    assert store.get_certificate(saved[0].id).record.ward == "Chirurgie II"


def test_not_yet_reported_certificate_is_updated_but_not_queued(db_url):
    store = Store(db_url)
    saved = store.add_certificate(report_certificate(4), "doctor")
    done = accept(store, saved.id, [Difference("diagCode", "123", "124", 0.9, True)], "doctor",
                  ("a.png", b"x"), {}, today=TODAY)
    assert done.correction_type is None and done.notes
    assert store.get_certificate(saved.id).record.diagCode == "124"
    assert store.pending_rectifications() == []
    store.close()


def _run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_cli_refuses_unusable_input_with_exit_2(tmp_path, capsys):
    record = tmp_path / "r.json"
    record.write_text(json.dumps(report_certificate(1).to_json_dict()))
    blank = tmp_path / "white.png"
    cv2.imwrite(str(blank), np.full((1200, 900, 3), 255, np.uint8))
    code, out, err = _run(["reconcile", str(blank), "--record", str(record), "--template", TEMPLATE], capsys)
    assert code == 2 and "align" in err and out == ""
    code, _, err = _run(["reconcile", str(tmp_path / "missing.png"), "--record", str(record)], capsys)
    assert code == 2 and "not found" in err
    code, _, err = _run(["reconcile", str(blank), "--record", str(record), "--fields", "days"], capsys)
    assert code == 2 and "--accept" in err


def test_free_text_read_by_ocr_agrees_up_to_its_noise_but_not_in_numbers():
    from formproc.reconcile.compare import text_agrees

    assert text_agrees("Spitalul Clinic județean", "Spitalul Clinic Județean")
    assert text_agrees("'Dr. Lupu Dan", "Dr. Lupu Dan") and text_agrees("Centrul Medicai Sănătatea",
                                                                       "Centrul Medical Sănătatea")
    assert not text_agrees("Or. Popesti Ana", "CMI Dr. Popescu Ana")
    assert not text_agrees("Str. Lunga nr. 12", "Str. Lunga nr. 13") and not text_agrees("1234,56", "1234,58")
    assert not text_agrees("CJAS B", "CJAS C")  # a short code has no edit to spare


def test_uncorrected_fields_differ_only_when_the_paper_shows_it():
    record = report_certificate(1)
    data = record.to_json_dict()

    def cells(*tops):  # the scanner's per-box candidates, as `formproc scan` gives them
        return {"cells": [{"top": [list(t) for t in top]} for top in tops]}

    digits = [[(ch, 1.0)] for ch in str(record.days).rjust(2)]
    reading = _reading(record, days=PaperValue(record.days + 5, 0.8, True),
                       unitType=PaperValue(data["unitType"].lower() + ".", 0.2, True),
                       doctorName=PaperValue("Xyz Qwerty", 0.1, True),
                       diagCode=PaperValue("999", 0.9, True, True, data["diagCode"]))
    # days: the boxes show the stored value best, the decoder picked another (e.g. a leave row's cross-check)
    reading.scan["fields"] = {"days": cells(*[[(" ", 1.0)] if ch == [(" ", 1.0)] else ch for ch in digits])}
    out = {d.field: d for d in compare(reading, record)}
    assert set(out) == {"doctorName", "diagCode"}, [d.to_dict() for d in out.values()]
    assert out["doctorName"].status == UNREADABLE  # an unsure reading far from the stored text
    assert out["diagCode"].status == "differs" and out["diagCode"].corrected_on_paper  # corrections always count
    # boxes that clearly show another value do differ
    other = str(record.days + 5).rjust(2)
    reading.scan["fields"] = {"days": cells(*[[(ch if ch != " " else " ", 0.99), ("0", 0.01)] for ch in other])}
    assert {d.field: d.status for d in compare(reading, record)}["days"] == "differs"
