"""Where formproc keeps its data, and the policy choices the law leaves open."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder for imported catalogs, the SQLite store and scans (FORMPROC_HOME, else ~/.formproc)."""
    path = Path(os.environ.get("FORMPROC_HOME") or Path.home() / ".formproc")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from formproc.errors import StorageError

        raise StorageError(f"data folder {path} cannot be created ({exc.strerror or type(exc).__name__})") from None
    return path


def database_url() -> str:
    """FORMPROC_DATABASE_URL, else an SQLite file in the data folder."""
    return os.environ.get("FORMPROC_DATABASE_URL") or f"sqlite:///{data_dir() / 'formproc.sqlite3'}"
