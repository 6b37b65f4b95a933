"""Reading, per field kind, from a cleaned registered page.

- `boxes`: every cell goes through the character recogniser (formproc.scan.icr); each cell keeps
  its top candidates and its ink statistics.
- `text`: formproc.scan.text: tesseract (`ron`) on each line taken again from the original scan at
  about 300 dpi; all text fields of a page go in one tesseract run (lines stacked on one image),
  which keeps a page cheaper than a whole-page OCR.
- `checkbox`/`choice`: ink coverage of each option's box; a mark is read where coverage is above
  `MARK`, and the quality tells how clear the decision is. `mark: strike` choices (the doctor
  strikes out a word) read a strike-line score of each word instead (`strike_score`).
Per-option coverage and per-cell ink are kept so that corrections (a crossed-out box beside
another one, an overwritten cell) can be recognised later.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Callable

import cv2
import numpy as np

from formproc.render.printing import box_font_size
from formproc.scan.clean import INK_LEVEL, CleanPage, channel_darkness, writing_darkness
from formproc.scan.codes import CodeMatch
from formproc.scan.glyphs import PRINTED_MATCH, anchor_offsets, match_cell, placed_scores, placement, templates, writing
from formproc.scan.glyphs import candidates as glyph_candidates
from formproc.scan.icr import CellInk, Recogniser, blank_probability, normalise
from formproc.scan.register import PX_PER_MM
from formproc.scan.text import TextLines

MARK = 0.07  # option coverage above which a box counts as marked
PRINT_SCALES = (0.9, 1.0, 1.1)  # printed box font sizes tried, relative to the template's
ICR_FLOOR = 0.01  # the recogniser's probability of a character outside its top five
#: how much the recogniser's probabilities weigh beside the font's on a printed cell (an exponent):
#: less than the font's, which compares the very glyphs printed where the printer put them
ICR_WEIGHT = 0.5
STRIKE = 0.15  # strike-line score of a word (see `strike_score`) above which the word is struck
COLOURED = 0.75  # blue/red darkness ratio below which ink is coloured writing, not black print
STRIKE_MARGIN = 3.0  # mm around a struck-word choice for its colour (the paper's background)
PRINT_FLOOR = 0.45  # the least font match of a boxed field that its glyphs' places may show as print
PLACE_REACH = 6  # px around a cell's centre searched for its glyph
PLACE_TOLERANCE = 1.0  # px: how far a printed glyph lies from where the page's printer puts them
PLACED_SHARE = 0.6  # share of a field's written cells whose glyphs must lie there
PRINT_BLURS = (0.5, 0.8, 1.1, 1.5, 2.0)  # px: the blurs of the blank tried against a scan's printed words


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
    word_confidences: list[float] = dc_field(default_factory=list)  # tesseract's, 0-100, text fields
    writing: str = ""  # boxed fields: "print" (matches the printer's box font) or "hand"
    print_match: float = 0.0  # boxed fields: median best correlation of the written cells with the font
    code: CodeMatch | None = None  # CAS fields: the printed code the line matches best
    line: np.ndarray | None = None  # text fields: the line's ink (TEXT_PX_PER_MM), to test a printed reading
    blanked: np.ndarray | None = None  # ... and where the form's rule was blanked in it (writing unknown)

    def details(self) -> dict[str, Any]:
        """Per-cell / per-option evidence for the JSON output."""
        if self.cells:
            return {"writing": self.writing, "print_match": round(self.print_match, 3),
                    "cells": [{"top": [[c, round(p, 3)] for c, p in cell.candidates[:3]],
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
               charset: Callable[[Any], str], box_fonts: tuple[str, ...] = ()) -> dict[str, FieldRead]:
    """All boxed fields of a page, the recogniser run once over every non-blank cell, each cell's
    candidates restricted to `charset(spec)`. With the printer's `box_fonts`, a field whose cells
    match one of them (formproc.scan.glyphs) is read as machine print by the font's templates."""
    ink = np.where(page.form, 0.0, page.ink)
    out: dict[str, FieldRead] = {}
    vectors, where = [], []
    crops: dict[tuple[str, int], np.ndarray] = {}
    for spec in specs:
        fr = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h))
        for i, (x, y, w, h) in enumerate(cell_rects(spec)):
            crop = _crop(ink, x, y, w, h)
            vec, stats = normalise(crop)
            fr.cells.append(CellRead([], stats))
            if vec is not None:
                vectors.append(vec)
                where.append((spec, i))
                crops[(spec.name, i)] = crop
        out[spec.name] = fr
    if vectors:
        probs = model.probabilities(np.stack(vectors))
        for row, (spec, i) in enumerate(where):
            cell = out[spec.name].cells[i]
            allowed = charset(spec)
            blank = blank_probability(cell.ink, "-" in allowed)
            top = [(c, p * (1 - blank)) for c, p in model.top_k(probs[row:row + 1], 5, allowed)[0]]
            cell.candidates = sorted(top + [(" ", blank)], key=lambda cp: -cp[1])[:5]
    if box_fonts:
        _read_prints(specs, out, crops, box_fonts, charset)
    for fr in out.values():
        fr.raw = "".join(c.candidates[0][0] if c.candidates else " " for c in fr.cells).strip()
        fr.ink = float(np.mean([c.ink.ink for c in fr.cells])) if fr.cells else 0.0
    return out


