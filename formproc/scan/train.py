"""Train the per-cell character recogniser: `python -m formproc.scan.train [--seed 7] [--pages 360]`.

Training cells come from the scanner itself: synthetic pages (`formproc.sample`: hand-printed
boxes in the Debian handwriting fonts fonts-humor-sans, -comic-neue, -klee, -kristi, printed
boxes in the printer font, carbon copies, stamps, rotation, scale, perspective, blur, noise, JPEG
loss) are registered and cleaned by the real pipeline, every box is cut out as `read` cuts it and
normalised by `icr.normalise`, and labelled with the truth record's character. Because the sample
records hold few letters, isolated cells rendered with the same fonts (`synth_cell`) add every
class evenly. A small convolutional network is trained with PyTorch (the `train` extra; CPU,
`torch==2.13.0`), its weights are exported to formproc/scan/data/icr.npz and run by numpy at scan
time. The softmax temperature is fitted on held-out pages (another sample seed). The same seed
gives the same model (cells are drawn per page from the seed, torch runs on one thread).

Measured for the shipped model (`--seed 7 --pages 360 --per-class 500 --epochs 8`), on the
2-core machine shared with other jobs (load about 7): 21 min to cut the cells with 2 workers,
5 min to train; `--cells FILE` keeps the cut cells so that a retraining takes only the 5 min.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from formproc.scan import fonts
from formproc.scan.icr import CLASSES, MODEL_FILE, SIZE, Recogniser, normalise

PX_PER_MM = 8.0
BASE_HEIGHT = 64
#: sample modes drawn for training pages (hand-printed boxes are the hard part)
MODES = ("hand", "hand", "hand", "hand", "mixed", "printed")


@lru_cache(maxsize=None)
def _base_glyph(char: str, path: str) -> np.ndarray:
    return fonts.glyph_mask(char, path, BASE_HEIGHT)


def synth_cell(char: str, font: str, rng: np.random.Generator, hand: bool) -> np.ndarray:
    """One cell's darkness image (float32 0-1) holding `char`, as the cleaner would deliver it."""
    w = int(rng.uniform(4.2, 6.6) * PX_PER_MM)
    h = int(rng.uniform(4.8, 8.2) * PX_PER_MM)
    cell = np.zeros((h, w), np.float32)
    glyph = _base_glyph(char, font)
    if hand:
        glyph = fonts.distort_glyph(glyph, rng, angle=8.0, shear=0.2, stroke=1)
    else:
        glyph = fonts.distort_glyph(glyph, rng, angle=2.0, shear=0.03, stroke=0)
    gh_target = int(h * rng.uniform(0.45, 0.85))
    scale = gh_target / glyph.shape[0]
    gw_target = max(1, int(glyph.shape[1] * scale))
    if gw_target > w * 0.95:
        scale = w * 0.95 / glyph.shape[1]
        gw_target, gh_target = int(glyph.shape[1] * scale), max(1, int(glyph.shape[0] * scale))
    g = cv2.resize(glyph, (max(1, gw_target), max(1, gh_target)), interpolation=cv2.INTER_AREA)
    g = g.astype(np.float32) / 255.0
    gh, gw = g.shape
    oy = int(np.clip((h - gh) / 2 + rng.normal(0, h * 0.08), 0, max(0, h - gh)))
    ox = int(np.clip((w - gw) / 2 + rng.normal(0, w * 0.08), 0, max(0, w - gw)))
    cell[oy:oy + gh, ox:ox + gw] = np.maximum(cell[oy:oy + gh, ox:ox + gw], g[:h - oy, :w - ox])
    # box-line remnants (registration error and incomplete line removal)
    for side in range(4):
        if rng.random() < 0.35:
            off = int(rng.integers(0, 4))
            val = float(rng.uniform(0.3, 1.0))
            thick = int(rng.integers(1, 3))
            if side == 0:
                cell[off:off + thick, :] = np.maximum(cell[off:off + thick, :], val)
            elif side == 1:
                cell[h - off - thick:h - off, :] = np.maximum(cell[h - off - thick:h - off, :], val)
            elif side == 2:
                cell[:, off:off + thick] = np.maximum(cell[:, off:off + thick], val)
            else:
                cell[:, w - off - thick:w - off] = np.maximum(cell[:, w - off - thick:w - off], val)
    if rng.random() < 0.15:  # a faint stamp arc
        trace = np.zeros_like(cell)
        r = int(rng.uniform(1.0, 3.0) * max(h, w))
        cv2.circle(trace, (int(rng.integers(0, w)), int(rng.integers(-r, h + r))), r,
                   float(rng.uniform(0.15, 0.3)), 1)
        cell = np.maximum(cell, trace)
    cell *= float(rng.uniform(0.6, 1.0))
    if rng.random() < 0.5:  # resolution loss (150-200 dpi scans, phone photos)
        f = float(rng.uniform(0.45, 0.9))
        small = cv2.resize(cell, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
        cell = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        cell = cv2.GaussianBlur(cell, (3, 3), float(rng.uniform(0.3, 1.0)))
    cell += rng.normal(0, rng.uniform(0.0, 0.08), cell.shape).astype(np.float32)
    return np.clip(cell, 0, 1)


def _cell_text(spec, value: str) -> list[str]:
    """The character of every box of a field holding `value`, aligned as the form writes it."""
    n = spec.cells or 0
    text = str(value)[:n]
    start = {"right": n - len(text), "center": (n - len(text)) // 2}.get(spec.align, 0)
    out = [" "] * n
    for i, ch in enumerate(text):
        out[start + i] = ch
    return out


def page_cells(args: tuple[str, int, int]) -> dict:
    """The labelled cells of one synthetic page, cut out by the real scanning pipeline.

    Returns {"x": float16 vectors, "y": class indices, "hand": 0/1, "font": font file name,
    "aligned": bool}; cells whose truth is blank, or that the pipeline reads as blank, are left out
    (the blank decision is not the recogniser's)."""
    from formproc.fieldvalues import to_form
    from formproc.layout import load_template
    from formproc.sample import make_sample
    from formproc.scan.clean import clean, form_mask
    from formproc.scan.load import load_image_bytes
    from formproc.scan.pipeline import writing_areas
    from formproc.scan.read import cell_rects
    from formproc.scan.register import reference_for, register

    cv2.setNumThreads(1)
    name, seed, index = args
    rng = np.random.default_rng([seed, index])
    template = load_template(name)
    sample = make_sample(rng, template, mode=MODES[int(rng.integers(0, len(MODES)))])
    bgr = cv2.cvtColor(sample.image, cv2.COLOR_RGB2BGR)
    if rng.random() < 0.5:  # as formproc.sample.write_one: half the pages are JPEG files
        data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 93))])[1]
        page = load_image_bytes(data.tobytes(), "page.jpg")[0]
    else:
        page = load_image_bytes(cv2.imencode(".png", bgr)[1].tobytes(), "page.png")[0]
    ref = reference_for(template)
    reg = register(page.image, ref)
    font = str(sample.meta["font"])
    out: dict = {"x": [], "y": [], "hand": [], "font": font, "aligned": bool(reg.aligned)}
    if not reg.aligned or reg.warped is None:
        return out
    cleaned = clean(reg.warped, form_mask(ref.gray), writing_areas(template))
    ink = np.where(cleaned.form, 0.0, cleaned.ink)
    for spec in template.fields:
        if spec.kind != "boxes":
            continue
        value = to_form(sample.record, spec)
        if value is None:
            continue
        hand = int(spec.name in sample.hand)
        for ch, (x, y, w, h) in zip(_cell_text(spec, str(value)), cell_rects(spec)):
            if ch == " " or ch not in CLASSES:
                continue
            crop = ink[max(0, round(y * PX_PER_MM)):max(0, round((y + h) * PX_PER_MM)),
                       max(0, round(x * PX_PER_MM)):max(0, round((x + w) * PX_PER_MM))]
            vec, _ = normalise(crop)
            if vec is None:
                continue
            out["x"].append(vec.astype(np.float16))
            out["y"].append(CLASSES.index(ch))
            out["hand"].append(hand)
    return out


