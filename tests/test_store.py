"""The store on SQLite and PostgreSQL: migrations, optimistic locking, audit, booklets, blobs, users."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from formproc import auth
from formproc.errors import ConflictError, InputError, StorageError
from formproc.model import Certificate, read_records
from formproc.store import Store, migrate
from formproc.store.tables import Base

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records.json"


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def records():
    return read_records(str(SAMPLES))


def test_new_database_is_migrated_to_head_and_matches_the_models(store):
    assert migrate.current(store.engine) == migrate.head() != ""
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert {"certificates", "audit", "sheets", "scans", "reports"} <= set(inspect(store.engine).get_table_names())


def test_reopening_keeps_data(db_url, records):
    first = Store(db_url)
    first.add_certificate(records[0], "ana")
    first.close()
    again = Store(db_url)
    assert again.find_certificate("CCMAT", "4512301").record == records[0]
    again.close()


def test_default_url_is_sqlite_in_formproc_home(formproc_home):
    store = Store()
    assert store.url.startswith("sqlite:///") and str(formproc_home) in store.url
    assert (formproc_home / "formproc.sqlite3").exists()
    store.close()


def test_certificates_round_trip_and_month_filter(store, records):
    saved = store.add_certificates(records, "ana")
    assert [s.version for s in saved] == [1] * 4
    assert store.get_certificate(saved[2].id).record == records[2]
    assert len(store.list_certificates(year=2026, month=10)) == 4
    assert store.list_certificates(year=2026, month=11) == []
    assert [s.record.serialNo for s in store.list_certificates(status="annulled")] == ["4512304"]
    with pytest.raises(InputError, match="nu există"):
        store.get_certificate(999)


def test_second_concurrent_save_is_refused_and_nothing_is_overwritten(store, records):
    stored = store.add_certificate(records[0], "ana")
    mine = stored.record.model_copy(update={"days": 5, "validTo": records[0].validTo.replace(day=9)})
    theirs = stored.record.model_copy(update={"regNo": "9999"})
    after = store.update_certificate(stored.id, mine, stored.version, "ana")
    assert after.version == 2
    with pytest.raises(ConflictError, match="modificat între timp de ana"):
        store.update_certificate(stored.id, theirs, stored.version, "bogdan")
    current = store.get_certificate(stored.id)
    assert current.record == mine and current.version == 2
    assert not any(e.username == "bogdan" for e in store.audit_log(entity="certificate"))


def test_racing_saves_from_two_threads_let_exactly_one_win(store, records):
    stored = store.add_certificate(records[0], "ana")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(user: str, reg: str) -> None:
        barrier.wait()
        try:
            store.update_certificate(stored.id, stored.record.model_copy(update={"regNo": reg}), stored.version, user)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(u, r)) for u, r in (("ana", "1111"), ("bogdan", "2222"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert store.get_certificate(stored.id).version == 2


def test_audit_log_records_who_field_old_new_and_why(store, records):
    stored = store.add_certificate(records[0], "ana", reason="typed")
    created = store.audit_log(entity="certificate", entity_id=stored.id, field="pid")
    assert created[0].old_value is None and created[0].new_value == records[0].pid
    changed = stored.record.model_copy(update={"days": 3, "diagCode": "464"})
    store.update_certificate(stored.id, changed, 1, "bogdan", reason="scanned")
    entries = store.audit_log(entity="certificate", entity_id=stored.id, reason="scanned")
    assert {(e.field, e.old_value, e.new_value, e.username) for e in entries} == {
        ("days", "4", "3", "bogdan"), ("diagCode", "463", "464", "bogdan")}
    assert all(e.at is not None for e in entries)
    with pytest.raises(InputError, match="unknown change reason"):
        store.update_certificate(stored.id, changed, 2, "bogdan", reason="guessed")


def test_a_failing_batch_stores_nothing(store, records):
    with pytest.raises(StorageError, match="există deja"):
        store.add_certificates([records[0], records[1], records[0]], "ana")
    assert store.list_certificates() == []
    assert store.audit_log() == []


def test_booklet_register_next_use_annul_duplicate(store, records):
    booklet = store.register_booklet("ccmat", "4512301", "ana")
    assert booklet.serial_code == "CCMAT" and booklet.sheet_count == 50
    with pytest.raises(InputError, match="deja într-un carnet"):
        store.register_booklet("CCMAT", "4512350", "ana")
    assert store.next_free_sheet().serial_no == "4512301"
    store.add_certificates(records, "ana")
    (_, tally), = store.list_booklets()
    assert tally == {"free": 46, "used": 3, "annulled": 1}
    assert store.next_free_sheet("CCMAT").serial_no == "4512305"

    blank = store.annul_sheet("CCMAT", "4512305", "ana", note="foaie pătată")
    assert blank.record.status == "annulled" and blank.record.lastName is None
    assert store.next_free_sheet().serial_no == "4512306"
    with pytest.raises(StorageError, match="există deja"):
        store.add_certificate(Certificate(serialCode="CCMAT", serialNo="4512305"), "ana")
    with pytest.raises(StorageError, match="anulată"):
        store.update_certificate(blank.id, blank.record.model_copy(update={"status": "issued"}), 1, "ana")
    annulled = store.annul_sheet("CCMAT", "4512303", "ana")
    assert annulled.record.status == "annulled" and annulled.record.pid == records[2].pid
    assert annulled.version == 2
    with pytest.raises(InputError, match="deja anulat"):
        store.annul_sheet("CCMAT", "4512303", "ana")
    with pytest.raises(InputError, match="nu este într-un carnet"):
        store.annul_sheet("XX", "1", "ana")

    first = store.issue_duplicate("CCMAT", "4512301", "ana")
    assert (first.record.serialNo, first.record.duplicate) == ("4512306", 1)
    assert (first.record.duplSerialCode, first.record.duplSerialNo) == ("CCMAT", "4512301")
    assert first.record.pid == records[0].pid and first.record.status == "issued"
    second = store.issue_duplicate("CCMAT", "4512301", "ana", "CCMAT", "4512340")
    assert (second.record.serialNo, second.record.duplicate) == ("4512340", 2)
    with pytest.raises(InputError, match="el însuși un duplicat"):
        store.issue_duplicate("CCMAT", "4512306", "ana")
    states = {s.serial_no: s.state for s in store.sheets(booklet.id)}
    assert states["4512305"] == "annulled" and states["4512306"] == "used" and states["4512340"] == "used"


def test_booklet_numbers_keep_leading_zeros_and_run_out(store):
    store.register_booklet("AB", "0000098", "ana", sheets=3)
    sheets = store.sheets(store.list_booklets()[0][0].id)
    assert [s.serial_no for s in sheets] == ["0000098", "0000099", "0000100"]
    for s in sheets:
        store.annul_sheet("AB", s.serial_no, "ana")
    assert store.next_free_sheet() is None
    store.add_certificate(Certificate(serialCode="AB", serialNo="7"), "ana")
    with pytest.raises(InputError, match="nicio foaie liberă"):
        store.issue_duplicate("AB", "7", "ana")
    for bad, first in (("TOOLONG", "1"), ("AB", "12a"), ("AB", "99999999999")):
        with pytest.raises(InputError):
            store.register_booklet(bad, first, "ana")


def test_drafts_survive_and_are_per_user(store):
    store.save_draft("ana", "new", {"lastName": "ION"})
    store.save_draft("ana", "new", {"lastName": "IONESCU", "days": "4"})
    assert store.get_draft("ana", "new") == {"lastName": "IONESCU", "days": "4"}
    assert store.get_draft("bogdan", "new") is None
    store.delete_draft("ana", "new")
    assert store.get_draft("ana", "new") is None


def test_scans_reports_feedback_keep_exact_bytes(store, records):
    cert = store.add_certificate(records[0], "ana")
    blob = bytes(range(256)) * 40
    scan_id = store.add_scan("/x/y/scan 1.pdf", blob, [{"page": 1, "fields": {"days": {"value": "4"}}}], "ana")
    store.link_scan(scan_id, cert.id, "ana")
    scan = store.get_scan(scan_id)
    assert scan.content == blob and scan.filename == "scan 1.pdf" and scan.certificate_id == cert.id
    assert scan.result[0]["fields"]["days"]["value"] == "4"
    xml = '<?xml version="1.0" encoding="UTF-8"?>\r\n<report a="ă"/>'.encode()
    rid = store.add_report(2026, 10, xml, [cert.id], "ana")
    store.set_report_status(rid, "sent", "ana")
    report = store.get_report(rid)
    assert report.xml == xml and report.status == "sent" and report.sent_at is not None
    assert report.certificate_ids == [cert.id]
    assert [r.id for r in store.list_reports(2026, 10)] == [rid] and store.list_reports(2026, 9) == []
    fid = store.add_feedback("fb.xml", b"<feedback/>", [{"serialNo": "4512301", "status": "OK"}], "ana", rid)
    assert store.list_feedback()[0].id == fid and store.list_feedback()[0].content == b"<feedback/>"


def test_settings_profiles_catalogs_are_audited(store):
    store.set_setting("provider", {"providerCode": "IS0123"}, "admin")
    store.set_setting("provider", {"providerCode": "IS0124"}, "admin")
    assert store.provider() == {"providerCode": "IS0124"}
    assert store.get_setting("missing", 5) == 5
    change = store.audit_log(entity="setting")[0]
    assert '"IS0123"' in change.old_value and '"IS0124"' in change.new_value
    store.save_printer_profile("Epson LQ", {"offset_x": 1.5}, "admin")
    assert store.get_printer_profile("Epson LQ") == {"offset_x": 1.5}
    assert store.list_printer_profiles() == ["Epson LQ"]
    store.delete_printer_profile("Epson LQ", "admin")
    assert store.list_printer_profiles() == []
    cid = store.add_catalog_import("diagnosis", "/tmp/nom.xml", [{"code": "001", "name": "Holera"}], "admin")
    assert store.list_catalog_imports()[0].id == cid


def test_users_passwords_and_roles(store):
    user = auth.create_user(store, "ana", "parola-lunga", "doctor", "Ana Popescu", by="admin")
    assert user.password_hash.startswith("$argon2id$") and "parola-lunga" not in user.password_hash
    assert auth.authenticate(store, "ana", "parola-lunga").role == "doctor"
    assert auth.authenticate(store, "ana", "gresit") is None
    assert auth.authenticate(store, "nimeni", "parola-lunga") is None
    with pytest.raises(InputError, match="există deja"):
        auth.create_user(store, "ana", "parola-lunga", "doctor")
    with pytest.raises(InputError, match="rol necunoscut"):
        auth.create_user(store, "bob", "parola-lunga", "nurse")
    with pytest.raises(InputError, match="cel puțin"):
        auth.create_user(store, "bob", "scurt", "admin")
    auth.set_password(store, "ana", "alta-parola", by="admin")
    assert auth.authenticate(store, "ana", "parola-lunga") is None
    assert auth.authenticate(store, "ana", "alta-parola") is not None
    store.update_user("ana", "admin", active=False)
    assert auth.authenticate(store, "ana", "alta-parola") is None
    assert all("argon2" not in (e.old_value or "") + (e.new_value or "") for e in store.audit_log(entity="user"))
    assert auth.can("payroll", "report") and not auth.can("doctor", "settings") and not auth.can(None, "print")
    assert store.count_users() == 1


def test_rectification_queue(store, records):
    a, b = store.add_certificates(records[:2], "ana")
    first = store.queue_rectification(a.id, "A", "ana")
    assert store.queue_rectification(a.id, "M", "ana") == first
    assert store.pending_rectifications()[0].correction_type == "A"
    store.queue_rectification(b.id, "M", "ana")
    store.queue_rectification(b.id, "S", "ana", note="emis greșit")
    kinds = {r.certificate_id: r.correction_type for r in store.pending_rectifications()}
    assert kinds == {a.id: "A", b.id: "S"}
    with pytest.raises(InputError, match="A, M sau S"):
        store.queue_rectification(a.id, "X", "ana")
    rid = store.add_report(2026, 10, b"<r/>", [a.id, b.id], "ana", correction=True)
    store.close_rectifications([r.id for r in store.pending_rectifications()], rid, "ana")
    assert store.pending_rectifications() == []


def test_no_cnp_or_name_reaches_the_logs(store, records, caplog):
    caplog.set_level(logging.DEBUG)
    stored = store.add_certificate(records[0], "ana")
    store.update_certificate(stored.id, stored.record.model_copy(update={"lastName": "POPA"}), 1, "ana")
    with pytest.raises(StorageError):
        store.add_certificate(records[0], "ana")
    text = caplog.text
    assert records[0].pid not in text and "IONESCU" not in text and "POPA" not in text


def test_unreachable_database_is_a_one_line_storage_error(tmp_path):
    with pytest.raises(StorageError, match="baza de date"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none")