def _read_prints(specs: list, out: dict[str, FieldRead], crops: dict, box_fonts: tuple[str, ...],
                 charset: Callable[[Any], str]) -> None:
    """Decide print or hand for every boxed field and read the printed ones by the font. A field
    that matches the font less well (a stamp's ring and lettering over it, a blurred copy) is print
    when its glyphs sit where the page's printed glyphs sit: a printer puts every character at the
    same place in its box, a hand does not."""
    page_font: tuple[str, float] | None = None  # (font, scale) once a printed field with letters showed it
    tried: dict[tuple[str, float], float] = {}  # letter fields' fits to each (font, scale), summed
    fits: dict[str, tuple[tuple[str, float], dict, dict]] = {}
    tights = {key: writing(crop) for key, crop in crops.items()}
    for spec in specs:
        fr, allowed = out[spec.name], charset(spec)
        written = [i for i in range(len(fr.cells)) if (spec.name, i) in crops]
        fr.writing = "hand" if written else ""
        if not written:
            continue
        choice = page_font
        if choice is None:  # which font, at which size (printers and scanners scale a little)
            by_font = _font_fits(spec, [tights[(spec.name, i)] for i in written[:3]], box_fonts, allowed)
            choice = max(by_font, key=by_font.__getitem__)
            if len(allowed) > 12:  # digits look alike in the fonts: letters tell them apart
                for key, fit in by_font.items():
                    tried[key] = tried.get(key, 0.0) + fit
        fits[spec.name] = _print_fit(spec, fr, tights, written, choice, allowed)
        if page_font is None and fr.writing == "print" and len(allowed) > 12:
            page_font = choice
    doubtful = [s for s in specs if s.name in fits and out[s.name].writing == "hand"
                and out[s.name].print_match >= PRINT_FLOOR]
    if page_font is None and tried and doubtful:  # no field matched well: the font the letter fields match best
        page_font = max(tried, key=tried.__getitem__)
        for spec in doubtful:
            if fits[spec.name][0] != page_font:
                fits[spec.name] = _print_fit(spec, out[spec.name], tights, list(fits[spec.name][2]),
                                             page_font, charset(spec))

    def places(spec, chars: Callable[[int], str]) -> list[tuple[float, float] | None]:
        (font, scale), glyphs, scores = fits[spec.name]
        offsets = anchor_offsets(font, round(box_font_size(spec) * scale, 2))
        return [placement(crops[(spec.name, i)], glyphs, offsets, chars(i), PLACE_REACH) for i in scores]

    # where the printer put the page's glyphs: the printed fields' characters as matched, else
    # wherever most of the doubtful fields' glyphs lie
    sure = [p for s in specs if out[s.name].writing == "print"
            for p in places(s, lambda i, sc=fits[s.name][2]: max(sc[i], key=sc[i].__getitem__, default=""))
            if p is not None]
    found_at = {s.name: places(s, lambda i, allowed=charset(s): allowed) for s in doubtful}
    others = [p for ps in found_at.values() for p in ps if p is not None]
    where = None
    if sure or others:
        reference = sure or others
        dy, dx = float(np.median([p[0] for p in reference])), float(np.median([p[1] for p in reference]))

        def share(ps: list) -> float:
            return float(np.mean([p is not None and abs(p[0] - dy) <= PLACE_TOLERANCE
                                  and abs(p[1] - dx) <= PLACE_TOLERANCE for p in ps]))

        if sure or share(others) >= PLACED_SHARE:  # else no printer's place: handwriting lies anywhere
            where = (dy, dx)
            for spec in doubtful:
                if len(found_at[spec.name]) >= 2 and share(found_at[spec.name]) >= PLACED_SHARE:
                    out[spec.name].writing = "print"
    for spec in specs:
        if out[spec.name].writing == "print":
            _use_print(spec, out[spec.name], crops, *fits[spec.name], charset(spec), where)


def _scores(tight: np.ndarray | None, font: str, size_pt: float, allowed: str) -> dict[str, float]:
    return {} if tight is None else match_cell(tight, font, size_pt, allowed)


