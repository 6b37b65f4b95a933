"""Train the hand-written line recogniser: `python -m formproc.reconcile.train_lines [--seed 7] [--steps N]`.

Training lines are synthetic: random Romanian words from tesseract's own word list
(`formproc.scan.lexicon.words`: title case, lower case, some capitals), short tokens (Dr., Str.,
nr., Bd., SA, SRL, CMI), numbers and punctuation, 1-6 tokens a line, written in the Debian
handwriting fonts (`fonts.HAND_FONTS`) at 8 px/mm with capitals 2.0-3.2 mm tall in a line 5-6.6 mm
high; slight rotation, shear, stroke thickness, blur, resampling, noise, and carbon-copy
faintness (darkness scaled down, faint parts thresholded away so thin strokes break), dotted
field lines and stray blobs. No fixed phrases: the model must learn characters. The lines are
normalised by `handlines.normalise` (shared with inference); each batch is varied again as the
scanner cuts lines (`_augmented`). A small CRNN (5 conv stages with batch norm, 4 of them pooled,
a bidirectional LSTM, CTC loss) is trained with PyTorch (the `train` extra; CPU,
`torch==2.13.0`) and exported to formproc/reconcile/data/handlines.npz, batch norms folded into
the convolutions, run by numpy at read time. The character error rate on held-out synthetic
lines (another seed) is printed every `--every` steps. `--data FILE` keeps the generated lines,
so that a retraining skips their generation; `--init MODEL.npz` trains on from an exported model.
`--pages N` adds the new texts of N generated corrected pages as the detector cuts them
(formproc.reconcile.page_lines: through print, carbon copy, scan, registration and cleaning, with
a stamp's lettering or a signature beside the words), `--page-share` of the lines drawn; with
several page seeds (`--page-seed 1 5`), `--pages` gives a count for each. Their CER on the pages
of the first page seed + 1 is printed too (`--page-data FILE` keeps them).

The shipped model, on the 2-core machine: 60,000 lines generated in 494 s (2 workers), trained
`--seed 7 --lines 60000 --val 1000 --minutes 50 --every 1000 --data lines.pkl --out base.npz`
(10,564 steps of 32 lines in 3,006 s, validation CER 0.061; that run's batches were only widened or
narrowed), then trained on with `_augmented`'s bands, cut tops, lost thin strokes and stamp frames:
`--seed 8 --minutes 20 --lr 5e-4 --data lines.pkl --init base.npz --out step2.npz` (5,215 steps in
1,202 s, validation CER 0.062), then on page lines too: `--seed 9 --lr 5e-4 --data lines.pkl --init
step2.npz --pages 1200 --page-data pages1200.pkl --out step3.npz` (2,774 lines of 1,200 pages
generated in 1,697 s; 3,000 steps in 609 s; CER on the 115 lines of 50 other pages 0.083 in
training, synthetic 0.065) and `--seed 10 --steps 100000 --minutes 28 --lr 4e-4 --data lines.pkl
--init step3.npz --pages 2000 --page-data pages2000.pkl --out step4.npz` (4,673 lines; 9,859 steps
in 1,682 s; page-line CER 0.069, synthetic 0.061), then `--seed 11 --steps 100000 --minutes 28 --lr
3e-4 --every 2000 --data lines.pkl --init step4.npz --pages 2000 1500 --page-seed 1 5 --page-data
pages3500.pkl` (8,168 lines: pages2000.pkl's and 3,495 of the 1,500 new pages, generated in 3,050 s
on a shared machine; 9,839 steps in 1,682 s; page-line CER 0.064, synthetic 0.057). Read one line at
a time with numpy, greedy (without handlines' lexicon step), the 115 page lines: CER 0.112 and 40
exact before the page lines, 0.088 and 47 after the first of these runs, 0.076 and 53 after the
second, 0.068 and 56 after the third (with the lexicon step: 0.058 and 71).

`--font-share FONT=SHARE` draws one hand font more often (synthetic and page lines; the others
share the rest) and adds that font's own held-out lines to the validation. The shipped model was
then trained on from that one, the pages' free-text places having moved beside the printed labels
(formproc.reconcile.zones): `--seed 12 --lines 40000 --font-share Kristi=0.3 --data lines12.pkl
--pages 320 --page-seed 7 --page-val 40 --page-data pages7.pkl --init handlines.npz --lr 3e-4
--minutes 26 --steps 100000 --every 1000` (40,000 lines generated in 1,757 s and 751 lines of 320
pages in 683 s on this slower machine; 4,339 steps in 1,565 s). Read with numpy, greedy, before ->
after: the 94 lines of 40 new-place pages (page seed 8) CER 0.057 -> 0.053, 41 -> 44 exact; 400
synthetic lines 0.083 -> 0.084; 250 Kristi lines 0.254 -> 0.241 (that script font stays far
harder than the others: 0.011-0.067 for each of them on 80 synthetic lines, before).

Kristi's narrow script left its lines too few output columns (1.7 a character, 1.2 for a tenth of
the lines, with one for every 4 input columns): CTC could hardly spell them, and the lines it could
not spell at all were dropped from the training data. The second pool now halves the height only
(handlines.POOLS: an output column for every 2 input columns; the weights keep their shapes), and
the shipped model was trained on from the previous one with lines12.pkl's lines and 8,000 more
(Kristi half of them, seed 13, generated in 350 s), pages7.pkl's and the 371 lines of 160 more pages
(page seed 9, Kristi half of them, 326 s): `--seed 13 --data lines13.pkl --page-data pages9.pkl
--font-share Kristi=0.3 --init handlines.npz --lr 5e-4 --minutes 45 --steps 100000 --every 1000`
(4,859 steps in 2,706 s). Read with numpy, greedy, before -> after: the 94 page lines CER 0.053 ->
0.030, 44 -> 58 exact; 400 synthetic lines 0.084 -> 0.076; 250 Kristi lines (seed 2013, kept if
they fit the new columns) 0.275 -> 0.195, 16 -> 52 exact. Training on from it with 8,000 more lines
(Kristi half of them) and 373 lines of 160 more pages, `--font-share Kristi=0.35 --lr 3e-4 --minutes
45` (3,839 steps), made the synthetic lines better (0.076 -> 0.070, Kristi 0.195 -> 0.170) but the
page lines worse (0.030 -> 0.037) and the reconcile bench's free text too (50 of 58 exact, the
shipped model 53): it was not shipped.
"""

