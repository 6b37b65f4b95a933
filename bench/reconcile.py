"""Reconciliation benchmark: hand corrections on generated corrected copies.

Generates corrected copies (formproc.reconcile.samples: random fields struck and rewritten beside
the boxes, struck box by box, overwritten in their boxes, checkboxes scribbled out, or free-text
lines struck and rewritten beside them; white/pink/green copies; scan and photo distortions), reads them
(formproc.reconcile.paper) and compares them with the record as first printed
(formproc.reconcile.compare). Prints, per correction style: corrected fields found, new value
exact, old value exact (free text: also up to OCR noise), wrong new values read with confidence
>= 0.5; false corrections on uncorrected fields; differences on uncorrected fields (differs with
confidence >= 0.5 / below, unreadable) and marks (ANULAT, DUPLICAT) read on sheets that have none;
missing-paraph warnings; with --annulled K, K more sheets annulled by hand (ANULAT written across
them) and how many were read as annulled; pages per minute. --no-text leaves free-text lines out
of the random corrections (the figures before they were added).

    .venv/bin/python bench/reconcile.py [--count 60] [--seed 1] [--template ccm-2025] [--annulled 0] [--no-text]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict

import numpy as np

from formproc.layout import load_template
from formproc.reconcile.compare import compare, text_agrees
from formproc.reconcile.paper import read_page
from formproc.reconcile.samples import make_corrected
from formproc.scan.load import Page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--template", default="ccm-2025")
    ap.add_argument("--annulled", type=int, default=0, help="sheets annulled by hand, after the corrected ones")
    ap.add_argument("--no-text", action="store_true", help="no free-text corrections (boxes and checkboxes only)")
    args = ap.parse_args()
    template = load_template(args.template)
    rng = np.random.default_rng(args.seed)
    stats: dict[str, Counter] = defaultdict(Counter)
    false_corr: Counter = Counter()
    false_diff: Counter = Counter()
    diff_kind: Counter = Counter()  # differences on uncorrected fields: differs (sure / unsure), unreadable
    sure_wrong: list[str] = []
    by_copy: Counter = Counter()
    paraph = Counter()
    pages = unaligned = 0
    uncorrected_fields = 0
    elapsed = 0.0
    for _ in range(args.count):
        sample = make_corrected(rng, template, text=not args.no_text)
        start = time.perf_counter()
        reading = read_page(Page("bench.png", sample.image), template.name)
        differences = {d.field: d for d in compare(reading, sample.original)} if reading.aligned else {}
        elapsed += time.perf_counter() - start
        pages += 1
        if not reading.aligned:
            unaligned += 1
            continue
        truth = {c.field: c for c in sample.corrections}
        for c in sample.corrections:
            s = stats[c.style]
            found = reading.corrections.get(c.field)
            s["total"] += 1
            s["found"] += found is not None
            s["new exact"] += found is not None and found.new_text == c.new
            if found is not None and found.new_text != c.new and found.new_confidence >= 0.5:
                sure_wrong.append(f"{c.field} ({c.style}): {found.new_text!r} for {c.new!r} ({found.new_confidence:.2f})")
            s["old exact"] += found is not None and found.old_text == c.old
            if c.style == "text" and found is not None:
                s["new close"] += isinstance(found.new_text, str) and text_agrees(found.new_text, str(c.new))
                s["old close"] += isinstance(found.old_text, str) and text_agrees(found.old_text, str(c.old))
                s["new sure"] += found.new_confidence >= 0.5
            d = differences.get(c.field)
            corrected_json = sample.corrected.to_json_dict().get(c.field)
            s["difference right"] += d is not None and d.acceptable and d.paper == corrected_json
            if found is not None:
                key = ("with paraph" if c.paraph else "without paraph")
                paraph[key + " total"] += 1
                paraph[key + " warned"] += not found.paraph
        for name in reading.corrections:
            if name not in truth:
                false_corr[name] += 1
        for name, d in differences.items():  # the sheet's marks: ANULAT, DUPLICAT
            if name not in template.names:
                false_diff[f"{name} ({d.status})"] += 1
                diff_kind["marks"] += 1
        for f in template.fields:
            if f.name in truth:
                continue
            uncorrected_fields += 1
            by_copy[sample.meta["copy"] + " fields"] += 1
            if f.name in differences:
                d = differences[f.name]
                false_diff[f"{f.name} ({d.status})"] += 1
                by_copy[sample.meta["copy"]] += 1
                diff_kind[d.status if d.status != "differs" else
                          ("differs, confidence >= 0.5" if d.confidence >= 0.5 else "differs, confidence < 0.5")] += 1
    print(f"template {template.name}, {pages} pages (seed {args.seed}), {unaligned} not aligned")
    print(f"{'style':<10} {'corrected':>9} {'found':>8} {'new exact':>10} {'old exact':>10} {'diff right':>10}")
    for style in sorted(stats):
        s = stats[style]
        n = s["total"] or 1
        print(f"{style:<10} {s['total']:>9} {s['found'] / n:>8.1%} {s['new exact'] / n:>10.1%} "
              f"{s['old exact'] / n:>10.1%} {s['difference right'] / n:>10.1%}")
    total = sum(s["total"] for s in stats.values()) or 1
    print(f"{'all':<10} {total:>9} {sum(s['found'] for s in stats.values()) / total:>8.1%} "
          f"{sum(s['new exact'] for s in stats.values()) / total:>10.1%} "
          f"{sum(s['old exact'] for s in stats.values()) / total:>10.1%} "
          f"{sum(s['difference right'] for s in stats.values()) / total:>10.1%}")
    if stats["text"]["total"]:
        t = stats["text"]
        print(f"free text up to OCR noise (formproc.reconcile.compare.text_agrees): new {t['new close']}/{t['total']}, "
              f"old {t['old close']}/{t['total']}; new read with confidence >= 0.5: {t['new sure']}")
    print(f"wrong new values read with confidence >= 0.5: {len(sure_wrong)} {sure_wrong[:6]}")
    print(f"false corrections on uncorrected fields: {sum(false_corr.values())} in {uncorrected_fields} fields "
          f"({sum(false_corr.values()) / max(1, uncorrected_fields):.2%}) {dict(false_corr.most_common(6))}")
    print(f"false differences on uncorrected fields: {sum(false_diff.values())} in {uncorrected_fields} fields "
          f"({sum(false_diff.values()) / max(1, uncorrected_fields):.2%}) {dict(false_diff.most_common(8))}")
    print(f"  by kind: {dict(diff_kind)}")
    print("  by copy: " + ", ".join(f"{c} {by_copy[c]}/{by_copy[c + ' fields']}" for c in ("white", "pink", "green")))
    names = [k.split(" ")[0] for k in false_diff.elements()]
    kinds = Counter(template.field(n).kind if n in template.names else "sheet mark" for n in names)
    print(f"  by field kind: {dict(kinds)}")
    for key in ("with paraph", "without paraph"):
        n = paraph[key + " total"]
        print(f"no-paraph warning, corrections {key}: {paraph[key + ' warned']}/{n}")
    if args.annulled:
        found = 0
        for _ in range(args.annulled):
            sample = make_corrected(rng, template, annul=True)
            start = time.perf_counter()
            reading = read_page(Page("bench.png", sample.image), template.name)
            elapsed += time.perf_counter() - start
            pages += 1
            found += reading.aligned and reading.annulled
        print(f"sheets annulled by hand read as annulled: {found}/{args.annulled}")
    print(f"speed: {pages / elapsed * 60:.1f} pages/min ({elapsed / max(1, pages):.2f} s/page, one process)")


if __name__ == "__main__":
    main()