def _font_fits(spec, tights: list[np.ndarray | None], box_fonts: tuple[str, ...],
               allowed: str) -> dict[tuple[str, float], float]:
    """How well a few cells' writing matches each printer's font at each size: (font, scale) -> mean best correlation."""
    nominal = box_font_size(spec)
    out = {}
    for box_font in box_fonts:
        for scale in PRINT_SCALES:
            size = round(nominal * scale, 2)
            out[(box_font, scale)] = float(np.mean([max(_scores(t, box_font, size, allowed).values(), default=0.0)
                                                    for t in tights]))
    return out


def _print_fit(spec, fr: FieldRead, tights: dict, written: list[int], choice: tuple[str, float],
               allowed: str) -> tuple[tuple[str, float], dict, dict]:
    """Match a boxed field's written cells to the printer's font (`choice`: font, scale) and read it
    as print when they match well; the choice, its glyphs and each written cell's scores."""
    size = round(box_font_size(spec) * choice[1], 2)
    scores = {i: _scores(tights[(spec.name, i)], choice[0], size, allowed) for i in written}
    fit = float(np.median([max(sc.values(), default=0.0) for sc in scores.values()]))
    fr.print_match = max(0.0, fit)
    if fit >= PRINTED_MATCH:
        fr.writing = "print"
    return choice, templates(choice[0], size), scores


def _use_print(spec, fr: FieldRead, crops: dict, choice: tuple[str, float], glyphs: dict, scores: dict,
               allowed: str, where: tuple[float, float] | None) -> None:
    """Read a printed field's cells by the font's templates, each put `where` the page's printer puts
    them (when known), with the recogniser's evidence."""
    written = list(scores)
    if where is not None:  # (unknown only when no printed cell holds a glyph's worth of ink)
        offsets = anchor_offsets(choice[0], round(box_font_size(spec) * choice[1], 2))
        scores = {i: placed_scores(crops[(spec.name, i)], glyphs, offsets, allowed, where) for i in written}
    for i in written:
        cell = fr.cells[i]
        blank = blank_probability(cell.ink, "-" in allowed)
        # the font's and the recogniser's evidence together (the recogniser also learnt print)
        icr = {c: p for c, p in cell.candidates if c != " "}
        icr_total = sum(icr.values()) or 1.0
        joint = {c: p * max(icr.get(c, 0.0) / icr_total, ICR_FLOOR) ** ICR_WEIGHT
                 for c, p in glyph_candidates(scores[i], 8)}
        total = sum(joint.values()) or 1.0
        # a printed glyph that matches its font poorly is disturbed (a stamp or rosette line
        # through it): the rest goes to characters not among the candidates
        sure = 1.0 - float(np.clip((PRINTED_MATCH - max(scores[i].values(), default=0.0)) / 0.2, 0.0, 0.9))
        top = [(c, p / total * (1 - blank) * sure) for c, p in joint.items()]
        cell.candidates = sorted(top + [(" ", blank)], key=lambda cp: -cp[1])[:5]


def _coverage(ink: np.ndarray, x: float, y: float, w: float, h: float, inset: float = 0.2) -> float:
    crop = _crop(ink, x + w * inset, y + h * inset, w * (1 - 2 * inset), h * (1 - 2 * inset))
    return float((crop > INK_LEVEL).mean()) if crop.size else 0.0


def strike_score(ink: np.ndarray, x: float, y: float, w: float, h: float) -> float:
    """How much a word's box shows a thin horizontal line: the best 3-row band's share of covered
    columns, less the mean share 5 rows above and below (stamps and the rosette cover bands
    evenly, a strike line only its own)."""
    crop = _crop(ink, x, y, w, h)
    if crop.size == 0:
        return 0.0
    band = cv2.dilate((crop > INK_LEVEL).astype(np.uint8), np.ones((3, 1), np.uint8)).mean(axis=1)
    pad = np.concatenate([np.zeros(5), band, np.zeros(5)])
    return float(max(0.0, (band - 0.5 * (pad[:-10] + pad[10:])).max()))


def coloured_ink(page: CleanPage, x: float, y: float, w: float, h: float) -> np.ndarray:
    """The page's ink in a region (mm), kept only where it is coloured writing (blue ballpoint,
    violet carbon): there the blue channel darkens clearly less than the red, while the form's
    black print (and toner) darkens all channels alike. Zero outside the region."""
    m = STRIKE_MARGIN
    y0, y1 = max(0, _px(y - m)), _px(y + h + m)
    x0, x1 = max(0, _px(x - m)), _px(x + w + m)
    rgb = page.rgb[y0:y1, x0:x1]
    out = np.zeros(page.ink.shape, np.float32)
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        return out
    d_r, d_b = (cv2.GaussianBlur(channel_darkness(rgb[:, :, c]), (0, 0), 1.0) for c in (0, 2))
    coloured = d_b < COLOURED * np.maximum(d_r, 0.03)
    out[y0:y1, x0:x1] = np.where(coloured, page.ink[y0:y1, x0:x1], 0.0)
    return out