from __future__ import annotations

import argparse
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

try:  # torch first: imported after OpenCV, its CPU threads stall in the first backward pass
    import torch
    from torch import nn
except ImportError:  # the `train` extra is not installed: main() says so
    torch = None

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from formproc.reconcile import page_lines
from formproc.reconcile.handlines import (CHARSET, HEIGHT, MODEL_FILE, POOLS, STRIDE, clean_text, ctc_runs, fits,
                                          normalise)
from formproc.scan import fonts, lexicon

PX_PER_MM = 8.0
SHORT_TOKENS = ("Dr.", "Str.", "nr.", "Bd.", "SA", "SRL", "CMI", "Nr.", "str.", "Sos.", "Cal.", "Ap.",
                "Bl.", "Sc.", "et.", "ap.", "jud.", "Jud.", "Sector", "SC", "&", "-", "Prof.", "dr.")
MAX_CHARS = 45
LR = 1.5e-3


@lru_cache(maxsize=1)
def _word_pools() -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {"upper": [], "title": [], "lower": []}
    for (case, length), ws in lexicon.words().items():
        if 2 <= length <= 14:
            pools[case].extend(ws)
    # lower-case words also drawn in title case / capitals (the word list is mostly lower case)
    return pools


def make_text(rng: np.random.Generator) -> str:
    """A random line of 1-6 tokens, at most MAX_CHARS characters."""
    pools = _word_pools()
    n = int(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]))
    style = rng.random()  # the line's dominant capitalisation
    toks: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.12:
            tok = str(rng.choice(SHORT_TOKENS))
        elif r < 0.22:
            tok = str(int(rng.integers(1, 201)))
        else:
            src = "lower" if rng.random() < 0.75 else str(rng.choice(["title", "upper"]))
            tok = str(rng.choice(pools[src]))
            c = rng.random()
            if style < 0.1 or c < 0.05:
                tok = tok.upper()
            elif (style < 0.6 and c < 0.8) or c < 0.25:
                tok = tok[:1].upper() + tok[1:]
        p = rng.random()
        if p < 0.12:
            tok += ","
        elif p < 0.17:
            tok += "."
        elif p < 0.2 and toks:
            toks[-1] += "-" + tok
            continue
        elif p < 0.22:
            tok = "(" + tok + ")"
        elif p < 0.24:
            tok += ":"
        elif p < 0.25:
            tok = '"' + tok + '"'
        toks.append(tok)
    text = " ".join(toks)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0] if " " in text[:MAX_CHARS] else text[:MAX_CHARS]
    return clean_text(text) or "Dr."


