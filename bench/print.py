"""Benchmark: a 50-certificate booklet PDF (data only, and as a preview over the blank)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from formproc.layout import load_template  # noqa: E402
from formproc.model import read_records  # noqa: E402
from formproc.render.printing import render_records  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHEETS = 50


def booklet():
    """50 records: the samples, renumbered as consecutive sheets of one booklet."""
    samples = [r for r in read_records(str(ROOT / "samples" / "records.json")) if r.status == "issued"]
    return [samples[i % len(samples)].model_copy(update={"serialNo": str(4512301 + i)}) for i in range(SHEETS)]


def best_of(runs: int, fn) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - start)
    return min(times), size


def main() -> None:
    records = booklet()
    template = load_template("ccm-2025")
    render_records(records[:1], template, background=True)  # fonts registered, template cached
    for label, background in (("data only (preprinted sheets)", False), ("preview over the blank", True)):
        seconds, size = best_of(5, lambda: render_records(records, template, background=background))
        print(f"print {SHEETS} certificates, {label}: {seconds:.3f} s (best of 5), {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
