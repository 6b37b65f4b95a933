"""Every page's wiring, driven with Streamlit's AppTest (no browser)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import official_schema
from streamlit.testing.v1 import AppTest

from formproc import auth
from formproc.model import read_records
from formproc.xmlsafe import parse_bytes
from formproc.store import Store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PID = "2850314220170"  # a patient's CNP in samples/records.json
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Argon2id with small costs: the app's sign-in is exercised as is, without 0.3 s per hash."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(formproc_home):
    s = Store()
    auth.create_user(s, "admin", "parola-admin", "admin", "Admin Demo")
    auth.create_user(s, "dr", "parola-medic", "doctor", "Dr. Ana")
    from ui.common import load_demo, store as app_store  # the demo loader the app's button calls

    assert app_store().url == s.url
    load_demo("admin")
    yield s
    s.close()


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def _login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text_input]
    return " ".join(str(p) for p in parts)


def test_first_run_creates_the_admin_and_loads_the_demo(formproc_home):
    at = _app()
    assert at.subheader[0].value.startswith("Prima pornire")
    at.text_input[2].input("parola-lunga")
    at.text_input[3].input("parola-lunga")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Certificat de concediu medical"
    s = Store()
    assert s.get_user("admin").role == "admin"
    assert len(s.list_certificates()) == 4 and s.provider()["providerCode"] == "IS0123"


def test_no_patient_data_without_login_and_wrong_password_refused(store):
    at = _app()
    assert PID not in _texts(at) and "IONESCU" not in _texts(at)
    _login(at, "admin", "gresit")
    assert at.error[0].value == "Utilizator sau parolă greșită."
    assert PID not in _texts(at)
    _login(at, "admin", "parola-admin")
    assert at.title[0].value == "Certificat de concediu medical"


def test_role_without_access_does_not_get_the_page(store):
    at = _login(_app(), "dr", "parola-medic")
    for page in ("ui/jurnal.py", "ui/raport.py", "ui/setari.py", "ui/feedback.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("ui/tiparire.py").run()
    assert not at.exception


@pytest.mark.parametrize("page", ["certificat", "platitor", "tiparire", "scanare", "reconciliere", "raport",
                                  "feedback", "setari", "jurnal"])
def test_every_page_refuses_a_visitor_who_is_not_signed_in(store, page):
    at = AppTest.from_file(str(ROOT / "ui" / f"{page}.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error[0].value == "Autentificați-vă pentru a vedea această pagină."
    assert PID not in _texts(at) and not at.dataframe


def test_certificate_edit_draft_save_and_conflict(store):
    at = _login(_app(), "admin", "parola-admin")
    cert = store.find_certificate("CCMAT", "4512301")
    at.selectbox[0].set_value(cert.id).run()
    assert at.text_input(key="f_pid").value == PID
    at.text_input(key="f_days").input("5").run()
    assert store.get_draft("admin", f"cert:{cert.id}")["days"] == 5  # kept as typed, before saving
    # a validation finding is shown beside the days field (4 days stored vs 5 typed, 05-08.10)
    assert any("⛔" in c.value or "⚠️" in c.value for c in at.caption)
    at.date_input(key="f_validTo").set_value(cert.record.validTo.replace(day=9)).run()
    save = next(b for b in at.button if b.label == "Salvează")
    save.click().run()
    assert not at.exception
    saved = store.get_certificate(cert.id)
    assert saved.version == 2 and saved.record.days == 5
    assert store.get_draft("admin", f"cert:{cert.id}") is None
    assert {e.field for e in store.audit_log(entity="certificate", entity_id=cert.id, username="admin")} >= {"days"}

    # someone else saves the same certificate: this session's save is refused, nothing is overwritten
    store.update_certificate(cert.id, saved.record.model_copy(update={"regNo": "42"}), 2, "dr")
    at.text_input(key="f_address").input("Iași, altă adresă").run()
    next(b for b in at.button if b.label == "Salvează").click().run()
    assert any(e.value.startswith("Conflict: certificatul CCMAT 4512301 a fost modificat între timp de dr")
               for e in at.error)
    assert store.get_certificate(cert.id).record.regNo == "42"
    assert store.get_draft("admin", f"cert:{cert.id}")["address"] == "Iași, altă adresă"  # nothing lost


def test_draft_survives_a_new_session(store):
    at = _login(_app(), "admin", "parola-admin")
    at.text_input(key="f_lastName").input("VASILE").run()
    again = _login(_app(), "admin", "parola-admin")  # a page refresh is a new session
    assert again.text_input(key="f_lastName").value == "VASILE"
    assert any("Ciornă" in i.value for i in again.info)


def test_new_certificate_takes_the_next_free_number_then_annul_and_duplicate(store):
    at = _login(_app(), "admin", "parola-admin")
    assert at.text_input(key="f_serialNo").value == "4512305"  # the demo booklet's first free sheet
    assert at.text_input(key="f_cui").value == "31543210"  # provider defaults
    for name, value in (("lastName", "VASILE"), ("firstName", "ELENA"), ("pid", "2900101220011"),
                        ("days", "2"), ("diagCode", "463"), ("indemnCode", "01")):
        at.text_input(key=f"f_{name}").input(value).run()
    next(b for b in at.button if b.label == "Salvează").click().run()
    new = store.find_certificate("CCMAT", "4512305")
    assert new is not None and new.record.lastName == "VASILE"
    assert store.next_free_sheet().serial_no == "4512306"

    next(b for b in at.button if b.label == "Emite DUPLICAT").click().run()
    dup = store.find_certificate("CCMAT", "4512306")
    assert dup.record.duplicate == 1 and dup.record.duplSerialNo == "4512305"
    at.selectbox[0].set_value(new.id).run()
    next(b for b in at.button if b.label == "Anulează foaia (ANULAT)").click().run()
    assert store.get_certificate(new.id).record.status == "annulled"


def test_print_page_previews_and_offers_pdfs(store):
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/tiparire.py").run()
    cert = store.find_certificate("CCMAT", "4512301")
    at.multiselect[0].set_value([cert.id]).run()
    assert not at.exception and not at.error
    labels = [b.label for b in at.get("download_button")]
    assert "Descarcă PDF pentru tipărire (doar datele)" in labels and "Descarcă pagina de calibrare" in labels
    assert at.get("image")


def test_report_page_generates_and_stores_the_xml(store):
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/raport.py").run()
    at.number_input[0].set_value(2026).run()
    at.selectbox[0].set_value(10).run()
    next(b for b in at.button if b.label == "Generează raportul").click().run()
    assert not at.exception
    reports = store.list_reports(2026, 10)
    assert len(reports) == 1 and len(reports[0].certificate_ids) == 3
    official_schema("ImportSickLeaveReport.xsd").assertValid(parse_bytes(reports[0].xml, "report"))
    assert any(b.label == "Descarcă XML" for b in at.get("download_button"))
    next(b for b in at.button if b.label == "Marchează ca trimis").click().run()
    assert store.get_report(reports[0].id).status == "sent"
    assert any(b.label == "Generează raportul rectificativ" for b in at.button)


def _scanned_page(store) -> bytes:
    from formproc.render.printing import render_records
    from ui.common import pdf_page_png

    record = store.find_certificate("CCMAT", "4512301").record
    return pdf_page_png(render_records([record], None, background=True), 0, dpi=200)


def test_scan_page_reads_shows_crops_and_saves(store):
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/scanare.py").run()
    at.file_uploader[0].upload("pagina.png", _scanned_page(store), "image/png").run()
    next(b for b in at.button if b.label == "Citește scanările").click().run()
    assert not at.exception, at.exception
    assert at.get("image") and at.text_input(key="scan_0_pid").value == PID
    at.text_input(key="scan_0_regNo").input("1533")
    next(b for b in at.get("form_submit_button") if b.label == "Salvează în înregistrări").click().run()
    assert not at.exception and at.success
    cert = store.find_certificate("CCMAT", "4512301")
    assert cert.record.regNo == "1533" and cert.version == 2
    assert store.list_scans(cert.id)[0].content[:4] == b"\x89PNG"
    assert store.audit_log(entity="certificate", entity_id=cert.id, field="regNo")[0].reason == "scanned"


def test_reconcile_page_accepts_a_paper_change(store):
    cert = store.find_certificate("CCMAT", "4512301")
    page = _scanned_page(store)  # the paper says regNo 1532
    store.update_certificate(cert.id, cert.record.model_copy(update={"regNo": "9"}), 1, "dr")
    rid = store.add_report(2026, 10, b"<r/>", [cert.id], "admin")
    store.set_report_status(rid, "sent", "admin")
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/reconciliere.py").run()
    at.file_uploader[0].upload("copie.png", page, "image/png").run()
    next(b for b in at.button if b.label == "Citește copia").click().run()
    assert not at.exception
    accept = at.checkbox(key=f"acc_{cert.id}_regNo")
    accept.check().run()
    next(b for b in at.button if b.label == "Aplică modificările acceptate").click().run()
    assert not at.exception
    assert store.get_certificate(cert.id).record.regNo == "1532"
    assert store.audit_log(entity="certificate", entity_id=cert.id, field="regNo")[0].reason == "reconciled"
    assert [(r.certificate_id, r.correction_type) for r in store.pending_rectifications()] == [(cert.id, "M")]


def test_settings_page_provider_users_profiles(store):
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/setari.py").run()
    assert not at.exception
    provider_form = [t for t in at.text_input if t.label == "Nr. convenție"][0]
    provider_form.input("5678")
    next(b for b in at.button if b.label == "Salvează datele furnizorului").click().run()
    assert store.provider()["conventionNo"] == "5678"
    names = [t for t in at.text_input if t.label == "Utilizator"]
    names[0].input("registru")
    [t for t in at.text_input if t.label == "Parolă"][0].input("parola-registru")
    next(b for b in at.button if b.label == "Adaugă utilizatorul").click().run()
    assert store.get_user("registru").role == "doctor"
    area = at.text_area[0]
    area.input(area.value.replace('"imprimanta-noua"', '"birou"').replace('"offset_x_mm": 0.0', '"offset_x_mm": 1.5'))
    next(b for b in at.button if b.label == "Salvează profilul").click().run()
    assert store.get_printer_profile("birou")["offset_x_mm"] == 1.5


def test_journal_and_feedback_pages_show_the_store(store):
    at = _login(_app(), "admin", "parola-admin")
    at.switch_page("ui/jurnal.py").run()
    assert not at.exception and len(at.dataframe[0].value) > 10
    at.selectbox[2].set_value("imported").run()
    assert set(at.dataframe[0].value["Motiv"]) == {"importat"}
    at.switch_page("ui/feedback.py").run()
    assert not at.exception and any("Niciun răspuns" in c.value for c in at.caption)
    at.switch_page("ui/scanare.py").run()
    assert not at.exception and at.title[0].value == "Scanare certificate"
    at.switch_page("ui/reconciliere.py").run()
    assert not at.exception


def test_demo_records_are_the_samples(store):
    assert [c.record for c in store.list_certificates()] == read_records(str(ROOT / "samples" / "records.json"))