def pipeline_dataset(pages: int, seed: int, workers: int, template: str = "ccm-2025") -> dict:
    """Cells of `pages` synthetic pages (see `page_cells`), stacked; with per-cell font names."""
    xs, ys, hands, font_of = [], [], [], []
    misaligned = 0
    jobs = [(template, seed, i + 1) for i in range(pages)]
    with ProcessPoolExecutor(workers) as pool:
        for page in pool.map(page_cells, jobs, chunksize=4):
            misaligned += not page["aligned"]
            xs += page["x"]
            ys += page["y"]
            hands += page["hand"]
            font_of += [page["font"]] * len(page["y"])
    if not xs:
        raise SystemExit("no training cells: the synthetic pages could not be registered")
    return {"x": np.stack(xs).astype(np.float32), "y": np.asarray(ys, np.int64),
            "hand": np.asarray(hands, np.int8), "font": np.asarray(font_of), "misaligned": misaligned}


def synth_dataset(per_class: int, seed: int, without: str | None = None) -> dict:
    """`per_class` isolated cells of every class (75% hand-printed), normalised as the scanner does;
    `without`: a font file name left out."""
    rng = np.random.default_rng(seed)
    hand = [f for f in fonts.available(fonts.HAND_FONTS) if Path(f).name != without]
    printed = fonts.available(fonts.PRINT_FONTS)
    if not hand or not printed:
        raise SystemExit("handwriting and printer fonts are needed (see formproc.scan.fonts)")
    xs, ys, kinds = [], [], []
    for label, char in enumerate(CLASSES):
        made = 0
        while made < per_class:
            is_hand = rng.random() < 0.75
            pool = hand if is_hand else printed
            vec, _ = normalise(synth_cell(char, pool[int(rng.integers(0, len(pool)))], rng, is_hand))
            if vec is None:
                continue
            xs.append(vec)
            ys.append(label)
            kinds.append(int(is_hand))
            made += 1
    return {"x": np.asarray(xs, np.float32), "y": np.asarray(ys, np.int64), "hand": np.asarray(kinds, np.int8)}


