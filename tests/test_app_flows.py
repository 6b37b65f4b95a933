"""The app's end-to-end flows with AppTest: sending to SIUI (the local stand-in of test_report_soap), the CAS
answer, rectifications queued by annulling or changing a reported certificate, the payer's part, the scanned
blank as alignment reference, and Romanian messages for bad input."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from conftest import official_schema
from lxml import etree
from test_app import _app, _login, quick_password_hashing, store  # noqa: F401  (fixtures)
from test_report_package import make_p12
from test_report_soap import running_standin

from formproc.report.siui_client import SETTING_KEY
from formproc.xmlsafe import parse_bytes

SIUI = "http://www.cnas.ro/siui/2.0"


OVERDUE = "Termenul de raportare a trecut și raportul nu a fost trimis."


def _errors(at) -> list[str]:
    """Error messages shown, apart from the month being overdue (it depends on today's date)."""
    return [e.value for e in at.error if e.value != OVERDUE]


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _report_page(at, year: int = 2026, month: int = 10):
    at.switch_page("ui/raport.py").run()
    at.number_input[0].set_value(year).run()
    at.selectbox[0].set_value(month).run()
    return at


def _sent_report(store, cert_ids: list[int]) -> int:
    """A report of 10/2026 already submitted (outside the app) holding `cert_ids`."""
    from formproc.report import Provider, prepare_report

    prepared = prepare_report([c.record for c in store.list_certificates()], (2026, 10),
                              Provider.from_dict(store.provider()))
    rid = store.add_report(2026, 10, prepared.xml, cert_ids, "admin")
    store.set_report_status(rid, "sent", "admin")
    return rid


def test_report_is_sent_to_siui_and_the_cas_answer_imported(store, tmp_path, monkeypatch):
    monkeypatch.delenv("FORMPROC_SIUI_ENDPOINT", raising=False)
    p12, _ = make_p12(b"parola-p12")
    with running_standin(tmp_path) as service:
        at = _login(_app(), "admin", "parola-admin")
        at.switch_page("ui/setari.py").run()
        [t for t in at.text_input if t.label == "Adresa serviciului SIUI"][0].input(service.base_url + "/SiuiWS")
        _button(at, "Salvează adresa SIUI").click().run()
        assert store.get_setting(SETTING_KEY) == service.base_url + "/SiuiWS"

        _report_page(at)
        _button(at, "Generează raportul").click().run()
        report = store.list_reports(2026, 10)[0]
        assert any("stare: generat ·" in m.value for m in at.markdown)
        assert _button(at, "Trimite la SIUI").disabled  # SIUI takes only signed reports
        at.file_uploader[0].upload("medic.p12", p12, "application/x-pkcs12").run()
        [t for t in at.text_input if t.label == "Parola certificatului digital"][0].input("parola-p12").run()
        assert not _errors(at), _errors(at)
        _button(at, "Trimite la SIUI").click().run()
        assert not at.exception and not _errors(at), _errors(at)
        sent = store.get_report(report.id)
        assert sent.status == "sent" and sent.sent_name in service.reports
        official_schema("ImportSickLeaveReport.xsd").assertValid(parse_bytes(service.reports[sent.sent_name], "r"))
        assert any(f"trimis la SIUI ca {sent.sent_name}" in s.value for s in at.success)

        _button(at, "Preia răspunsul CAS").click().run()
        assert not at.exception and not _errors(at), _errors(at)
        assert service.requests == ["sendReport", "getReportFeedback"]
    assert store.get_report(report.id).status == "with_errors"
    feedback = store.list_feedback()[0]
    assert feedback.report_id == report.id
    assert [i["status"] for i in feedback.items] == ["CU ERORI", "VALIDAT", "VALIDAT"]
    assert feedback.items[0]["errors"] == [{"code": "CM102", "text": "CNP inexistent"}]
    assert any("stare: cu erori ·" in m.value for m in at.markdown)
    assert at.metric[0].value == "cu erori"


def test_send_to_an_unreachable_siui_is_a_romanian_error_and_nothing_changes(store, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("FORMPROC_SIUI_ENDPOINT", f"http://127.0.0.1:{port}/SiuiWS")
    p12, _ = make_p12(b"parola-p12")
    at = _report_page(_login(_app(), "admin", "parola-admin"))
    _button(at, "Generează raportul").click().run()
    at.file_uploader[0].upload("medic.p12", p12, "application/x-pkcs12").run()
    [t for t in at.text_input if t.label == "Parola certificatului digital"][0].input("parola-p12").run()
    _button(at, "Trimite la SIUI").click().run()
    assert any("serviciul nu poate fi contactat" in e.value for e in at.error), [e.value for e in at.error]
    assert store.list_reports(2026, 10)[0].status == "generated"
    # offline: the ZIP is still there to upload by hand
    assert any(b.label == "Descarcă ZIP semnat" for b in at.get("download_button"))


def _feedback_xml(store) -> bytes:
    """A CAS answer for 10/2026 valid against the official XSD: 4512301 validated, 4512302 with two errors,
    4512303 not mentioned (FĂRĂ RAPORTARE)."""
    root = etree.Element(f"{{{SIUI}}}report", nsmap={None: SIUI}, AppID="R-2026-10", reportMonth="10",
                         reportYear="2026")
    etree.SubElement(root, f"{{{SIUI}}}certificate", AppID="c1", serialCode="CCMAT", serialNo="4512301", state="true")
    bad = etree.SubElement(root, f"{{{SIUI}}}certificate", AppID="c2", serialCode="CCMAT", serialNo="4512302",
                           state="false")
    errors = etree.SubElement(bad, f"{{{SIUI}}}errors")
    etree.SubElement(errors, f"{{{SIUI}}}error", code="CM102").text = "CNP inexistent în SIUI"
    etree.SubElement(errors, f"{{{SIUI}}}error", code="CM215").text = "certificatul inițial nu a fost raportat"
    official_schema("FeedbackSickLeaveReport.xsd").assertValid(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_feedback_import_status_table_and_jump_to_fix(store):
    first = store.find_certificate("CCMAT", "4512301")
    second = store.find_certificate("CCMAT", "4512302")
    rid = _sent_report(store, [first.id, second.id])
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/feedback.py").run()
    at.file_uploader[0].upload("FEEDBACK_SICK.xml", _feedback_xml(store), "application/xml").run()
    _button(at, "Importă răspunsul").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert at.success[0].value == "Răspuns importat pentru 10/2026: 3 certificate."
    table = at.dataframe[0].value
    assert list(table["Nr."]) == ["4512301", "4512302", "4512303"]
    assert list(table["Stare"]) == ["VALIDAT", "CU ERORI", "FĂRĂ RAPORTARE"]
    assert table["Erori"][1] == "CM102 CNP inexistent în SIUI; CM215 certificatul inițial nu a fost raportat"
    assert [m.value for m in at.metric] == ["1", "1", "1"]
    assert store.get_report(rid).status == "with_errors"
    assert {b.label for b in at.button} >= {"Corectează CCMAT 4512302", "Corectează CCMAT 4512303"}
    assert "Corectează CCMAT 4512301" not in {b.label for b in at.button}

    _button(at, "Corectează CCMAT 4512302").click().run()
    assert not at.exception
    assert at.title[0].value == "Certificat de concediu medical"
    assert at.selectbox[0].value == second.id and at.text_input(key="f_serialNo").value == "4512302"
    assert any("CM102 CNP inexistent în SIUI" in w.value for w in at.warning)


def test_annulling_or_changing_a_reported_certificate_queues_the_rectificative(store):
    first = store.find_certificate("CCMAT", "4512301")
    second = store.find_certificate("CCMAT", "4512302")
    third = store.find_certificate("CCMAT", "4512303")
    _sent_report(store, [first.id, second.id, third.id])
    at = _login(_app(), "admin", "parola-admin")

    at.selectbox[0].set_value(third.id).run()
    _button(at, "Anulează foaia (ANULAT)").click().run()
    assert any("raportul rectificativ ca șters (S)" in s.value for s in at.success)
    at.selectbox[0].set_value(first.id).run()
    at.selectbox(key="f_diagType").set_value("1").run()
    _button(at, "Salvează").click().run()
    assert any("raportul rectificativ (M)" in s.value for s in at.success)
    at.selectbox[0].set_value(second.id).run()  # a change the report does not carry queues nothing
    at.text_input(key="f_regNo").input("1999").run()
    _button(at, "Salvează").click().run()
    assert [(p.certificate_id, p.correction_type) for p in store.pending_rectifications()] == [
        (third.id, "S"), (first.id, "M")]

    _report_page(at)
    queue = at.dataframe[0].value
    assert list(queue["Nr."]) == ["4512303", "4512301"] and list(queue["Corecție"]) == ["S (șters)", "M (modificat)"]
    _button(at, "Generează raportul rectificativ").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    report = store.list_reports(2026, 10)[0]
    assert report.correction and sorted(report.certificate_ids) == sorted([first.id, third.id])
    root = parse_bytes(report.xml, "rectificativ")
    official_schema("ImportSickLeaveReport.xsd").assertValid(root)
    kinds = {c.get("serialNo"): c.get("correctionType") for c in root.iter(f"{{{SIUI}}}certificate")}
    assert kinds == {"4512301": "M", "4512303": "S"}
    assert store.pending_rectifications() == []
    assert any("Raportul #" in s.value and "modificat: 1" in s.value and "șters: 1" in s.value for s in at.success)

    at.switch_page("ui/jurnal.py").run()  # states in Romanian in the audit log too
    log = at.dataframe[0].value
    assert {"S (șters)", "M (modificat)", "ANULAT"} <= set(log["Nou"].dropna())
    assert {"anulare", "pus în coadă", "generare", "inclus în raport"} <= set(log["Acțiune"])
    assert not {"sent", "generated", "annulled"} & set(log["Nou"].dropna())


def _payroll(store):
    from formproc import auth

    auth.create_user(store, "salarii", "parola-salarii", "payroll", "Ioana Salarii")
    return _login(_app(), "salarii", "parola-salarii")


def test_payroll_computes_the_payer_part_with_the_explanation(store):
    cert = store.find_certificate("CCMAT", "4512301")  # code 01, 05.10-08.10.2026, 4 days
    at = _payroll(store)
    at.switch_page("ui/platitor.py").run()
    assert not at.exception and at.title[0].value == "Partea plătitorului"
    at.selectbox(key="payer_cert").set_value(cert.id).run()
    months = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    for month in months:
        at.text_input(key=f"pay_inc_{cert.id}_{month}").input("6.000,00")
        at.text_input(key=f"pay_days_{cert.id}_{month}").input("15").run()
    assert store.get_draft("salarii", f"payer:{cert.id}")["2026-09"] == ["6.000,00", "15"]  # kept as typed
    _button(at, "Calculează").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    explanation = at.markdown[-1].value if "Norme" in at.markdown[-1].value else next(
        m.value for m in at.markdown if "Mzbci" in m.value)
    assert "1. Luna 2026-04: venit 6.000,00 lei, 15 zile lucrate" in explanation
    assert "Media zilnică Mzbci = 36.000,00 lei : 90 = 400,00 lei" in explanation
    assert "Norme art. 62 alin. (1)" in explanation
    download = next(b for b in at.get("download_button") if b.label.startswith("Descarcă explicația"))
    assert download is not None
    _button(at, "Completează partea plătitorului în certificat").click().run()
    saved = store.get_certificate(cert.id)
    assert saved.version == 2
    assert saved.record.baseAmount == Decimal("36000.00") and saved.record.baseDays == 90
    assert saved.record.dailyAverage == Decimal("400.00") and saved.record.indemnityAmount is not None
    assert store.audit_log(entity="certificate", entity_id=cert.id, field="dailyAverage")[0].username == "salarii"
    assert at.success and store.get_draft("salarii", f"payer:{cert.id}") is None


def test_payer_page_refuses_bad_amounts_in_romanian_and_other_roles(store):
    cert = store.find_certificate("CCMAT", "4512301")
    at = _payroll(store)
    at.switch_page("ui/platitor.py").run()
    at.selectbox(key="payer_cert").set_value(cert.id).run()
    at.text_input(key=f"pay_inc_{cert.id}_2026-09").input("șase mii")
    at.text_input(key=f"pay_days_{cert.id}_2026-08").input("40").run()
    _button(at, "Calculează").click().run()
    assert [e.value for e in at.error] == ["08.2026: zilele lucrate trebuie să fie un număr întreg între 0 și 31",
                                           "09.2026: venitul trebuie să fie o sumă pozitivă (de exemplu 4.500,00)"]
    _button(at, "Calculează").click().run()
    doctor = _login(_app(), "dr", "parola-medic")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        doctor.switch_page("ui/platitor.py")


def test_a_scanned_blank_becomes_the_alignment_reference(store):
    from formproc.layout import load_template
    from formproc.render.blank import render_blank
    from formproc.scan.register import reference_file
    from ui.common import pdf_page_png

    blank = pdf_page_png(render_blank(load_template("ccm-2025")), 0, dpi=150)
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/setari.py").run()
    table = at.dataframe[-1].value
    assert set(table["Referința de aliniere folosită"]) == {"formularul generat din machetă"}
    at.selectbox(key="ref_template").set_value("ccm-2025")
    at.file_uploader(key="ref_file").upload("carnet-gol.png", blank, "image/png")
    next(b for b in at.get("form_submit_button") if b.label == "Înregistrează referința").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert reference_file("ccm-2025").is_file()
    table = at.dataframe[-1].value
    row = dict(zip(table["Formular"], table["Referința de aliniere folosită"]))
    assert row["ccm-2025"].startswith("scanarea unui formular real (carnet-gol.png, scor de aliniere")
    assert store.audit_log(entity="setting", entity_id="scan.reference.ccm-2025")[0].reason == "scanned"

    at.file_uploader(key="ref_file").upload("scrisoare.png", _letter_png(), "image/png")
    next(b for b in at.get("form_submit_button") if b.label == "Înregistrează referința").click().run()
    assert any("scanarea nu pare un formular necompletat" in e.value for e in at.error), [e.value for e in at.error]
    _button(at, "Revino la formularul generat din machetă").click().run()
    assert not reference_file("ccm-2025").is_file()


def _letter_png() -> bytes:
    """A typed letter: a page, but not a CCM blank."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for i in range(30):
        draw.text((100, 50 + i * 50), "Scrisoare oarecare, nu un formular " * 2, fill="black")
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_certificate_entry_explains_bad_values_in_romanian(store):
    at = _login(_app(), "admin", "parola-admin")
    at.text_input(key="f_days").input("cinci").run()
    at.text_input(key="f_baseAmount").input("mult").run()
    assert [e.value for e in at.error] == [
        "Certificatul nu poate fi salvat încă: 15. Nr. zile calendaristice: trebuie să fie un număr întreg; "
        "Baza de calcul: trebuie să fie o sumă (de exemplu 1234.50)"]
    captions = [c.value for c in at.caption]
    assert "⛔ trebuie să fie un număr întreg" in captions
    assert "⛔ trebuie să fie o sumă (de exemplu 1234.50)" in captions
    assert _button(at, "Salvează").disabled


def test_reconcile_hand_corrections_field_by_field_then_rectificative(store):
    """A reported certificate corrected by hand on paper (validTo and days, signed and stamped): the page shows
    stored value, paper value and crop per field; the accepted ones are saved, audited and queued as M."""
    import cv2
    import numpy as np

    from formproc.layout import load_template, template_for_date
    from formproc.reconcile.samples import make_corrected

    cert = store.find_certificate("CCMAT", "4512301")  # 05.10-08.10.2026, 4 days
    _sent_report(store, [cert.id, store.find_certificate("CCMAT", "4512302").id,
                         store.find_certificate("CCMAT", "4512303").id])
    template = load_template(template_for_date(cert.record.issueDate))
    sample = make_corrected(np.random.default_rng(10), template, record=cert.record, fields=["validTo", "days"],
                            values={"validTo": "071026", "days": "3"}, paraph=True, distort=False, copy="white")
    ok, png = cv2.imencode(".png", cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR))
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/reconciliere.py").run()
    at.file_uploader[0].upload("copie-corectata.png", png.tobytes(), "image/png").run()
    _button(at, "Citește copia").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert at.selectbox(key="recon_cert").value == cert.id  # found by the series/number read on the paper
    cells = " ".join(m.value for m in at.markdown)
    assert "`2026-10-08`" in cells and "`2026-10-07`" in cells and "corectat de mână" in cells
    assert len(at.get("image")) >= 2  # the crops of the two fields
    at.checkbox(key=f"acc_{cert.id}_validTo").check()
    at.checkbox(key=f"acc_{cert.id}_days").check().run()
    _button(at, "Aplică modificările acceptate").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    saved = store.get_certificate(cert.id)
    assert str(saved.record.validTo) == "2026-10-07" and saved.record.days == 3
    assert {e.reason for e in store.audit_log(entity="certificate", entity_id=cert.id, field="days")} >= {"reconciled"}
    assert store.list_scans(cert.id)[0].content[:4] == b"\x89PNG"
    assert [(r.certificate_id, r.correction_type) for r in store.pending_rectifications()] == [(cert.id, "M")]
    assert any("coada raportului rectificativ: M (modificat)" in s.value for s in at.success)
