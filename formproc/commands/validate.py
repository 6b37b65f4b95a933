"""`formproc validate` (findings per certificate) and `formproc rules` (the rule registry)."""

from __future__ import annotations

import gc
import json
import sys
from typing import Optional

import typer

from formproc.cli_app import app
from formproc.commands.catalogs import parse_day
from formproc.model import read_records


@app.command()
def validate(file: str = typer.Argument(..., help="records: JSON array, JSON object or JSON Lines ('-' = stdin)"),
             history: Optional[str] = typer.Option(None, "--history", help="the patients' earlier certificates"),
             today: Optional[str] = typer.Option(None, "--today", help="date YYYY-MM-DD (default: today)")) -> None:
    """Validate certificates against the law in force on their dates; exit 1 when any error is found."""
    from formproc.rules import has_errors, validate_records
    from formproc.rules.engine import findings_text

    day = parse_day(today, "--today")
    paused = gc.isenabled()
    gc.disable()  # reading builds no reference cycles; collections over a large input cost more than the reading
    try:
        records = read_records(file)
        past = read_records(history) if history else []
        findings = validate_records(records, past, today=day)
        print(findings_text(records, findings))
    finally:
        if paused:
            gc.enable()
    if has_errors(findings):
        sys.exit(1)


@app.command("rules")
def list_rules(markdown: bool = typer.Option(False, "--markdown", help="print docs/rules.md")) -> None:
    """List the validation rules (JSON), or the Markdown catalogue with --markdown."""
    from formproc.rules import rules
    from formproc.rules.markdown import rules_markdown

    if markdown:
        sys.stdout.write(rules_markdown())
        return
    print(json.dumps([r.to_dict() for r in rules()], ensure_ascii=False, indent=2))
