"""Train the per-cell character recogniser: `python -m formproc.scan.train [--seed 7] [--per-class 1400]`.

Cells are synthesised the way the scanner sees them after cleaning (ink darkness 0-1 at the
scanner's 8 px/mm): a character in a handwriting font (fonts-humor-sans, -comic-neue, -klee,
-kristi) or a printer font, distorted (rotation, shear, scale, stroke width, offset), with partial
box-line remnants, stamp traces, blur, resolution loss and noise. An MLP (scikit-learn, the
`train` extra) is fitted and its weights written to formproc/scan/data/icr.npz, which the
scanner runs with numpy only. The same seed gives the same model.
"""

from __future__ import annotations

import argparse
import time
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from formproc.scan import fonts
from formproc.scan.icr import CLASSES, MODEL_FILE, Recogniser, normalise

PX_PER_MM = 8.0
BASE_HEIGHT = 64


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


def make_dataset(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and a hand(1)/printed(0) flag for `per_class` cells of every class."""
    rng = np.random.default_rng(seed)
    hand = fonts.available(fonts.HAND_FONTS)
    printed = fonts.available(fonts.PRINT_FONTS)
    if not hand or not printed:
        raise SystemExit("handwriting and printer fonts are needed (see formproc.scan.fonts)")
    xs, ys, kinds = [], [], []
    for label, char in enumerate(CLASSES):
        made = 0
        while made < per_class:
            is_hand = rng.random() < 0.75
            font = (hand if is_hand else printed)[int(rng.integers(0, len(hand if is_hand else printed)))]
            vec, _ = normalise(synth_cell(char, font, rng, is_hand))
            if vec is None:
                continue
            xs.append(vec)
            ys.append(label)
            kinds.append(int(is_hand))
            made += 1
    return np.asarray(xs, np.float32), np.asarray(ys, np.int64), np.asarray(kinds, np.int8)


def calibrate(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature with the lowest held-out negative log-likelihood."""
    best = (np.inf, 1.0)
    for t in np.arange(1.0, 5.01, 0.25):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = float(-logp[np.arange(len(labels)), labels].mean())
        best = min(best, (nll, float(t)))
    return best[1]


def train(per_class: int, seed: int, hidden: int, out: Path) -> None:
    """Generate data, fit the MLP, export weights, print held-out accuracy."""
    from sklearn.neural_network import MLPClassifier

    t0 = time.time()
    x, y, _ = make_dataset(per_class, seed)
    xv, yv, kv = make_dataset(max(60, per_class // 6), seed + 1000)
    print(f"data: {len(x)} training / {len(xv)} held-out cells in {time.time() - t0:.0f}s")
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 0.1
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=2e-4, batch_size=256,
                        learning_rate_init=1e-3, max_iter=120, early_stopping=True,
                        n_iter_no_change=10, random_state=seed)
    clf.fit((x - mean) / scale, y)
    weights: dict[str, np.ndarray] = {"n_layers": np.array(len(clf.coefs_)), "classes": np.array(CLASSES),
                                      "mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        weights[f"W{i}"] = w.astype(np.float32)
        weights[f"b{i}"] = b.astype(np.float32)
    model = Recogniser(weights)
    weights["temperature"] = np.array(calibrate(model.logits(xv), yv))
    print(f"temperature {float(weights['temperature']):.2f}")
    pred = model.probabilities(xv).argmax(axis=1)
    ok = pred == yv
    print(f"held-out accuracy: all {ok.mean():.4f}, hand {ok[kv == 1].mean():.4f}, "
          f"printed {ok[kv == 0].mean():.4f} ({time.time() - t0:.0f}s)")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **weights)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-class", type=int, default=3000)
    parser.add_argument("--hidden", type=int, default=384)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / MODEL_FILE)
    args = parser.parse_args()
    train(args.per_class, args.seed, args.hidden, args.out)


if __name__ == "__main__":
    main()
