"""`formproc booklet ...`, `duplicate`, `user add`, `backup`, `restore`: the store from the command line."""

from __future__ import annotations

import getpass
import json
from typing import Any, Optional

import typer

from formproc.cli_app import app
from formproc.errors import InputError

booklet_app = typer.Typer(help="Carnete de certificate: înregistrare, următorul număr liber, anulare.",
                          no_args_is_help=True)
app.add_typer(booklet_app, name="booklet")
user_app = typer.Typer(help="Utilizatori locali (parole argon2, roluri).", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _store():  # type: ignore[no-untyped-def]
    from formproc.store import Store

    return Store()


def _operator() -> str:
    """Who the audit log names for CLI changes."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _certificate_summary(stored: Any) -> dict[str, Any]:
    r = stored.record
    return {"id": stored.id, "version": stored.version, "serialCode": r.serialCode, "serialNo": r.serialNo,
            "status": r.status, "duplicate": r.duplicate, "duplSerialCode": r.duplSerialCode,
            "duplSerialNo": r.duplSerialNo}


@booklet_app.command("register")
def booklet_register(series: str = typer.Argument(..., help="seria carnetului, ex. CCMAT"),
                     first: str = typer.Argument(..., help="numărul primei file"),
                     sheets: int = typer.Option(50, "--sheets", help="numărul de file (50)")) -> None:
    """Register a booklet: SERIES, FIRST number, 50 sheets."""
    booklet = _store().register_booklet(series, first, _operator(), sheets)
    _print({"id": booklet.id, "serialCode": booklet.serial_code, "first": booklet.first_no,
            "sheets": booklet.sheet_count})


@booklet_app.command("next")
def booklet_next(series: Optional[str] = typer.Option(None, "--series", help="only this series")) -> None:
    """Print the next free sheet (series and number); exit 1 when no sheet is free."""
    sheet = _store().next_free_sheet(series)
    if sheet is None:
        typer.echo("formproc: no free sheet; register a booklet", err=True)
        raise typer.Exit(1)
    _print({"serialCode": sheet.serial_code, "serialNo": sheet.serial_no, "booklet": sheet.booklet_id})


@booklet_app.command("annul")
def booklet_annul(series: str = typer.Argument(...), number: str = typer.Argument(...),
                  note: Optional[str] = typer.Option(None, "--note", help="why (kept in the audit log)")) -> None:
    """Mark a sheet ANULAT; its certificate (or a record of the blank sheet) is kept, annulled."""
    _print(_certificate_summary(_store().annul_sheet(series, number, _operator(), note)))


@booklet_app.command("list")
def booklet_list(sheets: bool = typer.Option(False, "--sheets", help="list every sheet's state")) -> None:
    """Registered booklets with free/used/annulled counts."""
    store = _store()
    out = []
    for booklet, tally in store.list_booklets():
        item: dict[str, Any] = {"id": booklet.id, "serialCode": booklet.serial_code, "first": booklet.first_no,
                                "sheets": booklet.sheet_count, **tally}
        if sheets:
            item["sheetStates"] = {s.serial_no: s.state for s in store.sheets(booklet.id)}
        out.append(item)
    _print(out)


@app.command()
def duplicate(series: str = typer.Argument(..., help="seria certificatului original"),
              number: str = typer.Argument(..., help="numărul certificatului original"),
              to: Optional[str] = typer.Option(None, "--to", help="SERIES/NUMBER of the new sheet "
                                                                   "(default: the next free sheet)")) -> None:
    """Issue a DUPLICAT of a stored certificate on a new sheet."""
    new_code = new_no = None
    if to:
        if "/" not in to:
            raise InputError("--to: expected SERIES/NUMBER, e.g. CCMAT/4512340")
        new_code, new_no = to.split("/", 1)
    _print(_certificate_summary(_store().issue_duplicate(series, number, _operator(), new_code, new_no)))


@user_app.command("add")
def user_add(username: str = typer.Argument(...),
             role: str = typer.Option(..., "--role", help="doctor, registrar, payroll or admin"),
             name: Optional[str] = typer.Option(None, "--name", help="full name"),
             oidc_only: bool = typer.Option(False, "--oidc-only", help="no password: sign in via OpenID Connect")) -> None:
    """Create a local user (the password is asked for twice, not echoed)."""
    from formproc.auth import create_user

    password = None if oidc_only else typer.prompt("Parola", hide_input=True, confirmation_prompt=True)
    user = create_user(_store(), username, password, role, name, _operator())
    _print({"username": user.username, "role": user.role})


@app.command()
def backup(file: str = typer.Argument(..., help="the backup ZIP to write")) -> None:
    """Write the whole store (every table, scans and reports byte for byte) to a ZIP."""
    from formproc.files import write_atomic
    from formproc.store.backup import backup_bytes

    data = backup_bytes(_store())
    write_atomic(file, data)
    _print({"file": file, "bytes": len(data)})


@app.command()
def restore(file: str = typer.Argument(..., help="a ZIP written by `formproc backup`")) -> None:
    """Restore a backup into an empty store (FORMPROC_DATABASE_URL or the default SQLite file)."""
    from formproc.files import read_bytes
    from formproc.store.backup import restore_bytes

    _print(restore_bytes(_store(), read_bytes(file)))
