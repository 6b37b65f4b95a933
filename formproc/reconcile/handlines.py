"""Hand-written text-line recogniser (CRNN + CTC), numpy only.

Reads hand-written free-text lines (a correction's new unit, ward, address or name), which
tesseract reads badly. The model is a small convolutional-recurrent network (5 convolution
stages, 4 of them pooled, one bidirectional LSTM, a linear layer to the characters and the CTC
blank; an output column for every STRIDE input columns, so that a narrow script such as Kristi's
has more than two per character) trained by `python -m formproc.reconcile.train_lines` on
synthetic lines written in the Debian handwriting fonts and on such lines cut from whole generated
pages as the detector cuts them (formproc.reconcile.page_lines); its weights live in
`formproc/reconcile/data/handlines.npz` and run with numpy here. Input: a line's ink darkness
(0 = paper, 1 = full ink) at 8 px per mm.

A word the greedy reading spells as no known word (formproc.scan.lexicon; a word in capitals as
no business form such as SRL) is checked against the known words a few edits from it and the pairs
of known words it splits into (a space lost), a short word before a full stop against the
abbreviations an edit from it (Dr., nr.), a word of a person's name (after Dr.) that is known only
in lower case against the names near it: the line's probability with each in its place is summed
over all CTC alignments, and of those that leave the line at most LEXICON_MARGIN nats less likely
than as read, the one tesseract also read takes the word's place, else the likeliest. A name the
lexicon lacks, read surely, stays as read. Two words the lexicon knows as one hyphenated word
(Cluj Napoca) are weighed with their hyphen, two known words joined by a hyphen it knows no such
word for (Trandafirilor-nr) with a space instead, on the same terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cv2
import numpy as np

from formproc.scan.icr import conv3x3_relu, load_packaged, pool2
from formproc.scan.lexicon import (PERSON_TITLES, WORD, abbreviations, hyphenated, names_near, spellings, splits,
                                   unhyphenated)

#: the characters read (index + 1 is the class; 0 is the CTC blank)
CHARSET = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
           "ăâîșțĂÂÎȘȚ .,-'\"/():;&")
#: cedilla forms read as the comma-below letters
_FOLD = str.maketrans("şŞţŢ", "șȘțȚ")
HEIGHT = 32  # the model input's height in pixels
#: the pooling after each convolution stage of the model trained by train_lines: 2x2, 2x1 (height
#: only) or none; the model file carries its own
POOLS = ("2", "h", "-", "h", "h")
STRIDE = 2 ** POOLS.count("2")  # input columns per output column
MODEL_FILE = "handlines.npz"
INK = 0.25  # darkness above which a pixel counts as ink for cropping
MARGIN = 6  # pixels of paper kept left and right of the ink (at the input's resolution)
#: the start of a line up to a word of a person's name: a title (Dr.) and the name's words before it
_IN_NAME = re.compile(r"\b(?:" + "|".join(PERSON_TITLES) + r")\.(?:\s+[^\W\d_]+)*\s+$")
_PAIR = re.compile(r"(?=\b([^\W\d_]+)([ -])([^\W\d_]+)\b)")  # two words, a space or hyphen between (overlapping)
LEXICON_MARGIN = 8.0  # nats a line may lose by a known word put in place of an unknown one read


def clean_text(text: str) -> str:
    """`text` restricted to CHARSET (anything else dropped, spaces collapsed)."""
    text = text.translate(_FOLD)
    return " ".join("".join(c for c in text if c in CHARSET).split())


def normalise(dark: np.ndarray) -> np.ndarray | None:
    """The model input of a line's darkness image: the ink's columns (with a margin) at the full
    line height, scaled to HEIGHT rows keeping the aspect ratio, contrast stretched so that the
    ink's dark end is 1; float32 0-1 (HEIGHT x W), or None for a line without ink. Shared by the
    training script."""
    dark = np.asarray(dark, np.float32)
    if dark.ndim != 2 or dark.size == 0:
        return None
    cols = np.flatnonzero((dark > INK).any(axis=0))
    if len(cols) == 0:
        return None
    h, w = dark.shape
    x0, x1 = max(0, cols[0] - MARGIN), min(w, cols[-1] + 1 + MARGIN)
    dark = dark[:, x0:x1]
    nw = max(8, int(round((x1 - x0) * HEIGHT / h)))
    out = cv2.resize(dark, (nw, HEIGHT), interpolation=cv2.INTER_AREA)
    ink = out[out > 0.1]
    peak = float(np.percentile(ink, 98)) if len(ink) else 1.0
    return np.clip(out / max(peak, 0.3), 0.0, 1.0).astype(np.float32)


def fits(width: int, text: str) -> bool:
    """Whether a line `width` columns wide (model input) has the output columns CTC needs to
    spell `text`: one per character and a blank between each doubled letter, plus one."""
    return width // STRIDE >= len(text) + sum(a == b for a, b in zip(text, text[1:])) + 1


def ctc_runs(best: np.ndarray) -> list[tuple[int, list[int]]]:
    """A CTC best path (the class of each column, 0 the blank) collapsed: each character's class
    with the columns of its run (a class repeated without a blank between is one character)."""
    runs: list[tuple[int, list[int]]] = []
    prev = 0
    for t, k in enumerate(best):
        if k != 0 and k == prev:
            runs[-1][1].append(t)
        elif k != 0:
            runs.append((int(k), [t]))
        prev = k
    return runs


def _pool_rows(a: np.ndarray) -> np.ndarray:
    """Max pooling 2x1 (height only) of NHWC activations."""
    n, h, w, c = a.shape
    return a[:, :h // 2 * 2].reshape(n, h // 2, 2, w, c).max(axis=2)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _lstm(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray, reverse: bool) -> np.ndarray:
    """One LSTM direction over a T x I sequence (PyTorch's gate order i, f, g, o)."""
    steps = x.shape[0]
    hidden = w_hh.shape[1]
    gates_in = x @ w_ih.T + b
    h = np.zeros(hidden, np.float32)
    c = np.zeros(hidden, np.float32)
    out = np.zeros((steps, hidden), np.float32)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    w_hh_t = w_hh.T.copy()
    for t in order:
        g = gates_in[t] + h @ w_hh_t
        i = _sigmoid(g[:hidden])
        f = _sigmoid(g[hidden:2 * hidden])
        cand = np.tanh(g[2 * hidden:3 * hidden])
        o = _sigmoid(g[3 * hidden:])
        c = f * c + i * cand
        h = o * np.tanh(c)
        out[t] = h
    return out


class LineReader:
    """The trained CRNN run with numpy: a normalised line in, per-column class probabilities out."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.convs = [(weights[f"conv{i}_w"].astype(np.float32), weights[f"conv{i}_b"].astype(np.float32))
                      for i in range(int(weights["n_conv"]))]
        self.pools = [str(p) for p in weights["pools"]]  # "2" (2x2), "h" (2x1) or "-" (none)
        self.lstm = {d: (weights[f"lstm_{d}_wih"].astype(np.float32), weights[f"lstm_{d}_whh"].astype(np.float32),
                         weights[f"lstm_{d}_b"].astype(np.float32)) for d in ("fw", "bw")}
        self.out_w = weights["out_w"].astype(np.float32)
        self.out_b = weights["out_b"].astype(np.float32)
        self.charset = str(weights["charset"])

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """T x (1 + len(charset)) softmax probabilities (column 0: blank) of a normalised line."""
        a = x[None, :, :, None].astype(np.float32)
        for (w, b), pool in zip(self.convs, self.pools):
            a = conv3x3_relu(a, w, b)
            if pool == "2":
                a = pool2(a)
            elif pool == "h":
                a = _pool_rows(a)
        seq = a[0].transpose(1, 2, 0).reshape(a.shape[2], -1)  # T x (C*H), as torch flattens
        both = np.concatenate([_lstm(seq, *self.lstm["fw"], reverse=False),
                               _lstm(seq, *self.lstm["bw"], reverse=True)], axis=1)
        logits = both @ self.out_w + self.out_b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def decode(self, probs: np.ndarray) -> tuple[str, list[float]]:
        """CTC greedy decoding: the text (spaces collapsed) and each word's confidence 0-100 (its
        least sure character's probability), as tesseract gives them."""
        runs = ctc_runs(probs.argmax(axis=1))
        chars = [self.charset[k - 1] for k, _ in runs]
        sure = [float(probs[cols, k].max()) for k, cols in runs]
        words: list[tuple[str, float]] = []
        word, low = "", 1.0
        for ch, p in zip(chars + [" "], sure + [1.0]):
            if ch == " ":
                if word:
                    words.append((word, low))
                word, low = "", 1.0
            else:
                word, low = word + ch, min(low, p)
        return " ".join(w for w, _ in words), [100.0 * c for _, c in words]


@lru_cache(maxsize=1)
def load_model() -> LineReader:
    """The line recogniser shipped with formproc."""
    return load_packaged("formproc.reconcile", MODEL_FILE, LineReader, "line", "formproc.reconcile.train_lines")


def ctc_log_likelihood(logp: np.ndarray, labels: list[list[int]]) -> np.ndarray:
    """log P(text | line) of each label sequence (classes, no blanks) under a line's per-column
    log-probabilities (T x classes, class 0 the blank), summed over every CTC alignment (the
    forward algorithm, all sequences at once)."""
    n, neg = len(labels), -1e30
    ext = np.zeros((n, max(2, *(2 * len(seq) + 1 for seq in labels))), int)  # blank, c1, blank, ..., blank
    for i, seq in enumerate(labels):
        ext[i, 1:2 * len(seq):2] = seq
    skip = np.zeros(ext.shape, bool)  # a blank may be skipped between two different characters
    skip[:, 2:] = (ext[:, 2:] != 0) & (ext[:, 2:] != ext[:, :-2])
    alpha = np.full(ext.shape, neg)
    alpha[:, 0] = logp[0, 0]
    alpha[:, 1] = logp[0, ext[:, 1]]
    for t in range(1, len(logp)):
        one = np.pad(alpha[:, :-1], ((0, 0), (1, 0)), constant_values=neg)
        two = np.where(skip, np.pad(alpha[:, :-2], ((0, 0), (2, 0)), constant_values=neg), neg)
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + logp[t, ext]
    ends = np.array([2 * len(seq) for seq in labels])
    rows = np.arange(n)
    return np.logaddexp(alpha[rows, ends], np.where(ends > 0, alpha[rows, np.maximum(ends - 1, 0)], neg))


def _candidates(text: str, m: re.Match) -> list[str]:
    """The known spellings a word of the greedy reading may stand for: before a full stop, the
    abbreviations an edit from it; else (or when there are none), when it is not known, the known
    words near it and the two known words it may be, a space lost; in a person's name (the words
    after Dr.), the names near a word known only in lower case."""
    before_stop = text[m.end():m.end() + 1] == "."
    in_name = _IN_NAME.search(text[:m.start()]) is not None
    return ((abbreviations(m.group()) if before_stop else []) or spellings(m.group()) + splits(m.group())
            or (names_near(m.group()) if in_name else []))


def _known_words(text: str, probs: np.ndarray, charset: str, witness: str = "") -> str:
    """The greedy reading with each unknown word (or a word before a full stop) replaced by a known
    spelling (`_candidates`) when the line loses at most LEXICON_MARGIN nats by it: the likeliest
    such spelling that the other reader also read (`witness`: tesseract's reading of the line),
    else the likeliest; then, on the same terms, two words the lexicon knows as one hyphenated
    word joined by its hyphen, and two known words joined by a hyphen it knows no such word for
    set a space apart."""
    tried = [(m.start(), m.end(), words) for m in reversed(list(WORD.finditer(text)))
             if (words := _candidates(text, m))]
    logp = np.log(probs + 1e-12)
    seen = set(WORD.findall(witness.translate(_FOLD)))
    out = _weighed(text, tried, logp, charset, seen)
    joins = [(m.start(1), m.end(3), [joined]) for m in reversed(list(_PAIR.finditer(out)))
             if (joined := (hyphenated if m.group(2) == " " else unhyphenated)(m.group(1), m.group(3)))]
    return _weighed(out, joins, logp, charset, seen)


def _weighed(text: str, tried: list[tuple[int, int, list[str]]], logp: np.ndarray, charset: str,
               seen: set[str]) -> str:
    """`text` with each span (start, end, its candidates; last span first) replaced by the
    candidate that leaves the line at most LEXICON_MARGIN nats less likely than as read, one
    `seen` in the other reading first, else the likeliest."""
    if not tried:
        return text

    def encode(line: str) -> list[int]:
        return [charset.index(c) + 1 for c in line if c in charset]

    base = ctc_log_likelihood(logp, [encode(text)])[0]
    out = text
    for start, end, words in tried:
        scores = ctc_log_likelihood(logp, [encode(text[:start] + w + text[end:]) for w in words])
        close = [(w in seen, score, w) for score, w in zip(scores, words) if score >= base - LEXICON_MARGIN]
        if close:
            out = out[:start] + max(close)[2] + out[end:]
    return out


def read_line(dark: np.ndarray, witness: str = "") -> tuple[str, list[float]] | None:
    """The text of one hand-written line (darkness image at 8 px/mm), its unknown words spelled as
    known words (`_known_words`, with another reader's reading of the line as `witness`), and its
    words' confidences (0-100), or None when the line has no ink or nothing is read."""
    x = normalise(dark)
    if x is None:
        return None
    model = load_model()
    probs = model.probabilities(x)
    text, confs = model.decode(probs)
    return (_known_words(text, probs, model.charset, witness), confs) if text else None
