"""`formproc reconcile SCAN --record RECORD.json`: the paper copy against the stored record."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from formproc.cli_app import app
from formproc.errors import InputError


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _first_aligned(readings: list[Any], scan: str) -> Any:
    for reading in readings:
        if reading.aligned:
            return reading
    raise InputError(f"{scan}: no page could be aligned to a CCM front (is it a certificat de concediu medical?)")


@app.command()
def reconcile(scan: str = typer.Argument(..., help="scan of the paper copy (PNG, JPEG, TIFF, PDF)"),
              record: Optional[str] = typer.Option(None, "--record", help="the stored record(s) (JSON / JSON "
                                                   "Lines); without it, the certificate in the store"),
              template: Optional[str] = typer.Option(None, "--template", help="form template (default: by date)"),
              accept: bool = typer.Option(False, "--accept", help="take the paper's values into the store "
                                          "(audited, scan kept, queued for the rectificative report)"),
              fields: Optional[str] = typer.Option(None, "--fields", help="with --accept: only these fields "
                                                   "(comma-separated); without it, the differences read with "
                                                   "confidence >= 0.5")) -> None:
    """Copia pe hârtie (cu corecturi) comparată cu certificatul salvat: diferențele, câmp cu câmp."""
    from formproc.files import read_bytes
    from formproc.model import read_records
    from formproc.reconcile.compare import compare, pick_record
    from formproc.reconcile.paper import read_paper

    if accept and record:
        raise InputError("--accept changes the store: leave out --record (the certificate is looked up in the store)")
    if fields and not accept:
        raise InputError("--fields chooses what --accept takes over; give --accept too")
    if template is not None:
        from formproc.layout import load_template

        load_template(template)
    reading = _first_aligned(read_paper(scan, template), scan)
    store = stored_id = None
    if record:
        stored = pick_record(read_records(record), reading)
    else:
        from formproc.store import Store

        store = Store()
        paper = reading.scan.get("record") or {}
        found = store.find_certificate(paper.get("serialCode") or "", paper.get("serialNo") or "")
        if found is None:
            raise InputError(f"no stored certificate has the series/number read on the paper "
                             f"({paper.get('serialCode') or '?'} {paper.get('serialNo') or '?'}); use --record")
        stored, stored_id = found.record, found.id
    differences = compare(reading, stored)
    for w in reading.warnings:
        print(f"avertisment: {w}", file=sys.stderr)
    print(json.dumps([d.to_dict() for d in differences], ensure_ascii=False, indent=2))
    if accept and store is not None and stored_id is not None:
        from formproc.reconcile.apply import accept as take

        chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
        done = take(store, stored_id, differences, _operator(), (Path(scan).name, read_bytes(scan)),
                    reading.to_dict() | {"scan": reading.scan}, chosen)
        print(json.dumps({"accepted": done.to_dict()}, ensure_ascii=False), file=sys.stderr)
        return
    if differences:
        raise typer.Exit(1)
