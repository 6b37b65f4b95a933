"""Reading, per field kind, from a cleaned registered page.

- `boxes`: every cell goes through the character recogniser (formproc.scan.icr); each cell keeps
  its top candidates and its ink statistics.
- `text`: the field's ink is recognised by tesseract (`ron`); all text fields of a page go in one
  tesseract run (crops stacked on one image), which keeps a page cheaper than a whole-page OCR.
- `checkbox`/`choice`: ink coverage of each option's box; a mark is read where coverage is above
  `MARK`, and the quality tells how clear the decision is. `mark: strike` choices (the doctor
  strikes out the word that does not apply) read the coverage of the word's line instead.
Per-option coverage and per-cell ink are kept so that corrections (a crossed-out box beside
another one, an overwritten cell) can be recognised later.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Callable

import cv2
import numpy as np

from formproc.scan.clean import INK_LEVEL, CleanPage, red_print
from formproc.scan.icr import CellInk, Recogniser, blank_probability, normalise
from formproc.scan.register import PX_PER_MM

MARK = 0.07  # option coverage above which a box counts as marked
STRIKE = 0.05  # share of a word's middle band covered by a strike line
TEXT_SCALE = 1.0  # enlargement of the text crops for tesseract (1.5 lost words on a test carbon copy)
MIN_WORD_CONF = 35  # tesseract words below this confidence are stamp/rosette debris


@dataclass
class CellRead:
    """One box of a boxed field."""

    candidates: list[tuple[str, float]]  # best first; empty for a blank cell
    ink: CellInk

    @property
    def blank(self) -> bool:
        return not self.candidates or self.candidates[0][0] == " "


@dataclass
class FieldRead:
    """What was seen in one field, before decoding."""

    name: str
    kind: str
    bbox_mm: tuple[float, float, float, float]
    raw: str = ""
    cells: list[CellRead] = dc_field(default_factory=list)
    coverage: dict[str, float] = dc_field(default_factory=dict)  # option value (as text) -> coverage
    text_confidence: float = 0.0
    ink: float = 0.0  # share of the field covered by ink

    def details(self) -> dict[str, Any]:
        """Per-cell / per-option evidence for the JSON output."""
        if self.cells:
            return {"cells": [{"top": [[c, round(p, 3)] for c, p in cell.candidates[:3]],
                               **cell.ink.to_dict()} for cell in self.cells]}
        if self.coverage:
            return {"coverage": {k: round(v, 3) for k, v in self.coverage.items()}}
        return {"ink": round(self.ink, 4)}


def _px(v: float) -> int:
    return int(round(v * PX_PER_MM))


def _crop(img: np.ndarray, x: float, y: float, w: float, h: float) -> np.ndarray:
    return img[max(0, _px(y)):max(0, _px(y + h)), max(0, _px(x)):max(0, _px(x + w))]


def cell_rects(spec) -> list[tuple[float, float, float, float]]:
    """The boxes of a `boxes` field in mm, left to right."""
    cw = spec.w / spec.cells
    return [(spec.x + i * cw, spec.y, cw, spec.h) for i in range(spec.cells)]


def read_boxes(specs: list, page: CleanPage, model: Recogniser,
               charset: Callable[[Any], str]) -> dict[str, FieldRead]:
    """All boxed fields of a page, the recogniser run once over every non-blank cell, each cell's
    candidates restricted to `charset(spec)`."""
    ink = np.where(page.form, 0.0, page.ink)
    out: dict[str, FieldRead] = {}
    vectors, where = [], []
    for spec in specs:
        fr = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h))
        for i, (x, y, w, h) in enumerate(cell_rects(spec)):
            vec, stats = normalise(_crop(ink, x, y, w, h))
            fr.cells.append(CellRead([], stats))
            if vec is not None:
                vectors.append(vec)
                where.append((spec, i))
        out[spec.name] = fr
    if vectors:
        probs = model.probabilities(np.stack(vectors))
        for row, (spec, i) in enumerate(where):
            cell = out[spec.name].cells[i]
            blank = blank_probability(cell.ink.ink)
            top = [(c, p * (1 - blank)) for c, p in model.top_k(probs[row:row + 1], 5, charset(spec))[0]]
            cell.candidates = sorted(top + [(" ", blank)], key=lambda cp: -cp[1])[:5]
    for fr in out.values():
        fr.raw = "".join(c.candidates[0][0] if c.candidates else " " for c in fr.cells).strip()
        fr.ink = float(np.mean([c.ink.ink for c in fr.cells])) if fr.cells else 0.0
    return out


def _coverage(ink: np.ndarray, x: float, y: float, w: float, h: float, inset: float = 0.2) -> float:
    crop = _crop(ink, x + w * inset, y + h * inset, w * (1 - 2 * inset), h * (1 - 2 * inset))
    return float((crop > INK_LEVEL).mean()) if crop.size else 0.0


def read_options(spec, page: CleanPage) -> FieldRead:
    """A checkbox or choice: coverage of every option."""
    ink = np.where(page.form, 0.0, page.ink)
    fr = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h))
    strike = getattr(spec, "mark", None) == "strike"
    for opt in spec.options:
        if strike:  # a line through the middle band of the word
            fr.coverage[str(opt.value)] = _coverage(ink, opt.x, opt.y, opt.w, opt.h, inset=0.0)
        else:
            fr.coverage[str(opt.value)] = _coverage(ink, opt.x, opt.y, opt.w, opt.h)
    fr.raw = ",".join(k for k, v in fr.coverage.items() if v >= (STRIKE if strike else MARK))
    return fr


def text_image(spec, page: CleanPage) -> np.ndarray | None:
    """The field's writing as black on white uint8, or None when nothing is written."""
    if getattr(spec, "preprinted", False):
        crop = red_print(_crop(page.rgb, spec.x, spec.y, spec.w, spec.h))
        crop = np.clip(crop / max(float(crop.max()), 0.2), 0, 1)
    else:
        crop = _crop(np.where(page.form, 0.0, page.ink), spec.x, spec.y, spec.w, spec.h)
    if crop.size == 0 or float((crop > INK_LEVEL).mean()) < 0.004:
        return None
    return (255 - np.clip(crop * 255, 0, 255)).astype(np.uint8)


