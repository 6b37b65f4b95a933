"""Backup and restore: the whole store as a ZIP of JSON tables (binary columns base64, exact bytes).

A backup restored into an empty store gives back identical rows (ids included), on SQLite or
PostgreSQL, whichever the backup came from.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
import zlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, Table, func, insert, select, text

from formproc.errors import InputError
from formproc.store import migrate
from formproc.store.repository import Store
from formproc.store.tables import Base

FORMAT = "formproc-backup/1"


def _encode(table: Table, row: Any) -> dict[str, Any]:
    out = {}
    for column in table.columns:
        value = row[column.name]
        if value is not None and isinstance(column.type, LargeBinary):
            value = base64.b64encode(value).decode("ascii")
        elif isinstance(value, (datetime, date)):
            value = value.isoformat()
        out[column.name] = value
    return out


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.columns:
        value = row.get(column.name)
        if value is not None:
            if isinstance(column.type, LargeBinary):
                value = base64.b64decode(value)
            elif isinstance(column.type, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = date.fromisoformat(value)
        out[column.name] = value
    return out


def dump_tables(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows as JSON-ready dicts, ordered by primary key."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            tables[table.name] = [_encode(table, r) for r in rows]
    return tables


def backup_bytes(store: Store) -> bytes:
    """The store as a ZIP: manifest.json and one JSON file per table."""
    buf = io.BytesIO()
    tables = dump_tables(store)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps({"format": FORMAT, "schema": migrate.head(),
                                                 "tables": {k: len(v) for k, v in tables.items()}}))
        for name, rows in tables.items():
            zf.writestr(f"tables/{name}.json", json.dumps(rows, ensure_ascii=False))
    return buf.getvalue()


def _read_backup(data: bytes) -> dict[str, list[dict[str, Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise InputError(f"not a formproc backup (format {manifest.get('format')!r})")
            if manifest.get("schema") != migrate.head():
                raise InputError(f"backup schema {manifest.get('schema')} differs from this version's "
                                 f"{migrate.head()}; restore it with the formproc version that made it")
            tables = {}
            for table in Base.metadata.sorted_tables:
                rows = json.loads(zf.read(f"tables/{table.name}.json"))
                if len(rows) != manifest["tables"].get(table.name):
                    raise InputError(f"backup table {table.name} is incomplete")
                tables[table.name] = rows
            return tables
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable formproc backup ({type(exc).__name__}: {exc})") from None


def restore_bytes(store: Store, data: bytes) -> dict[str, int]:
    """Load a backup into an empty store, in one transaction; returns the rows per table."""
    tables = _read_backup(data)
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if conn.scalar(select(func.count()).select_from(table)):
                raise InputError(f"the store is not empty (table {table.name} has rows); "
                                 "restore into a new database")
    with store._writer.begin() as conn:
        for table in Base.metadata.sorted_tables:
            rows = [_decode(table, r) for r in tables[table.name]]
            if rows:
                conn.execute(insert(table), rows)
        if conn.dialect.name == "postgresql":  # serial counters continue after the restored ids
            for table in Base.metadata.sorted_tables:
                if "id" in table.primary_key.columns and table.c.id.type.python_type is int:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    return {name: len(rows) for name, rows in tables.items()}