def print_residual(page: CleanPage, x: float, y: float, w: float, h: float) -> np.ndarray:
    """The page's ink in a region (mm) beyond the blank's own printed words: the writing's darkness
    less the blank's darkness blurred and scaled as the scan shows it (least squares, the blur
    that fits best), in ink units (the writing's strength is 1). A strike line over a printed word
    stays, however its colour was lost (toner, or carbon on a blurred JPEG), while the word's
    blurred edges go. Zero outside the region; needs `page.blank`."""
    out = np.zeros(page.ink.shape, np.float32)
    if page.blank is None:
        return out
    m = STRIKE_MARGIN
    y0, y1 = max(0, _px(y - m)), _px(y + h + m)
    x0, x1 = max(0, _px(x - m)), _px(x + w + m)
    rgb = page.rgb[y0:y1, x0:x1]
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        return out
    dark = writing_darkness(rgb)
    printed = 1.0 - page.blank[y0:y1, x0:x1].astype(np.float32) / 255.0
    best_err, best = np.inf, dark
    for sigma in PRINT_BLURS:
        model = cv2.GaussianBlur(printed, (0, 0), sigma)
        scale = float((model * dark).sum() / max(float((model * model).sum()), 1e-6))
        rest = dark - scale * model
        err = float((rest * rest).sum())
        if err < best_err:
            best_err, best = err, rest
    out[y0:y1, x0:x1] = np.clip(best / max(page.strength, 0.2), 0.0, 1.0)
    return out


def read_options(spec, page: CleanPage) -> FieldRead:
    """A checkbox or choice: coverage of every option. A struck word: the strike-line score of the
    coloured ink alone (the printed word's leftover edges are black), or, when no coloured line
    is found (a toner strike on a white original, a carbon strike whose colour a JPEG blurred
    away), of the ink beyond the blank's printed words (`print_residual`; without the blank, of
    all the ink outside the printed marks)."""
    strike = getattr(spec, "mark", None) == "strike"
    fr = FieldRead(spec.name, spec.kind, (spec.x, spec.y, spec.w, spec.h))
    if strike:
        colour = coloured_ink(page, spec.x, spec.y, spec.w, spec.h)
        scores = {str(o.value): strike_score(colour, o.x, o.y, o.w, o.h) for o in spec.options}
        if max(scores.values(), default=0.0) < STRIKE:
            ink = (print_residual(page, spec.x, spec.y, spec.w, spec.h) if page.blank is not None
                   else np.where(page.form_thin, 0.0, page.ink))
            scores = {str(o.value): strike_score(ink, o.x, o.y, o.w, o.h) for o in spec.options}
        fr.coverage = scores
    else:
        ink = np.where(page.form, 0.0, page.ink)
        for opt in spec.options:
            fr.coverage[str(opt.value)] = _coverage(ink, opt.x, opt.y, opt.w, opt.h)
    fr.raw = ",".join(k for k, v in fr.coverage.items() if v >= (STRIKE if strike else MARK))
    return fr


def _text_reads(specs: list, lines: dict[str, dict[str, Any]]) -> dict[str, FieldRead]:
    """The text fields' reads from their lines (formproc.scan.text.TextLines)."""
    out = {}
    for s in specs:
        fr = FieldRead(s.name, s.kind, (s.x, s.y, s.w, s.h))
        line = lines[s.name]
        fr.raw, fr.ink, fr.word_confidences, fr.code = line["raw"], line["ink"], line["confs"], line["code"]
        fr.line, fr.blanked = line.get("line"), line.get("blanked")
        fr.text_confidence = min(line["confs"]) / 100.0 if line["confs"] else 0.0
        out[s.name] = fr
    return out


def read_page(template, page: CleanPage, model: Recogniser,
              charset: Callable[[Any], str]) -> dict[str, FieldRead]:
    """Every field of a template on a cleaned page."""
    boxes = [f for f in template.fields if f.kind == "boxes"]
    texts = [f for f in template.fields if f.kind == "text" and not getattr(f, "preprinted", False)]
    printed = [f for f in template.fields if f.kind == "text" and getattr(f, "preprinted", False)]
    # the printer's box font, and its text font (which printing falls back to)
    fonts = tuple(dict.fromkeys((template.drawing.boxFont, template.drawing.font)))
    with TextLines(texts + printed, page, template.drawing.font) as lines:  # the boxes are read while tesseract works
        out = read_boxes(boxes, page, model, charset, fonts)
        out.update(_text_reads(texts + printed, lines.result()))
    for f in template.fields:
        if f.kind in ("checkbox", "choice"):
            out[f.name] = read_options(f, page)
    return out