def _rotate(mask: np.ndarray, angle: float, shear: float) -> np.ndarray:
    h, w = mask.shape
    pad = h // 2 + 2
    img = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    c = (img.shape[1] / 2, img.shape[0] / 2)
    m = cv2.getRotationMatrix2D(c, angle, 1.0)
    m[0, 1] += shear
    m[0, 2] -= shear * c[1]
    img = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(img > 20)
    if len(xs) == 0:
        return mask
    return img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def synth_line(text: str, font: str, rng: np.random.Generator) -> np.ndarray:
    """A line's darkness image (float32 0-1, 8 px/mm) holding `text` written in `font`."""
    cap = int(rng.uniform(2.0, 3.2) * PX_PER_MM)
    mask = fonts.text_mask(text, font, cap)
    mask = _rotate(mask, float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-0.12, 0.12)))
    k = int(rng.choice([-1, 0, 0, 0, 1, 1, 2]))
    if k:
        ker = np.ones((2, 2) if abs(k) == 1 else (3, 3), np.uint8)
        mask = cv2.dilate(mask, ker) if k > 0 else cv2.erode(mask, ker)
    ink = mask.astype(np.float32) / 255.0
    h = int(rng.uniform(5.0, 6.6) * PX_PER_MM)
    left, right = int(rng.integers(0, 40)), int(rng.integers(4, 160))
    img = np.zeros((h, ink.shape[1] + left + right), np.float32)
    gh = ink.shape[0]
    # vertical position: mostly inside, sometimes clipped a little at the top or bottom
    lo, hi = min(0, h - gh) - int(0.08 * gh), max(0, h - gh) + int(0.08 * gh)
    top = int(np.clip(rng.normal((h - gh) / 2, max(2.0, abs(h - gh) / 3 + 2)), lo, hi))
    sy0, sy1 = max(0, -top), min(gh, h - top)
    if sy1 > sy0:
        img[top + sy0:top + sy1, left:left + ink.shape[1]] = ink[sy0:sy1]
    wd = img.shape[1]
    # dotted / solid field lines at the top or bottom, box remnants
    for row in (int(rng.integers(0, 3)), h - 1 - int(rng.integers(0, 3))):
        if rng.random() < 0.25:
            val = float(rng.uniform(0.2, 0.9))
            if rng.random() < 0.6:
                step = int(rng.integers(3, 8))
                img[row, ::step] = np.maximum(img[row, ::step], val)
            else:
                img[row, :] = np.maximum(img[row, :], val)
    # stray blobs and short line fragments near the ends
    for _ in range(int(rng.choice([0, 0, 0, 1, 2, 3]))):
        x = int(rng.choice([rng.integers(0, max(1, left + 10)), rng.integers(max(0, wd - right - 10), wd)]))
        y = int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.circle(img, (x, y), int(rng.integers(1, 3)), float(rng.uniform(0.4, 1.0)), -1)
        else:
            x2, y2 = x + int(rng.integers(-12, 13)), y + int(rng.integers(-4, 5))
            cv2.line(img, (x, y), (x2, y2), float(rng.uniform(0.4, 1.0)), int(rng.integers(1, 3)))
    # scan resolution loss, blur
    if rng.random() < 0.5:
        f = float(rng.uniform(0.5, 0.9))
        small = cv2.resize(img, (max(1, int(wd * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (wd, h), interpolation=cv2.INTER_LINEAR)
    sigma = float(rng.uniform(0.0, 1.2))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    # carbon copy: faint, speckled, thin strokes broken
    faint = float(rng.uniform(0.35, 1.0)) if rng.random() < 0.6 else 1.0
    img *= faint
    if rng.random() < 0.3:
        img *= rng.uniform(0.7, 1.0, img.shape).astype(np.float32)
    img += rng.normal(0, float(rng.uniform(0.0, 0.06)), img.shape).astype(np.float32)
    if rng.random() < 0.5:
        speck = rng.random(img.shape) < float(rng.uniform(0.0, 0.01))
        img[speck] += rng.uniform(0.1, 0.5, int(speck.sum())).astype(np.float32)
    img = np.clip(img, 0, 1)
    if rng.random() < 0.5:
        img[img < min(float(rng.uniform(0.15, 0.35)), 0.5 * faint)] = 0
    else:
        img[img < 0.06] = 0
    return img


def font_choices(shares: tuple[tuple[str, float], ...] = ()) -> tuple[list[str], np.ndarray]:
    """The installed hand fonts' files and the probability each is drawn with: a font named in
    `shares` (fontconfig pattern, share 0-1) with its share, the others equally with the rest."""
    named = dict(shares)
    unknown = set(named) - set(fonts.HAND_FONTS)
    if unknown or sum(named.values()) > 1:
        raise SystemExit(f"--font-share: hand fonts are {', '.join(fonts.HAND_FONTS)}; shares add up to 1 at most")
    installed = [p for p in fonts.HAND_FONTS if fonts.available((p,))]
    rest = [p for p in installed if p not in named]
    left = (1 - sum(named.get(p, 0.0) for p in installed)) / max(1, len(rest))
    weights = np.array([named.get(p, left) for p in installed])
    return [fonts.font_file(p) for p in installed], weights / weights.sum()


def _make(args: tuple[int, int, int, tuple]) -> list[tuple[np.ndarray, str]]:
    """`count` normalised lines (uint8 0-255) with their texts, drawn from `seed`/`chunk`, the
    fonts by their shares (`font_choices`)."""
    seed, chunk, count, shares = args
    rng = np.random.default_rng([seed, chunk])
    font_files, weights = font_choices(shares)
    out = []
    while len(out) < count:
        text = make_text(rng)
        x = normalise(synth_line(text, str(rng.choice(font_files, p=weights)), rng))
        if x is None or not fits(x.shape[1], text):
            continue
        out.append((np.round(x * 255).astype(np.uint8), text))
    return out


def dataset(n: int, seed: int, workers: int, shares: tuple = ()) -> list[tuple[np.ndarray, str]]:
    """`n` normalised training lines with their texts, generated by `workers` processes, the
    fonts drawn by their `shares` (`font_choices`)."""
    chunk = 500
    jobs = [(seed, i, min(chunk, n - i * chunk), shares) for i in range((n + chunk - 1) // chunk)]
    with ProcessPoolExecutor(workers) as pool:
        return [item for part in pool.map(_make, jobs) for item in part]


def _encode(text: str) -> list[int]:
    return [CHARSET.index(c) + 1 for c in text]


def build_model():
    class CRNN(nn.Module):
        CHANNELS = (16, 32, 64, 64, 96)

        def __init__(self, hidden: int = 128) -> None:
            super().__init__()
            self.blocks = nn.ModuleList()
            c_in = 1
            for c in self.CHANNELS:
                self.blocks.append(nn.ModuleDict({"conv": nn.Conv2d(c_in, c, 3, padding=1), "bn": nn.BatchNorm2d(c)}))
                c_in = c
            feat = c_in * (HEIGHT >> sum(p != "-" for p in POOLS))  # the rows left after the pools
            self.rnn = nn.LSTM(feat, hidden, bidirectional=True)
            self.out = nn.Linear(2 * hidden, len(CHARSET) + 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: N,1,H,W -> T,N,classes (log probs)
            a = x
            for block, p in zip(self.blocks, POOLS):
                a = torch.relu(block["bn"](block["conv"](a)))
                if p != "-":
                    a = nn.functional.max_pool2d(a, (2, 2) if p == "2" else (2, 1))
            n, c, h, w = a.shape
            seq = a.permute(3, 0, 1, 2).reshape(w, n, c * h)
            seq, _ = self.rnn(seq)
            return self.out(seq).log_softmax(-1)

    return CRNN()


def _batch(items: list[tuple[np.ndarray, str]]):
    w = max(x.shape[1] for x, _ in items)
    w = (w + STRIDE - 1) // STRIDE * STRIDE
    xb = np.zeros((len(items), 1, HEIGHT, w), np.float32)
    for i, (x, _) in enumerate(items):
        xb[i, 0, :, :x.shape[1]] = x.astype(np.float32) / 255.0
    targets = [t for _, text in items for t in _encode(text)]
    return (torch.from_numpy(xb), torch.tensor(targets, dtype=torch.long),
            torch.tensor([x.shape[1] // STRIDE for x, _ in items], dtype=torch.long),
            torch.tensor([len(text) for _, text in items], dtype=torch.long))


def _augmented(item: tuple[np.ndarray, str], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A training line as the scanner may cut it: widened or narrowed by up to 15% (handwriting's
    varying width); sometimes a band of rows erased through the letters (a strike or a rule painted
    out), the tops cut off (a place's edge), thin horizontal strokes lost (a faint copy), or a
    stamp's frame beside the words."""
    x, text = item
    w = max(8, int(round(x.shape[1] * rng.uniform(0.85, 1.15))))
    if fits(w, text):
        x = cv2.resize(x, (w, x.shape[0]), interpolation=cv2.INTER_AREA)
    else:
        x = x.copy()
    rows = np.flatnonzero((x > 64).any(axis=1))
    if len(rows) > 6:
        top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
        r = rng.random()
        if r < 0.25:  # a band painted out through the letters
            y = top + int(height * rng.uniform(0.05, 0.95))
            x[y:y + int(rng.integers(1, 3))] = 0
        elif r < 0.35:  # the tops cut off
            x[:top + int(height * rng.uniform(0.05, 0.2))] = 0
        if rng.random() < 0.25:  # thin horizontal strokes lost (too faint on a copy): only uprights stay
            x = cv2.morphologyEx(x, cv2.MORPH_OPEN, np.ones((3, 1), np.uint8))
    if rng.random() < 0.15:  # a stamp's frame (or part of one) a few pixels to the right
        gap, fw = int(rng.integers(6, 20)), int(rng.integers(12, 60))
        frame = np.zeros((HEIGHT, gap + fw), np.uint8)
        y0, y1 = int(rng.integers(0, HEIGHT // 3)), int(rng.integers(2 * HEIGHT // 3, HEIGHT))
        cv2.rectangle(frame, (gap, y0), (gap + fw - 1, y1), int(rng.integers(120, 255)), 1)
        frame[:, gap + int(rng.integers(fw // 3, fw)):] = 0
        x = np.concatenate([x, frame], axis=1)
    return x, text


def _greedy(logp: np.ndarray, length: int) -> str:
    """The best path's text over the line's first `length` columns."""
    return "".join(CHARSET[k - 1] for k, _ in ctc_runs(logp[:length].argmax(axis=1)))


def cer(model, items: list[tuple[np.ndarray, str]]) -> float:
    """The character error rate of greedy readings of `items` (edits per character of the truth)."""
    model.eval()
    errs = total = 0
    with torch.no_grad():
        order = sorted(range(len(items)), key=lambda i: items[i][0].shape[1])
        for s in range(0, len(order), 64):
            part = [items[i] for i in order[s:s + 64]]
            x, _, lens, _ = _batch(part)
            logp = model(x).permute(1, 0, 2).numpy()
            for k, (_, text) in enumerate(part):
                errs += Levenshtein.distance(_greedy(logp[k], int(lens[k])), text)
                total += len(text)
    model.train()
    return errs / max(1, total)


def export(model, path: Path) -> None:
    """The weights for numpy (formproc.reconcile.handlines): each batch norm folded into its conv."""
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    out: dict[str, np.ndarray] = {}
    convs = range(len(model.blocks))
    for i in convs:
        w, b = sd[f"blocks.{i}.conv.weight"], sd[f"blocks.{i}.conv.bias"]
        if f"blocks.{i}.bn.weight" in sd:  # else folded already (a model fine-tuned from an export)
            scale = sd[f"blocks.{i}.bn.weight"] / np.sqrt(sd[f"blocks.{i}.bn.running_var"] + 1e-5)
            w = w * scale[:, None, None, None]
            b = (b - sd[f"blocks.{i}.bn.running_mean"]) * scale + sd[f"blocks.{i}.bn.bias"]
        # out, in, 3, 3 -> (3*3*in) x out, patches ordered (ky, kx, c) as icr's
        out[f"conv{i}_w"] = w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0]).astype(np.float32)
        out[f"conv{i}_b"] = b.astype(np.float32)
    out["n_conv"] = np.array(len(model.blocks))
    out["pools"] = np.array(POOLS)
    for d, suffix in (("fw", ""), ("bw", "_reverse")):
        out[f"lstm_{d}_wih"] = sd[f"rnn.weight_ih_l0{suffix}"].astype(np.float32)
        out[f"lstm_{d}_whh"] = sd[f"rnn.weight_hh_l0{suffix}"].astype(np.float32)
        out[f"lstm_{d}_b"] = (sd[f"rnn.bias_ih_l0{suffix}"] + sd[f"rnn.bias_hh_l0{suffix}"]).astype(np.float32)
    out["out_w"] = sd["out.weight"].T.astype(np.float32).copy()
    out["out_b"] = sd["out.bias"].astype(np.float32)
    out["charset"] = np.array(CHARSET)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **out)


def load_export(model, path: Path) -> None:
    """The weights of an exported model, to train on from (its batch norms are folded into the
    convolutions, so the model's are taken out)."""
    with np.load(path, allow_pickle=False) as data:
        w = {k: data[k] for k in data.files}
    state = {}
    for i, block in enumerate(model.blocks):
        c_out = w[f"conv{i}_w"].shape[1]
        state[f"blocks.{i}.conv.weight"] = w[f"conv{i}_w"].reshape(3, 3, -1, c_out).transpose(3, 2, 0, 1)
        state[f"blocks.{i}.conv.bias"] = w[f"conv{i}_b"]
        block["bn"] = nn.Identity()
    for d, suffix in (("fw", ""), ("bw", "_reverse")):
        state[f"rnn.weight_ih_l0{suffix}"] = w[f"lstm_{d}_wih"]
        state[f"rnn.weight_hh_l0{suffix}"] = w[f"lstm_{d}_whh"]
        state[f"rnn.bias_ih_l0{suffix}"] = w[f"lstm_{d}_b"]
        state[f"rnn.bias_hh_l0{suffix}"] = np.zeros_like(w[f"lstm_{d}_b"])
    state["out.weight"] = w["out_w"].T
    state["out.bias"] = w["out_b"]
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})


def _cached(path: Path | None, make):
    """`make()`'s data, kept in (and taken from) the pickle `path` when given."""
    if path and path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    data = make()
    if path:
        with path.open("wb") as fh:
            pickle.dump(data, fh)
    return data


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lines", type=int, default=60000, help="synthetic training lines")
    ap.add_argument("--val", type=int, default=1000, help="held-out synthetic lines (seed + 1000)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--minutes", type=float, default=25.0, help="stop training after this wall time")
    ap.add_argument("--every", type=int, default=300, help="validation every this many steps")
    ap.add_argument("--data", type=Path, default=None, help="cache of the generated lines (pickle)")
    ap.add_argument("--pages", type=int, nargs="+", default=[0],
                    help="generated pages whose hand lines are trained on too (as many for each page seed)")
    ap.add_argument("--page-val", type=int, default=50, help="generated pages for validation (first page seed + 1)")
    ap.add_argument("--page-seed", type=int, nargs="+", default=[1])
    ap.add_argument("--page-share", type=float, default=0.4, help="share of the training lines from pages")
    ap.add_argument("--page-data", type=Path, default=None, help="cache of the page lines (pickle)")
    ap.add_argument("--font-share", nargs="+", default=[], metavar="FONT=SHARE",
                    help="a hand font's share of the training lines, synthetic and page (e.g. Kristi=0.3); "
                         "the other fonts share the rest equally")
    ap.add_argument("--init", type=Path, default=None, help="an exported model to train on from")
    ap.add_argument("--lr", type=float, default=LR, help="peak learning rate")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / MODEL_FILE)
    args = ap.parse_args(argv)

    if torch is None:
        raise SystemExit("training needs PyTorch: pip install -e '.[train]'")
    try:
        shares = tuple((name, float(share)) for name, share in (s.rsplit("=", 1) for s in args.font_share))
    except ValueError:
        raise SystemExit("--font-share: FONT=SHARE, e.g. Kristi=0.3") from None
    font_choices(shares)  # a font that is no hand font refused before any line is generated
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()
    train, val = _cached(args.data, lambda: (dataset(args.lines, args.seed, args.workers, shares),
                                             dataset(args.val, args.seed + 1000, args.workers)))
    print(f"{len(train)} training lines, {len(val)} validation lines in {time.time() - t0:.0f} s", flush=True)
    vals = {"synthetic": val}
    for name, _ in shares:  # each font given a share: its own held-out lines too
        vals[name] = dataset(args.val // 4, args.seed + 2000, args.workers, ((name, 1.0),))
    if any(args.pages):
        if len(args.pages) != len(args.page_seed):
            raise SystemExit("--pages and --page-seed: one count for each page seed")
        t0 = time.time()
        pages, vals["pages"] = _cached(args.page_data, lambda: (
            [line for n, seed in zip(args.pages, args.page_seed) for line in page_lines.dataset(n, seed, args.workers, shares)],
            page_lines.dataset(args.page_val, args.page_seed[0] + 1, args.workers)))
        repeat = max(1, round(args.page_share * len(train) / ((1 - args.page_share) * max(1, len(pages)))))
        train = train + pages * repeat
        print(f"{len(pages)} page lines (each {repeat} times), {len(vals['pages'])} for validation "
              f"in {time.time() - t0:.0f} s", flush=True)

    rng = np.random.default_rng(args.seed)
    model = build_model()
    if args.init:
        load_export(model, args.init)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    widths = np.array([x.shape[1] for x, _ in train], float)

    def batches():
        while True:  # batches of lines of about the same width (little padding), in random order
            order = np.argsort(widths * rng.uniform(0.9, 1.1, len(widths)))
            chunks = [order[s:s + args.batch] for s in range(0, len(order) - args.batch + 1, args.batch)]
            for k in rng.permutation(len(chunks)):
                yield chunks[k]

    t1 = time.time()
    running = None
    it = batches()
    for step in range(1, args.steps + 1):
        x, targets, in_lens, tgt_lens = _batch([_augmented(train[i], rng) for i in next(it)])
        logp = model(x)
        loss = ctc(logp, targets, in_lens, tgt_lens)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        # warm-up, then cosine decay over the steps or the wall-time budget, whichever ends first
        done = max(step / args.steps, (time.time() - t1) / (args.minutes * 60))
        for group in opt.param_groups:
            group["lr"] = args.lr * min(1.0, step / 300) * 0.5 * (1 + np.cos(np.pi * min(1.0, done)))
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        out_of_time = time.time() - t1 > args.minutes * 60
        if step % 50 == 0 or step <= 3:
            print(f"step {step}: loss {running:.3f}, {time.time() - t1:.0f} s", flush=True)
        if step % args.every == 0 or step == args.steps or out_of_time:
            scores = ", ".join(f"{name} {cer(model, items):.4f}" for name, items in vals.items())
            print(f"step {step}: loss {running:.3f}, validation CER {scores}, {time.time() - t1:.0f} s", flush=True)
            export(model, args.out)
        if out_of_time:
            print("wall-time budget reached", flush=True)
            break
    export(model, args.out)
    print(f"trained in {time.time() - t1:.0f} s; model written to {args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB)", flush=True)


if __name__ == "__main__":
    main()
