"""Reading untrusted files and writing results without leaving partial files behind."""

from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
from pathlib import Path

from formproc.errors import InputError, StorageError

MAX_INPUT_BYTES = 200 * 1024 * 1024


def read_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file ('-' for standard input), refusing files over `limit`."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        p = Path(path)
        try:
            if p.is_dir():
                raise InputError(f"{path}: is a directory, expected a file")
            size = p.stat().st_size
            if size > limit:
                raise InputError(f"{path}: file too large ({size} bytes, limit {limit})")
            data = p.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: file not found") from None
        except PermissionError:
            raise InputError(f"{path}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise InputError(f"{path}: input too large (limit {limit} bytes)")
    return data


def read_text(path: str | Path, limit: int = MAX_INPUT_BYTES) -> str:
    """A UTF-8 text file (a BOM is accepted); invalid UTF-8 is an InputError."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 text (byte {exc.start})") from None


def json_problem(exc: Exception) -> str:
    """Why json.loads refused a text, in a few words (never echoing the text)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg}, line {exc.lineno})"
    if isinstance(exc, RecursionError):
        return "not usable JSON (nested too deeply)"
    return "not usable JSON (a number with too many digits)" if "digits" in str(exc) else "not usable JSON"


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then a rename."""
    write_atomic_many([(path, data)])


def write_atomic_many(items: list[tuple[str | Path, bytes | str]]) -> None:
    """Write several files all or none: every temporary file is written first, then all are renamed."""
    done: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            done.append((_write_temp(path, data), Path(path)))
    except StorageError:
        for tmp, _ in done:
            Path(tmp).unlink(missing_ok=True)
        raise
    for n, (tmp, target) in enumerate(done):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for left, _ in done[n:]:
                Path(left).unlink(missing_ok=True)
            raise StorageError(f"{target}: cannot write ({exc.strerror}), nothing written") from None


def _write_temp(path: str | Path, data: bytes | str) -> str:
    """A fully written, fsynced temporary file beside `path`; its name."""
    p = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    folder = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{p.name}.", suffix=".tmp")
    except FileNotFoundError:
        raise StorageError(f"{path}: folder {folder} does not exist") from None
    except PermissionError:
        raise StorageError(f"{path}: cannot write in {folder} (permission denied)") from None
    except OSError as exc:
        raise StorageError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise StorageError(f"{path}: disk full, nothing written") from None
        raise StorageError(f"{path}: cannot write ({exc.strerror}), nothing written") from None
    return tmp
