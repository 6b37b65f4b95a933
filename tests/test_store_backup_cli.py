"""Backup/restore to an identical store, and the booklet/duplicate/backup commands."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from formproc import auth
from formproc.cli import main
from formproc.errors import InputError
from formproc.model import read_records
from formproc.store import Store
from formproc.store.backup import backup_bytes, dump_tables, restore_bytes

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records.json"


def _fill(store: Store) -> None:
    records = read_records(str(SAMPLES))
    store.register_booklet("CCMAT", "4512301", "ana")
    saved = store.add_certificates(records, "ana")
    store.update_certificate(saved[0].id, saved[0].record.model_copy(update={"regNo": "77"}), 1, "ana")
    store.issue_duplicate("CCMAT", "4512302", "ana")
    store.add_scan("s.png", b"\x89PNG\r\n\x1a\n\x00binary\xff", {"fields": {"days": 4}}, "ana", saved[0].id)
    rid = store.add_report(2026, 10, '<?xml version="1.0"?>\n<report n="ș"/>'.encode(), [s.id for s in saved], "ana")
    store.add_feedback("fb.xml", b"<fb/>", [{"serialNo": "4512301", "status": "ERR"}], "ana", rid)
    store.queue_rectification(saved[1].id, "M", "ana")
    store.save_printer_profile("birou", {"offset_x": -0.5, "nudges": {"pid": [0.2, 0]}}, "ana")
    store.set_setting("provider", json.loads((SAMPLES.parent / "provider.json").read_text()), "ana")
    store.save_draft("ana", "new", {"lastName": "X"})
    auth.create_user(store, "ana", "parola-lunga", "doctor")


def test_backup_restores_to_an_identical_store(db_url, tmp_path):
    source = Store(db_url)
    _fill(source)
    data = backup_bytes(source)
    target = Store(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    counts = restore_bytes(target, data)
    assert counts["certificates"] == 5 and counts["sheets"] == 50
    assert dump_tables(target) == dump_tables(source)
    assert target.get_scan(1).content == source.get_scan(1).content
    with pytest.raises(InputError, match="not empty"):
        restore_bytes(target, data)
    source.close()
    target.close()


def test_restore_into_postgres_continues_ids(db_url, tmp_path):
    source = Store(f"sqlite:///{tmp_path / 'src.sqlite3'}")
    _fill(source)
    target = Store(db_url)
    restore_bytes(target, backup_bytes(source))
    assert dump_tables(target) == dump_tables(source)
    new = target.add_certificate(read_records(str(SAMPLES))[0].model_copy(update={"serialNo": "4512399"}), "ana")
    assert new.id == 6


def test_bad_backups_are_refused(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(InputError, match="not a readable formproc backup"):
        restore_bytes(store, b"not a zip")
    bogus = tmp_path / "b.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "other"}))
    with pytest.raises(InputError, match="not a formproc backup"):
        restore_bytes(store, bogus.read_bytes())


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code or 0, out, err


def test_booklet_and_duplicate_commands(capsys, tmp_path):
    assert _run(capsys, "booklet", "next")[0] == 1
    code, out, _ = _run(capsys, "booklet", "register", "CCMAT", "4512301")
    assert code == 0 and json.loads(out)["sheets"] == 50
    assert json.loads(_run(capsys, "booklet", "next")[1])["serialNo"] == "4512301"
    code, out, _ = _run(capsys, "booklet", "annul", "CCMAT", "4512301", "--note", "greșit")
    assert code == 0 and json.loads(out)["status"] == "annulled"
    assert json.loads(_run(capsys, "booklet", "next", "--series", "CCMAT")[1])["serialNo"] == "4512302"
    listing = json.loads(_run(capsys, "booklet", "list", "--sheets")[1])
    assert listing[0]["annulled"] == 1 and listing[0]["sheetStates"]["4512301"] == "annulled"
    code, out, _ = _run(capsys, "duplicate", "CCMAT", "4512301")
    dup = json.loads(out)
    assert code == 0 and dup["serialNo"] == "4512302" and dup["duplicate"] == 1 and dup["duplSerialNo"] == "4512301"
    code, _, err = _run(capsys, "duplicate", "CCMAT", "999")
    assert code == 2 and "nu există" in err and "Traceback" not in err
    assert _run(capsys, "duplicate", "CCMAT", "4512301", "--to", "bad")[0] == 2
    assert _run(capsys, "booklet", "register", "CCMAT", "4512320")[0] == 2

    zip_path = tmp_path / "backup.zip"
    assert _run(capsys, "backup", str(zip_path))[0] == 0
    assert zipfile.is_zipfile(zip_path)
    code, _, err = _run(capsys, "restore", str(zip_path))
    assert code == 2 and "not empty" in err
