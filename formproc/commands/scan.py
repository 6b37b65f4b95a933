"""`formproc scan` (read filled certificates from scans) and `formproc sample` (synthetic scans)."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import List, Optional

import typer

from formproc.cli_app import app
from formproc.errors import InputError


def _scan_one(path: str, template: str | None) -> tuple[str, list[dict] | None, str | None]:
    """Worker: the JSON objects of one file's pages, or the file's one-line error."""
    import cv2

    from formproc.scan.pipeline import scan_file

    cv2.setNumThreads(1)
    try:
        return path, [r.to_dict() for r in scan_file(path, template)], None
    except InputError as exc:
        return path, None, str(exc)


@app.command()
def scan(inputs: List[str] = typer.Argument(..., metavar="INPUT...", help="PNG, JPEG, TIFF or PDF scans"),
         template: Optional[str] = typer.Option(None, "--template", help="form template (default: by the date read)"),
         output: Optional[str] = typer.Option(None, "-o", "--output", help="write JSON Lines here (default: stdout)"),
         workers: Optional[int] = typer.Option(None, "--workers", min=1, help="processes (default: all cores)")) -> None:
    """Read every field of scanned certificates: one JSON object per page."""
    if template is not None:
        from formproc.layout import load_template

        load_template(template)
    n = workers or os.cpu_count() or 1
    lines: list[str] = []
    failed = False
    if n == 1 or len(inputs) == 1:
        results = (_scan_one(p, template) for p in inputs)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=min(n, len(inputs)))
        results = pool.map(_scan_one, inputs, [template] * len(inputs))
    try:
        for path, pages, error in results:
            if error is not None:
                print(f"formproc: {error}", file=sys.stderr)
                failed = True
                continue
            for page in pages or []:
                line = json.dumps(page, ensure_ascii=False) + "\n"
                if output is None:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                else:
                    lines.append(line)
    finally:
        if pool is not None:
            pool.shutdown()
    if output is not None and (lines or not failed):  # no output file when every input was refused
        from formproc.files import write_atomic

        write_atomic(output, "".join(lines))
    if failed:
        raise typer.Exit(2)


@app.command()
def sample(template: str = typer.Option(..., "--template", help="form template, e.g. ccm-2025"),
           count: int = typer.Option(10, "--count", min=1, max=100000),
           seed: int = typer.Option(0, "--seed"),
           output: str = typer.Option(..., "-o", "--output", help="folder for the images and truth files"),
           corrected: bool = typer.Option(False, "--corrected", help="hand-corrected copies, with the old and "
                                          "new values (formproc.reconcile.samples)")) -> None:
    """Generate filled synthetic scans with their truth records (for tests and benchmarks)."""
    from formproc.reconcile.samples import write_corrected
    from formproc.sample import write_samples

    truth = (write_corrected if corrected else write_samples)(template, count, seed, output)
    print(json.dumps({"written": len(truth), "folder": output, "truth": os.path.join(output, "truth.jsonl")}))
