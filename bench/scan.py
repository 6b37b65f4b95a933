"""Scanning benchmark: accuracy per field kind, whole-record rate, alignment failures, speed.

    .venv/bin/python bench/scan.py [--pages 200] [--seed 11] [--workers 2] [--baseline-pages 40] [--dir DIR]
                                   [--tesseract-pages 5]

Generates pages with formproc.sample (printed and hand-printed fields, carbon copies, stamps,
rotation incl. upside down, scale, perspective, blur, noise, JPEG), scans them with
formproc.scan and compares with the truth through formproc.fieldvalues.to_form. The naive
baseline runs tesseract on each field crop of the same registered page (boxes and text,
`--psm 7`, no recogniser, no constraints) and reads checkboxes by plain darkness; it is slow, so
it runs on the first `--baseline-pages` pages. Last, a few pages are timed one at a time, in
turns with one plain `tesseract` run over the same whole page (the issue's per-page speed bound):
wall time, and CPU time (formproc's own and its tesseract runs'; a scan reads the boxes while its
text lines' tesseract run works, so it may use two cores at once).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

KINDS = ("printed text", "printed boxes", "hand-printed boxes", "checkboxes/choices")


def _gen(args: tuple[str, int, int, str]) -> dict:
    from formproc.layout import load_template
    from formproc.sample import write_one

    name, seed, index, folder = args
    return write_one(load_template(name), seed, index, Path(folder))


def _scan(path: str) -> dict:
    import cv2

    from formproc.scan.pipeline import scan_file

    cv2.setNumThreads(1)
    try:
        return scan_file(path)[0].to_dict()
    except Exception as exc:  # a crash counts as a failed page, the benchmark goes on
        return {"aligned": False, "record": {}, "fields": {}, "error": f"{type(exc).__name__}: {exc}"}


def _baseline(args: tuple[str, str]) -> dict:
    """Tesseract on every field crop of the registered page, no recogniser, no constraints."""
    import cv2
    import numpy as np
    import pytesseract

    from formproc.layout import load_template
    from formproc.scan.load import load_pages
    from formproc.scan.register import PX_PER_MM, reference_for, register

    cv2.setNumThreads(1)
    path, name = args
    template = load_template(name)
    reg = register(load_pages(path)[0].image, reference_for(template))
    out: dict = {"aligned": reg.aligned, "fields": {}}
    if not reg.aligned:
        return out
    gray = cv2.cvtColor(reg.warped, cv2.COLOR_RGB2GRAY)
    for f in template.fields:
        if f.kind in ("checkbox", "choice"):
            best = None
            for o in f.options:
                crop = gray[int((o.y + o.h * .2) * PX_PER_MM):int((o.y + o.h * .8) * PX_PER_MM),
                            int((o.x + o.w * .2) * PX_PER_MM):int((o.x + o.w * .8) * PX_PER_MM)]
                dark = float((crop < 128).mean()) if crop.size else 0
                if dark > 0.1 and (best is None or dark > best[0]):
                    best = (dark, o.value)
            out["fields"][f.name] = None if best is None else best[1]
            continue
        crop = gray[int(f.y * PX_PER_MM):int((f.y + f.h) * PX_PER_MM), int(f.x * PX_PER_MM):int((f.x + f.w) * PX_PER_MM)]
        crop = cv2.copyMakeBorder(crop, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)
        text = pytesseract.image_to_string(crop, lang="ron", config="--psm 7").strip()
        if f.kind == "boxes":
            text = "".join(ch for ch in text if ch.isalnum() or ch == "-")
        out["fields"][f.name] = text or None
    return out


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (tesseract) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _plain_tesseract(path: str) -> tuple[float, float]:
    """Seconds (wall, CPU) of one plain `tesseract` run (ron, one thread) over the whole page image."""
    import subprocess

    start, cpu = time.perf_counter(), _cpu()
    subprocess.run(["tesseract", path, "-", "-l", "ron"], capture_output=True, check=False,
                   env={**os.environ, "OMP_THREAD_LIMIT": "1"}, timeout=600)
    return time.perf_counter() - start, _cpu() - cpu


def _timed_scan(path: str) -> tuple[float, float]:
    """Seconds (wall, CPU incl. its tesseract runs) of one scan of a page, in this process."""
    start, cpu = time.perf_counter(), _cpu()
    _scan(path)
    return time.perf_counter() - start, _cpu() - cpu


def _form(record, spec):
    from formproc.fieldvalues import to_form

    return None if record is None else to_form(record, spec)


def _kind(spec, truth: dict) -> str:
    if spec.kind in ("checkbox", "choice"):
        return KINDS[3]
    if spec.kind == "text":
        return KINDS[0] if spec.name in truth["printed"] or spec.preprinted else "hand-printed text"
    return KINDS[2] if spec.name in truth["hand"] else KINDS[1]


def score(truths: list[dict], results: list[dict], baseline: bool = False) -> dict:
    """Exact-match figures per field kind."""
    from formproc.layout import load_template
    from formproc.model import Certificate

    ok, total, spurious, empties = Counter(), Counter(), Counter(), Counter()
    wrong_confident, wrong = 0, 0
    whole = 0
    misaligned = 0
    for t, r in zip(truths, results):
        tpl = load_template(t["template"])
        truth = Certificate.model_validate(t["record"])
        if not r["aligned"]:
            misaligned += 1
        got = None
        if not baseline and r.get("record"):
            got = Certificate.model_validate(r["record"])
        all_ok = r["aligned"]
        for spec in tpl.fields:
            want = _form(truth, spec)
            if baseline:
                have = r["fields"].get(spec.name)
                conf = None
            else:
                have = _form(got, spec) if got is not None else None
                conf = r["fields"].get(spec.name, {}).get("confidence")
            if want is None:
                empties[_kind(spec, t)] += 1
                if have is not None:
                    spurious[_kind(spec, t)] += 1
                    all_ok = False
                continue
            k = _kind(spec, t)
            total[k] += 1
            same = str(have) == str(want)
            if spec.name in ("pid", "childPid"):
                total["CNP (" + ("hand" if spec.name in t["hand"] else "printed") + ")"] += 1
                ok["CNP (" + ("hand" if spec.name in t["hand"] else "printed") + ")"] += same
            ok[k] += same
            if not same:
                all_ok = False
                wrong += 1
                if conf is not None and conf >= 0.5:
                    wrong_confident += 1
        whole += all_ok
    return {"ok": ok, "total": total, "spurious": spurious, "empties": empties, "whole": whole,
            "pages": len(truths), "misaligned": misaligned, "wrong": wrong, "wrong_confident": wrong_confident}


def show(title: str, s: dict, seconds: float, workers: int) -> None:
    print(f"\n{title}")
    for k in sorted(s["total"]):
        t = s["total"][k]
        print(f"  {k:24s} {s['ok'][k] / t * 100:7.2f}%  ({s['ok'][k]}/{t})")
    for k in sorted(s["empties"]):
        if s["spurious"][k]:
            print(f"  {'spurious in empty ' + k:40s} {s['spurious'][k]}/{s['empties'][k]}")
    print(f"  whole record exact       {s['whole'] / s['pages'] * 100:7.2f}%  ({s['whole']}/{s['pages']})")
    print(f"  alignment failures       {s['misaligned']}/{s['pages']}")
    if s["wrong"]:
        print(f"  wrong values with confidence >= 0.5: {s['wrong_confident']}/{s['wrong']}")
    print(f"  pages per minute         {s['pages'] / seconds * 60:7.1f}  ({workers} workers, {seconds:.1f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description="formproc scanning benchmark")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-pages", type=int, default=40)
    parser.add_argument("--template", default="ccm-2025")
    parser.add_argument("--dir", default=None, help="reuse/keep the generated pages here")
    parser.add_argument("--tesseract-pages", type=int, default=5,
                        help="pages timed one at a time: formproc scan against one plain tesseract run")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="formproc-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    truth_file = folder / "truth.jsonl"
    with ProcessPoolExecutor(args.workers) as pool:
        if truth_file.exists() and len(truth_file.read_text().splitlines()) == args.pages:
            truths = [json.loads(x) for x in truth_file.read_text().splitlines()]
        else:
            truths = list(pool.map(_gen, [(args.template, args.seed, i + 1, str(folder)) for i in range(args.pages)]))
            truth_file.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truths))
        print(f"{len(truths)} pages in {folder} (generated/loaded in {time.time() - t0:.0f}s)")
        paths = [str(folder / t["image"]) for t in truths]
        t1 = time.time()
        results = list(pool.map(_scan, paths))
        scan_s = time.time() - t1
        show("formproc scan", score(truths, results), scan_s, args.workers)
        nb = min(args.baseline_pages, len(truths))
        if nb:
            t2 = time.time()
            base = list(pool.map(_baseline, [(p, args.template) for p in paths[:nb]]))
            show(f"naive baseline (tesseract per field crop, no constraints; first {nb} pages)",
                 score(truths[:nb], base, baseline=True), time.time() - t2, args.workers)
            show(f"formproc scan on the same {nb} pages", score(truths[:nb], results[:nb]), scan_s * nb / len(truths),
                 args.workers)
    nt = min(args.tesseract_pages, len(paths))
    if nt:
        _timed_scan(paths[0])  # warm: reference blank, model, templates
        ours, plain = [], []
        for p in paths[:nt]:  # page by page, in turns: a machine's drift touches both alike
            ours.append(_timed_scan(p))
            plain.append(_plain_tesseract(p))
        slower = sum(o[0] > t[0] for o, t in zip(ours, plain))
        print(f"\nper page, one process, first {nt} pages, in turns: formproc scan {sum(o[0] for o in ours) / nt:.2f}s "
              f"(CPU {sum(o[1] for o in ours) / nt:.2f}s), plain `tesseract PAGE - -l ron` {sum(t[0] for t in plain) / nt:.2f}s "
              f"(CPU {sum(t[1] for t in plain) / nt:.2f}s); formproc slower on {slower} of {nt} pages")


if __name__ == "__main__":
    main()
