"""Per-cell character recogniser for boxed fields (hand-printed and printed), numpy only.

The model is a small convolutional network trained by `python -m formproc.scan.train` on cells
cut out by this scanner from synthetic pages hand-printed in the Debian handwriting fonts (and
typed in a printer font); its weights live in `formproc/scan/data/icr.npz` and run with numpy.
Input: one cell's ink darkness (0 = paper, 1 = full ink) with the box lines still possibly at its
edges; output: candidate characters with probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TypeVar

import cv2
import numpy as np

from formproc.errors import InputError

T = TypeVar("T")

CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
SIZE = 24  # side of the normalised glyph image
FIT = 20  # the glyph's longer side inside it
MODEL_FILE = "icr.npz"
#: a cell is blank when its cleaned ink covers less than this fraction of the cell
BLANK_INK = 0.012
SHORT = 0.36  # share of the box's height below which all of a cell's ink is no character
EDGE = 0.3  # ink reaching less far than this from a side of the box is no character


@dataclass(frozen=True)
class CellInk:
    """Ink statistics of one cell, kept for reconciliation (overwritten or struck-out cells)."""

    ink: float  # fraction of the cell area covered by ink after cleaning
    components: int  # connected ink blobs
    bbox: tuple[float, float, float, float]  # ink extent as fractions of the cell (x, y, w, h)
    edge_ink: float  # ink removed as box-line remnants (fraction of the cell)

    def to_dict(self) -> dict:
        return {"ink": round(self.ink, 4), "components": self.components,
                "bbox": [round(v, 3) for v in self.bbox], "edge_ink": round(self.edge_ink, 4)}


def _strip_lines(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """Clear rows/columns near the edges that are mostly ink (box-line remnants)."""
    h, w = binary.shape
    out = binary.copy()
    band_h, band_w = max(2, h // 4), max(2, w // 4)
    rows = out.mean(axis=1)
    cols = out.mean(axis=0)
    removed = 0
    for idx in list(range(band_h)) + list(range(h - band_h, h)):
        if rows[idx] > 0.55:
            removed += int(out[idx].sum())
            out[idx] = 0
    for idx in list(range(band_w)) + list(range(w - band_w, w)):
        if cols[idx] > 0.55:
            removed += int(out[:, idx].sum())
            out[:, idx] = 0
    return out, removed


def normalise(dark: np.ndarray) -> tuple[np.ndarray | None, CellInk]:
    """The model input (SIZE*SIZE floats) of a cell's darkness image, or None for a cell with
    (next to) no ink; `blank_probability` weighs the cells in between."""
    dark = dark.astype(np.float32)
    h, w = dark.shape
    area = float(h * w)
    binary = (dark > 0.35).astype(np.uint8)
    binary, removed = _strip_lines(binary)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = np.zeros(n, bool)
    min_area = max(3, int(area * 0.004))
    for i in range(1, n):
        x, y, cw, ch, a = stats[i]
        thin_edge_line = (cw > 0.8 * w and ch <= max(2, h // 10)) or (ch > 0.8 * h and cw <= max(2, w // 10))
        keep[i] = a >= min_area and not thin_edge_line
    mask = keep[labels]
    ink_px = int(mask.sum())
    if ink_px == 0:
        return None, CellInk(0.0, 0, (0.0, 0.0, 0.0, 0.0), removed / area)
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    stats_out = CellInk(ink_px / area, int(keep.sum()), (x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h),
                        removed / area)
    if ink_px / area < BLANK_INK * 0.35:
        return None, stats_out
    glyph = np.where(mask, dark, 0.0)[y0:y1, x0:x1]
    gh, gw = glyph.shape
    scale = FIT / max(gh, gw)
    nh, nw = max(1, int(round(gh * scale))), max(1, int(round(gw * scale)))
    glyph = cv2.resize(glyph, (nw, nh), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((SIZE, SIZE), np.float32)
    oy, ox = (SIZE - nh) // 2, (SIZE - nw) // 2
    canvas[oy:oy + nh, ox:ox + nw] = glyph
    peak = float(canvas.max()) or 1.0
    canvas = np.clip(canvas / peak, 0, 1)
    canvas = cv2.GaussianBlur(canvas, (3, 3), 0.6)
    return canvas.reshape(-1), stats_out


def _below(value: float, limit: float, softness: float) -> float:
    """A soft step: about 1 well below `limit`, 0 well above it."""
    return float(1.0 / (1.0 + np.exp(np.clip((value - limit) / softness, -30, 30))))


def blank_probability(ink: CellInk, dash: bool = False) -> float:
    """How likely a cell is empty: too little ink (specks, line remnants, stamp traces); all of its
    ink along one side of the box (a box line's remnant, the sheet's edge), which no character is;
    or all of it within a sliver of the box's height, which no digit or capital is (a hyphen is:
    with `dash` that does not count)."""
    x, _, w, h = ink.bbox
    reach = min(x + w, 1.0 - x)  # how far the ink comes from its side towards the middle
    blank = max(_below(ink.ink, BLANK_INK, 0.25 * BLANK_INK), _below(reach, EDGE, 0.02))
    return blank if dash else max(blank, _below(h, SHORT, 0.03))


def conv3x3_relu(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 3x3 'same' convolution + ReLU of NHWC activations, as one matrix product over patches."""
    n, h, wd, c = a.shape
    pad = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(pad, (3, 3), axis=(1, 2))  # n,h,w,c,3,3
    patches = patches.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * wd, 9 * c)
    out = patches @ w
    out += b
    np.maximum(out, 0, out=out)
    return out.reshape(n, h, wd, -1)