def read_texts(specs: list, page: CleanPage) -> dict[str, FieldRead]:
    """All text fields of a page in one tesseract run."""
    import pytesseract

    out = {s.name: FieldRead(s.name, s.kind, (s.x, s.y, s.w, s.h)) for s in specs}
    crops = []
    for s in specs:
        img = text_image(s, page)
        if img is not None:
            out[s.name].ink = float((img < 128).mean())
            crops.append((s.name, img))
    if not crops:
        return out
    gap = 24
    width = max(c.shape[1] for _, c in crops) + 2 * gap
    bands, spans, y = [], [], gap
    for name, img in crops:
        band = np.full((img.shape[0] + gap, width), 255, np.uint8)
        band[:img.shape[0], gap:gap + img.shape[1]] = img
        bands.append(band)
        spans.append((name, y, y + img.shape[0]))
        y += band.shape[0]
    sheet = np.vstack([np.full((gap, width), 255, np.uint8)] + bands)
    sheet = cv2.resize(sheet, None, fx=TEXT_SCALE, fy=TEXT_SCALE, interpolation=cv2.INTER_CUBIC)
    sheet = cv2.threshold(sheet, 150, 255, cv2.THRESH_BINARY)[1]
    data = pytesseract.image_to_data(sheet, lang="ron", config="--psm 6 --oem 1",
                                     output_type=pytesseract.Output.DICT)
    words: dict[str, list[tuple[int, int, int, str, float]]] = {}
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word or float(data["conf"][i]) < MIN_WORD_CONF or not any(ch.isalnum() for ch in word):
            continue
        top, height = data["top"][i] / TEXT_SCALE, data["height"][i] / TEXT_SCALE
        mid = top + height / 2
        for name, y0, y1 in spans:
            if y0 - 4 <= mid <= y1 + 4:
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                words.setdefault(name, []).append((key, data["left"][i], top, word, float(data["conf"][i])))
                break
    for name, items in words.items():
        items.sort(key=lambda t: (t[0], t[1]))  # tesseract line, then left to right
        out[name].raw = " ".join(t[3] for t in items)
        out[name].text_confidence = float(np.mean([max(0.0, t[4]) for t in items])) / 100.0
    return out


def read_page(template, page: CleanPage, model: Recogniser,
              charset: Callable[[Any], str]) -> dict[str, FieldRead]:
    """Every field of a template on a cleaned page."""
    boxes = [f for f in template.fields if f.kind == "boxes"]
    texts = [f for f in template.fields if f.kind == "text" and not getattr(f, "preprinted", False)]
    printed = [f for f in template.fields if f.kind == "text" and getattr(f, "preprinted", False)]
    out = read_boxes(boxes, page, model, charset)
    out.update(read_texts(texts + printed, page))
    for f in template.fields:
        if f.kind in ("checkbox", "choice"):
            out[f.name] = read_options(f, page)
    return out
