"""Disk full, a read-only data folder, and two people saving the same certificate.

Disk full is simulated where the operating system reports it: os.fsync failing with ENOSPC for
files, SQLite's max_page_count for the database (SQLITE_FULL, the error a full disk gives).
A read-only folder is simulated by the error the kernel returns (EROFS) and by opening SQLite
read-only (mode=ro), so the tests behave the same as root and as a normal user.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import event

from formproc import catalogs
from formproc.cli import main
from formproc.errors import ConflictError, StorageError
from formproc.model import read_records
from formproc.store import Store
from formproc.store.backup import dump_tables

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def run(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    _, err = capsys.readouterr()
    return exc.value.code or 0, err


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(err: str, pattern: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("formproc: ") and "Traceback" not in err, err
    assert pattern in lines[0], lines[0]


def fsync_fails_after(monkeypatch, n: int, code: int = errno.ENOSPC) -> None:
    """The n+1-th fsync (and every later one) fails as a full disk does."""
    real, calls = os.fsync, [0]

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] > n:
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_disk_full_while_printing_writes_nothing(tmp_path, monkeypatch, capsys):
    out = tmp_path / "print.pdf"
    out.write_bytes(b"%PDF- yesterday's batch")
    fsync_fails_after(monkeypatch, 0)
    code, err = run(capsys, "print", SAMPLES / "records.json", "-o", out)
    assert code == 2
    one_line(err, "disk full, nothing written")
    assert out.read_bytes() == b"%PDF- yesterday's batch"
    assert [p.name for p in tmp_path.iterdir()] == ["print.pdf"], "no temporary file left behind"


def test_disk_full_during_a_catalog_import_keeps_every_catalog(formproc_home, monkeypatch, capsys):
    assert run(capsys, "catalogs", "import", SAMPLES / "PersonalizedFileCM.xml")[0] == 0
    before = files(formproc_home)
    fsync_fails_after(monkeypatch, 3)  # the nomenclature has 7 lists: 3 written, the 4th fails
    code, err = run(capsys, "catalogs", "import", SAMPLES / "NomenclaturesCM.xml")
    assert code == 2
    one_line(err, "disk full, nothing written")
    assert files(formproc_home) == before
    catalogs.reload()
    assert not catalogs.catalog("diagnosis").imported


def test_database_full_is_a_clear_message_and_nothing_is_saved(tmp_path):
    url = f"sqlite:///{tmp_path / 'full.sqlite3'}"
    store = Store(url)
    store.register_booklet("CCMAT", "4512301", "ana")
    before = dump_tables(store)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    event.listen(store.engine, "connect",
                 lambda dbapi, _rec: dbapi.execute(f"PRAGMA max_page_count = {pages + 1}"))
    store.engine.dispose()
    records = read_records(str(SAMPLES / "records.json"))
    big = [r.model_copy(update={"serialNo": f"{9000000 + i}", "observations": "x" * 2000}) for i in range(200)
           for r in records[:1]]
    with pytest.raises(StorageError, match="full.*nimic nu s-a schimbat"):
        store.add_certificates(big, "ana")
    assert dump_tables(store) == before
    store.close()


def test_data_folder_that_cannot_be_created(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("FORMPROC_HOME", str(blocker / "home"))
    catalogs.reload()
    for args in (["booklet", "list"], ["catalogs", "import", SAMPLES / "NomenclaturesCM.xml"]):
        code, err = run(capsys, *args)
        assert code == 2
        one_line(err, "cannot be created")


def test_read_only_data_folder(formproc_home, monkeypatch, capsys):
    run(capsys, "booklet", "register", "CCMAT", "4512301")
    assert run(capsys, "catalogs", "import", SAMPLES / "PersonalizedFileCM.xml")[0] == 0
    db = formproc_home / "formproc.sqlite3"
    before = stored(formproc_home)
    monkeypatch.chdir(formproc_home.parent)  # the store makes the folder of a file: URI relative to here
    monkeypatch.setenv("FORMPROC_DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # noqa: A002  (tempfile's own argument name)
        if dir is not None and Path(dir).resolve().is_relative_to(formproc_home.resolve()):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code, err = run(capsys, "booklet", "register", "CCMAT", "4512401")
    assert code == 2
    one_line(err, "readonly database")
    code, err = run(capsys, "catalogs", "import", SAMPLES / "NomenclaturesCM.xml")
    assert code == 2
    one_line(err, "Read-only file system")
    assert run(capsys, "booklet", "list")[0] == 0, "reading still works"
    monkeypatch.undo()
    assert stored(formproc_home) == before


def stored(home: Path) -> tuple[dict[str, str], dict]:
    """The data folder's files (the database aside) and the database's rows."""
    store = Store(f"sqlite:///{home / 'formproc.sqlite3'}", upgrade=False)
    rows = dump_tables(store)
    store.close()
    return {k: v for k, v in files(home).items() if not k.startswith("formproc.sqlite3")}, rows


def test_two_sessions_editing_the_same_certificate(db_url):
    """Two separate stores (two app processes: own engines and connections) save the same version.

    tests/test_store.py covers one store shared by two threads; this is the two-process case."""
    first, second = Store(db_url), Store(db_url)
    saved = first.add_certificates(read_records(str(SAMPLES / "records.json"))[:1], "ana")[0]
    mine = second.get_certificate(saved.id)
    theirs = first.get_certificate(saved.id)
    first.update_certificate(saved.id, theirs.record.model_copy(update={"regNo": "111"}), theirs.version, "ana")
    with pytest.raises(ConflictError, match="modificat între timp de ana"):
        second.update_certificate(saved.id, mine.record.model_copy(update={"regNo": "222"}), mine.version, "bogdan")
    assert second.get_certificate(saved.id).record.regNo == "111"
    assert second.get_certificate(saved.id).version == 2
    first.close()
    second.close()
