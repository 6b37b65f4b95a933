"""`formproc catalogs show|import`: dated code lists."""

from __future__ import annotations

import json
from datetime import date
from typing import Optional

import typer

from formproc import catalogs as cat
from formproc.cli_app import app
from formproc.errors import InputError

catalogs_app = typer.Typer(help="Nomenclatoare: coduri de indemnizație, urgențe, grupa A, CAS, diagnostice.",
                           no_args_is_help=True)
app.add_typer(catalogs_app, name="catalogs")


def parse_day(value: str | None, option: str) -> date:
    """An ISO date argument (today when absent)."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: '{value}' is not a date YYYY-MM-DD") from None


@catalogs_app.command("show")
def show(kind: str = typer.Argument(..., help=f"one of: {', '.join(cat.KINDS)}"),
         on: Optional[str] = typer.Option(None, "--on", help="date YYYY-MM-DD (default: today)")) -> None:
    """Print the entries of a catalog in force on a date, as JSON."""
    day = parse_day(on, "--on")
    catalog = cat.catalog(kind)
    out = {"kind": kind, "on": day.isoformat(), "imported": catalog.imported,
           "entries": [e.to_dict() for e in catalog.on(day)]}
    if kind == "diagnosis" and not catalog.imported:
        out["rule"] = "001-999 sau RM (importați nomenclatorul SIUI pentru lista exactă)"
    print(json.dumps(out, ensure_ascii=False, indent=2))


@catalogs_app.command("import")
def import_(file: str = typer.Argument(..., help="SIUI nomenclature or personalization XML file")) -> None:
    """Import a SIUI nomenclature (NomenclaturesCM) or personalization (PersonalizedFileCM) file."""
    from formproc.catalogs.siui import import_file

    summary = import_file(file)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
