"""Print a record, correct two fields by hand on the generated page, reconcile, accept, and the next
rectificative report carries the certificate as M with the corrected values (official XSD)."""

from __future__ import annotations

import json
from datetime import date

import cv2
import numpy as np
import pytest
from conftest import REPORT_PROVIDER, official_schema, report_certificate
from lxml import etree

from formproc.cli import main
from formproc.layout import load_template, template_for_date
from formproc.reconcile.apply import accept, rectificative_report
from formproc.reconcile.compare import compare
from formproc.reconcile.paper import read_paper
from formproc.reconcile.samples import make_corrected
from formproc.report import prepare_report
from formproc.report.provider import Provider
from formproc.report.siui_xml import certificate_attrs
from formproc.store import Store

NS = "{http://www.cnas.ro/siui/2.0}"
TODAY = date(2025, 4, 20)


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    yield s
    s.close()


def test_corrected_paper_to_rectificative_report(store, tmp_path):
    provider = Provider.from_dict(REPORT_PROVIDER)
    record = report_certificate(1, year=2025, month=3)
    other = report_certificate(2, year=2025, month=3)
    saved = store.add_certificates([record, other], "doctor")
    original = prepare_report([record, other], (2025, 3), provider, today=TODAY)
    rid = store.add_report(2025, 3, original.xml, [c.id for c in saved], "doctor")
    store.set_report_status(rid, "sent", "doctor")

    # the CAS rejected it: the doctor strikes validTo and days and writes 4 March, 3 days
    template = load_template(template_for_date(record.issueDate))
    sample = make_corrected(np.random.default_rng(10), template, record=record, fields=["validTo", "days"],
                            values={"validTo": "040325", "days": "3"}, paraph=True, distort=False)
    scan = tmp_path / "corectat.png"
    cv2.imwrite(str(scan), cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))

    reading = read_paper(str(scan), template.name)[0]
    differences = compare(reading, saved[0].record)
    by_field = {d.field: d for d in differences}
    assert set(by_field) == {"validTo", "days"}, [d.to_dict() for d in differences]
    assert by_field["validTo"].paper == "2025-03-04" and by_field["validTo"].stored == "2025-03-05"
    assert by_field["days"].paper == 3 and by_field["days"].stored == 4
    assert all(d.corrected_on_paper and not d.warnings for d in differences)

    done = accept(store, saved[0].id, differences, "doctor", (scan.name, scan.read_bytes()),
                  reading.to_dict(), today=TODAY)
    assert done.correction_type == "M" and done.fields == ["days", "validTo"]
    assert not [f for f in done.findings if f["severity"] == "error"]
    current = store.get_certificate(saved[0].id)
    assert current.record.validTo == date(2025, 3, 4) and current.record.days == 3
    audit = store.audit_log(entity="certificate", entity_id=saved[0].id)
    changed = {(e.field, e.reason) for e in audit if e.action == "update"}
    assert changed == {("validTo", "reconciled"), ("days", "reconciled")}
    kept = store.list_scans(saved[0].id)
    assert len(kept) == 1 and kept[0].content == scan.read_bytes()
    assert [(p.certificate_id, p.correction_type) for p in store.pending_rectifications()] == [(saved[0].id, "M")]

    prepared, pending = rectificative_report(store, 2025, 3, provider, today=TODAY)
    assert pending == [done.rectification_id]
    root = etree.fromstring(prepared.xml)
    official_schema("ImportSickLeaveReport.xsd").assertValid(root)
    assert root.get("correction") in ("true", "1")
    certs = root.findall(f"{NS}certificate")
    assert [(c.get("serialNo"), c.get("correctionType")) for c in certs] == [(record.serialNo, "M")]
    values = {k: v for k, v in certs[0].attrib.items() if k not in ("AppID", "correctionType")}
    mapped = certificate_attrs(current.record, provider, 2025, 3).attrs
    assert values == {k: v for k, v in mapped.items() if k != "AppID"}
    assert [v for k, v in values.items() if k.endswith("ValidTo")] == ["2025-03-04"]


def test_cli_accept_takes_the_paper_into_the_store(tmp_path, capsys):
    record = report_certificate(6, year=2025, month=3)
    store = Store()
    saved = store.add_certificate(record, "doctor")
    template = load_template(template_for_date(record.issueDate))
    sample = make_corrected(np.random.default_rng(11), template, record=record, fields=["diagCode"],
                            values={"diagCode": "124"}, styles=("strike",), paraph=True, distort=False,
                            copy="white")
    scan = tmp_path / "corectat.png"
    cv2.imwrite(str(scan), cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))
    with pytest.raises(SystemExit) as done:
        main(["reconcile", str(scan), "--template", template.name])
    assert done.value.code == 1
    assert [(d["field"], d["paper"]) for d in json.loads(capsys.readouterr().out)] == [("diagCode", "124")]
    with pytest.raises(SystemExit) as done:
        main(["reconcile", str(scan), "--template", template.name, "--accept", "--fields", "diagCode"])
    assert done.value.code in (0, None)
    current = store.get_certificate(saved.id)
    assert current.record.diagCode == "124" and current.version == saved.version + 1
    assert store.list_scans(saved.id)[0].content == scan.read_bytes()
    store.close()


def test_a_sheet_annulled_by_hand_is_queued_as_s(store, tmp_path):
    provider = Provider.from_dict(REPORT_PROVIDER)
    record = report_certificate(3, year=2025, month=3)
    (saved,) = store.add_certificates([record], "doctor")
    original = prepare_report([record], (2025, 3), provider, today=TODAY)
    store.set_report_status(store.add_report(2025, 3, original.xml, [saved.id], "doctor"), "sent", "doctor")
    # the filled-in sheet, ANULAT written across it by hand in the template's place for the mark
    template = load_template(template_for_date(record.issueDate))
    sample = make_corrected(np.random.default_rng(2), template, record=record, annul=True, distort=True)
    assert sample.corrections == [] and sample.corrected.status == "annulled"
    scan = tmp_path / "anulat.png"
    cv2.imwrite(str(scan), cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))
    reading = read_paper(str(scan), template.name)[0]
    assert reading.annulled
    differences = compare(reading, saved.record)
    assert [(d.field, d.paper) for d in differences] == [("status", "annulled")]
    done = accept(store, saved.id, differences, "doctor", (scan.name, scan.read_bytes()), reading.to_dict(),
                  today=TODAY)
    assert done.correction_type == "S" and store.get_certificate(saved.id).record.status == "annulled"
    assert [(p.certificate_id, p.correction_type) for p in store.pending_rectifications()] == [(saved.id, "S")]