def pool2(a: np.ndarray) -> np.ndarray:
    """Max pooling 2x2 of NHWC activations."""
    n, h, w, c = a.shape
    return a[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


class Recogniser:
    """The trained convolutional network (3 conv+pool stages, 2 dense layers), run with numpy:
    normalised cells in, class probabilities out."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.convs = [(weights[f"conv{i}_w"].astype(np.float32), weights[f"conv{i}_b"].astype(np.float32))
                      for i in range(int(weights["n_conv"]))]
        self.denses = [(weights[f"dense{i}_w"].astype(np.float32), weights[f"dense{i}_b"].astype(np.float32))
                       for i in range(int(weights["n_dense"]))]
        self.classes = str(weights["classes"])
        self.temperature = float(weights.get("temperature", 1.0))

    def logits(self, x: np.ndarray, batch: int = 512) -> np.ndarray:
        """Raw scores for a batch of normalised cells (N x SIZE*SIZE)."""
        x = np.atleast_2d(x).astype(np.float32)
        out = []
        for i in range(0, len(x), batch):
            a = x[i:i + batch].reshape(-1, SIZE, SIZE, 1)
            for w, b in self.convs:
                a = pool2(conv3x3_relu(a, w, b))
            a = a.reshape(len(a), -1)
            for j, (w, b) in enumerate(self.denses):
                a = a @ w + b
                if j < len(self.denses) - 1:
                    np.maximum(a, 0, out=a)
            out.append(a)
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Calibrated softmax probabilities for a batch of normalised cells."""
        a = self.logits(x) / self.temperature
        a -= a.max(axis=1, keepdims=True)
        np.exp(a, out=a)
        return a / a.sum(axis=1, keepdims=True)

    def top_k(self, probs: np.ndarray, k: int = 5, allowed: str | None = None) -> list[list[tuple[str, float]]]:
        """The k best (character, probability) pairs per row, restricted to `allowed` characters
        (renormalised over them) when given."""
        p = probs
        cls = self.classes
        if allowed is not None:
            idx = [i for i, c in enumerate(cls) if c in allowed]
            p = probs[:, idx]
            p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
            cls = "".join(cls[i] for i in idx)
        order = np.argsort(-p, axis=1)[:, :k]
        return [[(cls[j], float(p[r, j])) for j in row] for r, row in enumerate(order)]


def load_packaged(package: str, file: str, build: Callable[[dict[str, np.ndarray]], T], what: str,
                  trainer: str) -> T:
    """A model shipped in `package`'s data folder, built by `build` from its weights; a clear
    error naming the `trainer` module that rebuilds it when the file is missing or unusable."""
    try:
        ref = resources.files(package).joinpath("data", file)
        with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as data:
            weights = {k: data[k] for k in data.files}
        return build(weights)
    except (FileNotFoundError, OSError, ValueError, KeyError):
        raise InputError(f"{what} model {file} is missing, damaged or of an older format; "
                         f"rebuild it with: python -m {trainer}") from None


@lru_cache(maxsize=1)
def load_model() -> Recogniser:
    """The recogniser shipped with formproc."""
    return load_packaged("formproc.scan", MODEL_FILE, Recogniser, "character", "formproc.scan.train")