def calibrate(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature with the lowest held-out negative log-likelihood."""
    best = (np.inf, 1.0)
    for t in np.arange(0.5, 4.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = float(-logp[np.arange(len(labels)), labels].mean())
        best = min(best, (nll, float(t)))
    return best[1]


def _network(n_classes: int):
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(1, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(24, 48, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(48, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * (SIZE // 8) ** 2, 160), nn.ReLU(),
        nn.Dropout(0.25), nn.Linear(160, n_classes))


def _augment(xb, gen):
    """Random shifts of up to 2 px and contrast changes of a batch (N, 1, SIZE, SIZE)."""
    import torch

    n = xb.shape[0]
    dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
    xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
    gain = 0.7 + 0.3 * torch.rand(n, 1, 1, 1, generator=gen)
    return xb * gain


def fit(x: np.ndarray, y: np.ndarray, seed: int, epochs: int):
    """The trained torch network (one thread: the same seed gives the same weights)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    net = _network(len(CLASSES))
    xt = torch.from_numpy(x.reshape(-1, 1, SIZE, SIZE))
    yt = torch.from_numpy(y)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.02)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(x), generator=gen)
        t0, total, correct = time.time(), 0.0, 0
        for i in range(0, len(x), 256):
            idx = order[i:i + 256]
            xb, yb = _augment(xt[idx], gen), yt[idx]
            out = net(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f}, train accuracy "
              f"{correct / len(x):.4f} ({time.time() - t0:.0f}s)", flush=True)
    net.eval()
    return net


def export(net) -> dict[str, np.ndarray]:
    """The network's weights in the numpy layout of `icr.Recogniser`."""
    import torch

    weights: dict[str, np.ndarray] = {"classes": np.array(CLASSES), "size": np.array(SIZE)}
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    denses = [m for m in net if isinstance(m, torch.nn.Linear)]
    for i, m in enumerate(convs):  # (out, in, kh, kw) -> (kh*kw*in, out) for NHWC patches
        w = m.weight.detach().numpy()
        weights[f"conv{i}_w"] = w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0]).astype(np.float32)
        weights[f"conv{i}_b"] = m.bias.detach().numpy().astype(np.float32)
    c_last = convs[-1].out_channels
    side = SIZE // 2 ** len(convs)
    for i, m in enumerate(denses):
        w = m.weight.detach().numpy().T
        if i == 0:  # torch flattens (C, H, W); the numpy runner flattens (H, W, C)
            w = w.reshape(c_last, side, side, -1).transpose(1, 2, 0, 3).reshape(side * side * c_last, -1)
        weights[f"dense{i}_w"] = w.astype(np.float32)
        weights[f"dense{i}_b"] = m.bias.detach().numpy().astype(np.float32)
    weights["n_conv"] = np.array(len(convs))
    weights["n_dense"] = np.array(len(denses))
    return weights


def report(model: Recogniser, data: dict, title: str) -> None:
    """Per-cell accuracy of the model on labelled cells: all, hand/printed, digits, per font."""
    probs = model.probabilities(data["x"])
    pred = probs.argmax(axis=1)
    ok = pred == data["y"]
    top3 = (np.argsort(-probs, axis=1)[:, :3] == data["y"][:, None]).any(axis=1)
    hand = data["hand"] == 1
    digit = data["y"] < 10
    digit_only = np.argmax(probs[:, :10], axis=1) == data["y"]
    print(f"{title}: {len(ok)} cells, accuracy {ok.mean():.4f} (top-3 {top3.mean():.4f}); "
          f"hand {ok[hand].mean():.4f}, printed {ok[~hand].mean():.4f}; "
          f"digit cells read as digits {digit_only[digit].mean():.4f} (hand {digit_only[digit & hand].mean():.4f})")
    if "font" in data:
        for font in sorted(set(data["font"][hand].tolist())):
            sel = hand & (data["font"] == font)
            print(f"  hand {font:28s} {ok[sel].mean():.4f} ({sel.sum()} cells)")
    wrong = Counter((CLASSES[a], CLASSES[b]) for a, b in zip(data["y"][~ok], pred[~ok]))
    print("  most frequent confusions (truth->read):",
          ", ".join(f"{a}->{b} {n}" for (a, b), n in wrong.most_common(12)))


