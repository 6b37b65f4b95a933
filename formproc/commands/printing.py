"""`formproc blank`, `print`, `calibrate`: PDFs for the preprinted CCM booklets."""

from __future__ import annotations

from typing import Optional

import typer

from formproc.cli_app import app


def _template(name: str | None):  # type: ignore[no-untyped-def]
    from formproc.layout import load_template

    return load_template(name) if name else None


@app.command()
def blank(template: str = typer.Option(..., "--template", help="form version (ccm-2022, ccm-2025) or a template file"),
          output: str = typer.Option(..., "-o", "--output", help="PDF file to write")) -> None:
    """Draw the blank form of a template (preview background, scan reference)."""
    from formproc.files import write_atomic
    from formproc.render.blank import render_blank

    write_atomic(output, render_blank(_template(template)))


@app.command("print")
def print_(records: str = typer.Argument(..., help="JSON/JSON Lines records ('-' = standard input)"),
           output: str = typer.Option(..., "-o", "--output", help="PDF file to write"),
           template: Optional[str] = typer.Option(None, "--template",
                                                  help="form version printed on the booklet (default: by each record's issue date)"),
           background: bool = typer.Option(False, "--background", help="draw the blank form under the data (preview)"),
           profile: Optional[str] = typer.Option(None, "--profile", help="printer profile: file or name in FORMPROC_HOME/printers")) -> None:
    """Print certificates at 1:1 scale, one A4 page each, for the preprinted sheets."""
    from formproc.files import write_atomic
    from formproc.model import read_records
    from formproc.render.printing import render_records
    from formproc.render.profile import load_profile

    chosen = _template(template)
    prof = load_profile(profile) if profile else None
    write_atomic(output, render_records(read_records(records), chosen, background=background, profile=prof))


@app.command()
def calibrate(template: str = typer.Option(..., "--template", help="form version or template file"),
              output: str = typer.Option(..., "-o", "--output", help="PDF file to write"),
              profile: Optional[str] = typer.Option(None, "--profile", help="print through this printer profile to check it")) -> None:
    """Print a calibration sheet (rulers, crosshairs, box outlines) to measure a printer's offsets."""
    from formproc.files import write_atomic
    from formproc.render.calibration import render_calibration
    from formproc.render.profile import load_profile

    prof = load_profile(profile) if profile else None
    write_atomic(output, render_calibration(_template(template), prof))
