"""Security at run time: no patient data in messages or logs, upload limits, password hashes, sign-in
on every page, backup/restore through the CLI.

Covered elsewhere and not repeated here: untrusted XML only through formproc.xmlsafe
(tests/test_security_static.py), XXE / billion laughs / external DTD refused
(tests/test_badinput_cli.py), argon2id hashes and refused wrong passwords (tests/test_store.py),
every page refusing a visitor who is not signed in (tests/test_app.py), backup restored to an
identical store on SQLite and PostgreSQL (tests/test_store_backup_cli.py).
"""

from __future__ import annotations

import ast
import json
import logging
import sys
from pathlib import Path

import argon2
import pytest

from formproc import auth
from formproc.cli import main
from formproc.errors import InputError
from formproc.files import read_bytes
from formproc.store import Store
from formproc.store.backup import dump_tables

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the app's ui package
SAMPLES = ROOT / "samples"
PID = "2850314220170"  # the patient of samples/records.json
NAME = "IONESCU"


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code or 0, out, err


def record(**changes) -> str:
    return json.dumps([{**json.loads((SAMPLES / "records.json").read_text())[0], **changes}])


@pytest.mark.parametrize("changes, secret", [
    ({"pid": PID + "9"}, PID),                       # a CNP one digit too long
    ({"pid": ["not", PID]}, PID),                    # a CNP of the wrong type
    ({"lastName": NAME * 30}, NAME),                 # a name over 100 characters
    ({"firstName": {"name": "MARIA"}}, "MARIA"),     # a name of the wrong type
    ({"address": "Str. X " * 60}, "Str. X"),         # an address over 300 characters
    ({"childPid": 6190502220885}, "6190502220885"),  # a child's CNP given as a number
])
@pytest.mark.parametrize("command", ["validate", "print", "payer"])
def test_bad_records_never_echo_patient_data(tmp_path, capsys, caplog, changes, secret, command):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "records.json"
    path.write_text(record(**changes))
    args = {"validate": ["validate", path], "print": ["print", path, "-o", tmp_path / "o.pdf"],
            "payer": ["payer", path, "--incomes", tmp_path / "none.json"]}[command]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert secret not in err and secret not in out and secret not in caplog.text
    assert not (tmp_path / "o.pdf").exists()


def test_schema_errors_in_siui_files_do_not_echo_the_value(tmp_path, capsys):
    from formproc.model import read_records
    from formproc.report import load_provider, prepare_report

    xml = prepare_report(read_records(str(SAMPLES / "records.json")), "2026-10",
                         load_provider(str(SAMPLES / "provider.json")), []).xml
    bad = tmp_path / "previous.xml"
    bad.write_bytes(xml.replace(f'pid="{PID}"'.encode(), f'pid="{PID}X"'.encode(), 1))
    code, _, err = run(capsys, "report", SAMPLES / "records.json", "--month", "2026-10", "--provider",
                       SAMPLES / "provider.json", "-o", tmp_path / "r.xml", "--previous", bad)
    assert code == 2 and "attribute 'pid'" in err
    assert PID not in err


def test_internal_errors_show_the_kind_of_error_not_its_text(capsys, monkeypatch):
    """A bug's exception text may hold data; the CLI prints only its type."""
    from formproc.commands import validate as command

    def boom(*_a, **_k):
        raise RuntimeError(f"patient {PID} {NAME}")

    monkeypatch.setattr(command, "read_records", boom)
    code, _, err = run(capsys, "validate", SAMPLES / "records.json")
    assert code == 3 and "RuntimeError" in err and PID not in err and NAME not in err


def test_upload_and_file_size_limits(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 5000)
    with pytest.raises(InputError, match="file too large"):
        read_bytes(big, limit=4096)


def test_app_uploads_refuse_images_over_the_pixel_limits():
    """The app's scan pages read uploads through the same loader and limits as the CLI."""
    from test_badinput_cli import multipage_bomb, one_pixel_png, png_bomb

    from formproc.scan.load import MAX_PIXELS, MAX_TOTAL_PIXELS
    from ui.scanning import read_uploads

    assert MAX_PIXELS <= 100_000_000 and MAX_TOTAL_PIXELS <= 1_000_000_000
    for data, message in ((png_bomb(), "too large"), (multipage_bomb(), "too large in total"),
                          (one_pixel_png(), "too small")):
        with pytest.raises(InputError, match=message):
            read_uploads([("upload.png", data)], lambda *_: None)


def test_password_hashes_use_argon2id_with_at_least_owasp_parameters(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    user = auth.create_user(store, "ana", "parola-lunga", "doctor")
    params = argon2.extract_parameters(user.password_hash)
    assert params.type is argon2.Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # OWASP minimum for argon2id
    assert "parola-lunga" not in json.dumps(dump_tables(store), default=str)
    store.close()


def test_every_page_requires_a_signed_in_user_before_anything_else():
    """On every Streamlit page the first call into Streamlit or the app is `common.require(...)`."""
    pages = [p for p in (ROOT / "ui").glob("*.py") if p.name not in ("__init__.py", "common.py", "scanning.py")]
    assert len(pages) >= 8
    for page in pages:
        first = None
        for node in ast.parse(page.read_text(encoding="utf-8")).body:
            calls = [ast.unparse(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)]
            app_calls = [c for c in calls if c.startswith(("st.", "common."))]
            if app_calls:
                first = app_calls[0]
                break
        assert first == "common.require", f"{page.name}: the first call must be common.require(...), not {first}"


def test_backup_and_restore_commands_give_an_identical_store(tmp_path, monkeypatch, capsys):
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    monkeypatch.setenv("FORMPROC_DATABASE_URL", source)
    store = Store()
    store.register_booklet("CCMAT", "4512301", "ana")
    from formproc.model import read_records

    store.add_certificates(read_records(str(SAMPLES / "records.json")), "ana")
    auth.create_user(store, "ana", "parola-lunga", "doctor")
    assert run(capsys, "backup", tmp_path / "b.zip")[0] == 0
    monkeypatch.setenv("FORMPROC_DATABASE_URL", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    assert run(capsys, "restore", tmp_path / "b.zip")[0] == 0
    target = Store()
    assert dump_tables(target) == dump_tables(store)
    code, _, err = run(capsys, "restore", tmp_path / "b.zip")
    assert code == 2 and "not empty" in err
    store.close()
    target.close()