def _datasets(pages: int, per_class: int, seed: int, workers: int, cells: Path | None) -> tuple[dict, dict, dict]:
    """Training pipeline cells, held-out pipeline cells, rendered cells; kept in `cells` (.npz) when
    given, and read back from it when it exists and was made with the same settings."""
    key = f"{pages}/{per_class}/{seed}/{SIZE}"
    if cells is not None and cells.exists():
        with np.load(cells, allow_pickle=False) as f:
            if str(f["key"]) == key:
                d = {k: f[k] for k in f.files}
                split = lambda p: {k[len(p):]: v for k, v in d.items() if k.startswith(p)}  # noqa: E731
                return split("real_"), split("held_"), split("synth_")
    real = pipeline_dataset(pages, seed, workers)
    held = pipeline_dataset(max(20, pages // 6), seed + 1000, workers)
    synth = synth_dataset(per_class, seed)
    if cells is not None:
        flat = {f"{p}{k}": v for p, d in (("real_", real), ("held_", held), ("synth_", synth)) for k, v in d.items()}
        np.savez_compressed(cells, key=np.array(key), **flat)
    return real, held, synth


def _only(data: dict, keep: np.ndarray) -> dict:
    return {k: v[keep] if isinstance(v, np.ndarray) and v.shape[:1] == keep.shape else v for k, v in data.items()}


def train(pages: int, per_class: int, seed: int, epochs: int, workers: int, out: Path,
          cells: Path | None = None, hold_out_font: str | None = None) -> None:
    """Generate the cells, fit the network, calibrate, export, print held-out figures.

    `hold_out_font` (a font file name, e.g. Kristi.ttf) leaves that handwriting font out of the
    training data entirely and reports the accuracy on its held-out cells: an estimate for a
    writer whose hand the model has never seen."""
    t0 = time.time()
    real, held, synth = _datasets(pages, per_class, seed, workers, cells)
    if hold_out_font:
        unseen = _only(held, (held["font"] == hold_out_font) & (held["hand"] == 1))
        real = _only(real, ~((real["font"] == hold_out_font) & (real["hand"] == 1)))
        held = _only(held, ~((held["font"] == hold_out_font) & (held["hand"] == 1)))
        synth = synth_dataset(per_class, seed, without=hold_out_font)
    print(f"data: {len(real['y'])} pipeline cells from {pages} pages ({real['misaligned']} not aligned), "
          f"{len(synth['y'])} rendered cells, {len(held['y'])} held-out pipeline cells "
          f"({time.time() - t0:.0f}s)", flush=True)
    x = np.concatenate([real["x"], synth["x"]])
    y = np.concatenate([real["y"], synth["y"]])
    weights = export(fit(x, y, seed, epochs))
    model = Recogniser(weights)
    weights["temperature"] = np.array(calibrate(model.logits(held["x"]), held["y"]), np.float32)
    model = Recogniser(weights)
    print(f"temperature {float(weights['temperature']):.2f}")
    report(model, held, "held-out pages (sample seed " + str(seed + 1000) + ")")
    if hold_out_font:
        report(model, unseen, f"held-out pages, hand font {hold_out_font} never seen in training")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **weights)
    meta = {"seed": seed, "pages": pages, "per_class": per_class, "epochs": epochs,
            "cells": int(len(y)), "seconds": round(time.time() - t0)}
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB) {json.dumps(meta)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pages", type=int, default=360, help="synthetic pages cut into training cells")
    parser.add_argument("--per-class", type=int, default=500, help="isolated rendered cells per class")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / MODEL_FILE)
    parser.add_argument("--cells", type=Path, default=None, help="keep/reuse the cut cells in this .npz")
    parser.add_argument("--hold-out-font", default=None, help="leave this font file out (an evaluation run)")
    args = parser.parse_args()
    train(args.pages, args.per_class, args.seed, args.epochs, args.workers, args.out, args.cells,
          args.hold_out_font)


if __name__ == "__main__":
    main()
