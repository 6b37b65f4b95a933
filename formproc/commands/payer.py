"""`formproc payer`: compute the payer's part of a certificate, with the explanation of every figure."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from formproc.cli_app import app
from formproc.errors import InputError
from formproc.files import json_problem, read_text
from formproc.model import read_records


def _json(path: str, what: str) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {what} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: {what}: {json_problem(exc)}") from None


@app.command()
def payer(cert: str = typer.Argument(..., help="CERT.json: the certificate (one record)"),
          incomes: str = typer.Option(..., "--incomes", help="INCOMES.json: [{\"month\": \"2025-09\", "
                                      "\"income\": 6000.00, \"daysWorked\": 20}, ...] for the months before the leave"),
          schedule: Optional[str] = typer.Option(None, "--schedule", help="work schedule JSON: {\"weekdays\": "
                                                 "[0,1,2,3,4], \"restDays\": [...], \"workDays\": [...]}"),
          history: Optional[str] = typer.Option(None, "--history", help="earlier certificates of the episode")) -> None:
    """Print the payer fields (Art. 12) computed for a certificate, with the explanation, as JSON."""
    from formproc.payer import compute, parse_incomes, parse_schedule

    records = read_records(cert)
    if len(records) != 1:
        raise InputError(f"{cert}: expected one certificate, found {len(records)}")
    result = compute(records[0], parse_incomes(_json(incomes, "incomes"), incomes),
                     parse_schedule(_json(schedule, "schedule"), schedule) if schedule else None,
                     read_records(history) if history else ())
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
