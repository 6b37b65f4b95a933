"""A process killed (SIGKILL) in the middle of a store save, a report or a batch scan loses nothing.

Each test runs the real code in a subprocess that kills itself at a chosen point (inside the
transaction, just before COMMIT, while the output file is being written, between two pages), then
checks what is left: the store exactly as before and still usable, no half-written output, and the
same work succeeding when run again. Runs on SQLite and, under scripts/with-postgres.sh, PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import report_certificate
from PIL import Image

from formproc.model import dumps_records
from formproc.store import Store
from formproc.store.backup import dump_tables

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# Runs one store operation; with a kill point, the process SIGKILLs itself there.
STORE_HARNESS = r"""
import os, signal, sys
from sqlalchemy import event
from formproc.model import read_records
from formproc.store import Store
from formproc.store.repository import Store as StoreClass

url, operation, point, records_path = sys.argv[1:5]
store = Store(url)
die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
if point == "mid-transaction":  # after some rows and audit entries were flushed
    calls = [0]
    original = StoreClass._audit
    def audit(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 300:  # a dozen certificates into the batch
            die()
        return original(*args, **kwargs)
    StoreClass._audit = staticmethod(audit)
elif point == "before-commit":
    event.listen(store.engine, "commit", die)
records = read_records(records_path)
if operation == "batch":
    store.add_certificates(records, "ana", reason="imported")
elif operation == "update":
    stored = store.find_certificate("CCMAT", "4512301")
    changed = stored.record.model_copy(update={"days": 9, "regNo": "4242"})
    store.update_certificate(stored.id, changed, stored.version, "ana")
elif operation == "report":
    ids = [c.id for c in store.list_certificates()]
    store.add_report(2026, 10, b"<report/>" * 1000, ids, "ana")
print("done")
"""


def _seeded_store(url: str) -> None:
    from formproc.model import read_records

    store = Store(url)
    store.register_booklet("CCMAT", "4512301", "ana")
    store.add_certificates(read_records(str(SAMPLES / "records.json")), "ana")
    store.close()


def _dump(url: str) -> dict:
    store = Store(url)
    try:
        return dump_tables(store)
    finally:
        store.close()


def _run(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("operation, point", [("batch", "mid-transaction"), ("batch", "before-commit"),
                                              ("update", "before-commit"), ("report", "before-commit")])
def test_killed_store_save_leaves_the_store_as_it_was_and_usable(db_url, tmp_path, operation, point):
    _seeded_store(db_url)
    batch = tmp_path / "batch.json"
    batch.write_text(dumps_records([report_certificate(n, 2026, 10) for n in range(40)]))
    before = _dump(db_url)

    killed = _run(["-c", STORE_HARNESS, db_url, operation, point, str(batch)], tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _dump(db_url) == before, "a killed save changed the store"
    if db_url.startswith("sqlite"):
        store = Store(db_url)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        store.close()

    again = _run(["-c", STORE_HARNESS, db_url, operation, "none", str(batch)], tmp_path)
    assert again.returncode == 0 and "done" in again.stdout, again.stderr[-2000:]
    after = _dump(db_url)
    assert after != before
    if operation == "batch":
        assert len(after["certificates"]) == len(before["certificates"]) + 40


# Runs the CLI; the process SIGKILLs itself when the output file is fsynced (written, not yet renamed).
CLI_KILLED_AT_FSYNC = r"""
import os, signal, sys
os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
from formproc.cli import main
main(sys.argv[1:])
"""

# Runs `formproc scan`; the process SIGKILLs itself when the second file is started.
CLI_KILLED_AT_SECOND_SCAN = r"""
import os, signal, sys
import formproc.scan.pipeline as pipeline
original, calls = pipeline.scan_file, [0]
def scan_file(*args, **kwargs):
    calls[0] += 1
    if calls[0] == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
pipeline.scan_file = scan_file
from formproc.cli import main
main(sys.argv[1:])
"""


def test_killed_report_generation_leaves_the_previous_output_intact(tmp_path, formproc_home):
    folder = tmp_path / "reports"
    folder.mkdir()
    out = folder / "out.xml"
    out.write_bytes(b"<previous report, kept/>")
    args = ["report", str(SAMPLES / "records.json"), "--month", "2026-10", "--provider",
            str(SAMPLES / "provider.json"), "-o", str(out)]
    env = {"FORMPROC_HOME": str(formproc_home)}

    killed = _run(["-c", CLI_KILLED_AT_FSYNC, *args], tmp_path, env)
    assert killed.returncode == -signal.SIGKILL
    assert out.read_bytes() == b"<previous report, kept/>"
    leftovers = [p.name for p in folder.iterdir() if p.name != "out.xml"]
    assert all(n.startswith(".out.xml.") and n.endswith(".tmp") for n in leftovers), leftovers

    again = _run(["-m", "formproc.cli", *args], tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<report ')


def test_killed_batch_scan_leaves_no_output_and_resumes(tmp_path, formproc_home):
    pages = []
    for n in range(3):
        path = tmp_path / f"page{n}.png"
        Image.new("RGB", (620, 880), "white").save(path)
        pages.append(str(path))
    out = tmp_path / "scan.jsonl"
    env = {"FORMPROC_HOME": str(formproc_home)}

    killed = _run(["-c", CLI_KILLED_AT_SECOND_SCAN, "scan", *pages, "--workers", "1", "-o", str(out)], tmp_path, env)
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()
    partial = tmp_path / "scan.jsonl.partial"
    assert [json.loads(line)["source"] for line in partial.read_text().splitlines()] == ["page0.png"]

    streamed = _run(["-c", CLI_KILLED_AT_SECOND_SCAN, "scan", *pages, "--workers", "1"], tmp_path, env)
    assert streamed.returncode == -signal.SIGKILL
    done = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert [d["source"] for d in done] == ["page0.png"], "pages finished before the kill are complete lines"

    again = _run(["-m", "formproc.cli", "scan", *pages, "--workers", "1", "-o", str(out)], tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert "resuming, 1 file(s)" in again.stderr  # page0 is not read again
    assert [json.loads(line)["source"] for line in out.read_text().splitlines()] == ["page0.png", "page1.png",
                                                                                      "page2.png"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("scan.")) == ["scan.jsonl"]
