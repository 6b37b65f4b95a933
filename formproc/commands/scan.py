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


def _resume_state(partial: str) -> tuple[int, set[str]]:
    """Where an interrupted run stopped: the byte length of its whole file blocks and those files.

    After each file's pages are appended to OUT.partial and synced, "<length>\t<input path>" is
    appended to OUT.partial.done; a block without its line is scanned again.
    """
    try:
        with open(partial + ".done", encoding="utf-8") as fh:
            entries = [ln.rstrip("\n").split("\t", 1) for ln in fh if ln.endswith("\n")]
        length, done = 0, set()
        for size, path in entries:
            length, done = int(size), done | {path}
        if os.path.getsize(partial) < length:
            return 0, set()
        return length, done
    except (OSError, ValueError, UnicodeDecodeError):
        return 0, set()


@app.command()
def scan(inputs: List[str] = typer.Argument(..., metavar="INPUT...", help="PNG, JPEG, TIFF or PDF scans"),
         template: Optional[str] = typer.Option(None, "--template", help="form template (default: by the date read)"),
         output: Optional[str] = typer.Option(None, "-o", "--output", help="write JSON Lines here (default: stdout)"),
         workers: Optional[int] = typer.Option(None, "--workers", min=1, help="processes (default: all cores)")) -> None:
    """Read every field of scanned certificates: one JSON object per page.

    With -o, pages go to OUT.partial as each file is read and OUT appears, whole, at the end; a run
    that was interrupted resumes from OUT.partial when started again with the same -o.
    """
    if template is not None:
        from formproc.layout import load_template

        load_template(template)
    todo = list(inputs)
    partial = f"{output}.partial" if output is not None else None
    sink = journal = None
    wrote = False
    if partial is not None:
        length, done = _resume_state(partial) if os.path.exists(partial) else (0, set())
        todo = [p for p in inputs if p not in done]
        if done:
            print(f"formproc: resuming, {len(done)} file(s) already read in {partial}", file=sys.stderr)
        try:
            sink = open(partial, "ab")
            sink.truncate(length)
            journal = open(partial + ".done", "a" if done else "w", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{output}: cannot write ({exc.strerror})") from None
        wrote = length > 0
    n = workers or os.cpu_count() or 1
    failed = False
    if n == 1 or len(todo) <= 1:
        results = (_scan_one(p, template) for p in todo)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=min(n, len(todo)))
        results = pool.map(_scan_one, todo, [template] * len(todo))
    try:
        for path, pages, error in results:
            if error is not None:
                print(f"formproc: {error}", file=sys.stderr)
                failed = True
                continue
            block = "".join(json.dumps(page, ensure_ascii=False) + "\n" for page in pages or [])
            if sink is None:
                sys.stdout.write(block)
                sys.stdout.flush()
            else:
                sink.write(block.encode("utf-8"))
                sink.flush()
                os.fsync(sink.fileno())
                journal.write(f"{sink.tell()}\t{path}\n")
                journal.flush()
                wrote = wrote or bool(block)
    finally:
        if pool is not None:
            pool.shutdown()
        for fh in (sink, journal):
            if fh is not None:
                fh.close()
    if partial is not None:
        if wrote or not failed:  # no output file when every input was refused
            os.replace(partial, output)
        else:
            os.unlink(partial)
        os.unlink(partial + ".done")
    if failed:
        raise typer.Exit(2)


@app.command()
def sample(template: str = typer.Option(..., "--template", help="form template, e.g. ccm-2025"),
           count: int = typer.Option(10, "--count", min=1, max=100000),
           seed: int = typer.Option(0, "--seed"),
           output: str = typer.Option(..., "-o", "--output", help="folder for the images and truth files"),
           corrected: bool = typer.Option(False, "--corrected", help="hand-corrected copies, with the old and "
                                          "new values (formproc.reconcile.samples)"),
           annulled: bool = typer.Option(False, "--annulled", help="with --corrected: sheets annulled by hand "
                                         "(ANULAT written across them)")) -> None:
    """Generate filled synthetic scans with their truth records (for tests and benchmarks)."""
    from formproc.reconcile.samples import write_corrected
    from formproc.sample import write_samples

    if annulled and not corrected:
        raise InputError("--annulled goes with --corrected")
    truth = (write_corrected(template, count, seed, output, annul=annulled) if corrected
             else write_samples(template, count, seed, output))
    print(json.dumps({"written": len(truth), "folder": output, "truth": os.path.join(output, "truth.jsonl")}))


@app.command("register-blank")
def register_blank(scan: Optional[str] = typer.Argument(None, help="a scan of a blank sheet from your booklet"),
                   template: str = typer.Option(..., "--template", help="the form version printed on the booklet"),
                   reset: bool = typer.Option(False, "--reset", help="go back to the blank generated from the "
                                              "template")) -> None:
    """Make a scan of a real blank the alignment reference of a template (or --reset to the generated one)."""
    from formproc.layout import load_template
    from formproc.scan.load import load_pages
    from formproc.scan.register import reference_file, save_reference

    tpl = load_template(template)
    if reset:
        reference_file(tpl.name).unlink(missing_ok=True)
        print(json.dumps({"template": tpl.name, "reference": "generated"}))
        return
    if scan is None:
        raise InputError("give the scan of a blank sheet, or --reset")
    score = save_reference(tpl, load_pages(scan)[0].image)
    print(json.dumps({"template": tpl.name, "reference": str(reference_file(tpl.name)),
                      "alignment_score": round(score, 3)}))
