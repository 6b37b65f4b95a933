"""Printed box characters: the printer's fonts (formproc.render: DejaVu Sans Mono, DejaVu Sans) rendered at
the canonical resolution and matched to each cell by normalised correlation.

A printed field is recognised by how well its cells match the font (`PRINTED_MATCH`): machine
print matches its own font almost perfectly, hand-printing does not; and, where a stamp or a
blurred copy spoils that match, by where its glyphs lie (`placement`): a printer puts every
character at the same place in its box. Printed cells are then read with each glyph put where the
page's printer puts them (`placed_scores`), so that other ink in the cell cannot draw it away.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageDraw, ImageFont

from formproc.errors import InputError
from formproc.scan.register import PX_PER_MM

#: median best correlation of a field's written cells above which the field is machine print
PRINTED_MATCH = 0.85
#: sharpness of the softmax turning correlations into candidate probabilities
SHARPNESS = 45.0
PAD = 3  # empty pixels kept around a glyph template
SHIFT = 2  # pixels a glyph may sit off the writing's centre
SPECK = 0.15  # ink blobs smaller than this share of a cell's largest blob are not part of the glyph


def printer_font_file(name: str) -> str:
    from formproc.render.pen import FONT_DIRS, FONT_FILES

    folders = [os.environ["FORMPROC_FONT_DIR"]] if os.environ.get("FORMPROC_FONT_DIR") else []
    for folder in folders + list(FONT_DIRS):
        path = Path(folder) / FONT_FILES.get(name, f"{name}.ttf")
        if path.is_file():
            return str(path)
    raise InputError(f"font {name} not found (install the Debian package fonts-dejavu-core)")


@lru_cache(maxsize=32)
def printer_font(name: str, size_pt: float, px_per_mm: float) -> ImageFont.FreeTypeFont:
    """The printer's font at a size in points, for drawing at `px_per_mm`; laid out without
    kerning, as formproc prints (reportlab does not kern)."""
    return ImageFont.truetype(printer_font_file(name), int(round(size_pt * 25.4 / 72 * px_per_mm)),
                              layout_engine=ImageFont.Layout.BASIC)


def rendered_ink(text: str, font_name: str, size_pt: float, px_per_mm: float) -> np.ndarray:
    """A text's ink (float32 0-1, cropped tight) in a font at a size in points, as a scan sees it:
    drawn large and reduced with area averaging."""
    scale = 4
    font = printer_font(font_name, size_pt, px_per_mm * scale)
    left, top, right, bottom = font.getbbox(text)
    img = Image.new("L", (right - left + 8 * scale, bottom - top + 8 * scale), 0)
    ImageDraw.Draw(img).text((4 * scale - left, 4 * scale - top), text, font=font, fill=255)
    big = np.asarray(img, np.float32) / 255
    small = cv2.resize(big, (max(1, big.shape[1] // scale), max(1, big.shape[0] // scale)),
                       interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(small > 0.2)
    return small[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


@lru_cache(maxsize=8)
def anchor_offsets(font_name: str, size_pt: float) -> dict[str, tuple[float, float]]:
    """Where each character's ink centre lies (dy, dx px at PX_PER_MM) from the point the printer
    centres it on (the middle of its advance, on the baseline): where a cell's glyph is found,
    less this, is where the printer put the cell's character."""
    from formproc.scan.icr import CLASSES

    scale = 4
    font = printer_font(font_name, size_pt, PX_PER_MM * scale)
    out = {}
    for ch in CLASSES:  # the drawn ink's extent (a font's own boxes are its advance, not its ink)
        left, top, right, bottom = font.getbbox(ch, anchor="ms")
        img = Image.new("L", (right - left + 8, bottom - top + 8), 0)
        ImageDraw.Draw(img).text((4 - left, 4 - top), ch, font=font, fill=255, anchor="ms")
        ys, xs = np.nonzero(np.asarray(img) > 50)
        out[ch] = ((ys.min() + ys.max()) / 2 - (4 - top)) / scale, ((xs.min() + xs.max()) / 2 - (4 - left)) / scale
    return out


def placement(ink: np.ndarray, glyphs: dict[str, np.ndarray], offsets: dict[str, tuple[float, float]],
              allowed: str, reach: int) -> tuple[float, float] | None:
    """Where (dy, dx px from the cell's centre) the printer put the glyph that matches a cell best,
    searched within `reach` px of the centre; None for a cell without ink."""
    if not (ink > 0.3).any():
        return None
    h_cell, w_cell = ink.shape
    # a hyphen's bar fits anywhere along itself
    chars = [ch for ch in allowed if ch in glyphs and ch in offsets and ch != "-"]
    pad = max((max(glyphs[ch].shape) for ch in chars), default=0) + reach
    big = cv2.copyMakeBorder(ink.astype(np.float32), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    best, where = -2.0, None
    for ch in chars:
        t = glyphs[ch]
        h, w = t.shape
        y0, x0 = int(round(pad + h_cell / 2 - h / 2)) - reach, int(round(pad + w_cell / 2 - w / 2)) - reach
        _, score, _, (x, y) = cv2.minMaxLoc(cv2.matchTemplate(big[y0:y0 + h + 2 * reach, x0:x0 + w + 2 * reach],
                                                              t, cv2.TM_CCOEFF_NORMED))
        if score > best:
            oy, ox = offsets[ch]
            best, where = score, (y0 + y + h / 2 - pad - h_cell / 2 - oy, x0 + x + w / 2 - pad - w_cell / 2 - ox)
    return where


def placed_scores(ink: np.ndarray, glyphs: dict[str, np.ndarray], offsets: dict[str, tuple[float, float]],
                  allowed: str, where: tuple[float, float], reach: int = 1) -> dict[str, float]:
    """The normalised correlation (-1..1) of each allowed character with a cell's ink, the glyph put
    where the page's printer puts it (`where`: dy, dx px from the cell's centre, as `placement`
    finds it), within `reach` px: ink elsewhere in the cell (a stamp's ring, the rosette) cannot
    draw the glyph away from its place."""
    h_cell, w_cell = ink.shape
    chars = [ch for ch in allowed if ch in glyphs and ch in offsets]
    pad = max((max(glyphs[ch].shape) for ch in chars), default=0) + reach + int(max(map(abs, where))) + 2
    big = cv2.copyMakeBorder(ink.astype(np.float32), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    out = {}
    for ch in chars:
        t = glyphs[ch]
        h, w = t.shape
        oy, ox = offsets[ch]
        y = int(round(pad + h_cell / 2 + where[0] + oy - h / 2)) - reach
        x = int(round(pad + w_cell / 2 + where[1] + ox - w / 2)) - reach
        score = cv2.matchTemplate(big[y:y + h + 2 * reach, x:x + w + 2 * reach], t, cv2.TM_CCOEFF_NORMED)
        out[ch] = float(np.nan_to_num(score, nan=-1.0).max())
    return out


@lru_cache(maxsize=8)
def templates(font_name: str, size_pt: float) -> dict[str, np.ndarray]:
    """Each character's ink (float32 0-1, tight with PAD) at PX_PER_MM for a font size in points."""
    from formproc.scan.icr import CLASSES

    return {ch: cv2.copyMakeBorder(rendered_ink(ch, font_name, size_pt, PX_PER_MM), PAD, PAD, PAD, PAD,
                                   cv2.BORDER_CONSTANT, value=0) for ch in CLASSES}


def _centred(img: np.ndarray, h: int, w: int) -> np.ndarray:
    out = np.zeros((h, w), np.float32)
    y, x = (h - img.shape[0]) // 2, (w - img.shape[1]) // 2
    out[y:y + img.shape[0], x:x + img.shape[1]] = img
    return out


def writing(ink: np.ndarray) -> np.ndarray | None:
    """A cell's writing cropped tight (float32), specks beside it (stamp and rosette remnants)
    dropped so that they do not stretch its extent; None for a cell without ink."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0.3).astype(np.uint8), connectivity=8)
    if n < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = np.isin(labels, np.flatnonzero(areas >= SPECK * areas.max()) + 1)
    ys, xs = np.nonzero(kept)
    return np.where(kept, ink, 0.0)[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)


@lru_cache(maxsize=256)  # (a bank is up to ~0.4 MB)
def _bank(font_name: str, size_pt: float, allowed: str, shape: tuple[int, int]) -> list[tuple[int, int, list[str], np.ndarray]]:
    """The allowed characters' templates for writing of a `shape`, grouped by the canvas they share:
    (h, w, characters, rows of centred templates less their mean, over their norm)."""
    glyphs = templates(font_name, size_pt)
    groups: dict[tuple[int, int], list[str]] = {}
    for ch in allowed:
        if ch in glyphs:
            t = glyphs[ch]
            size = (max(t.shape[0], shape[0] + 2 * PAD), max(t.shape[1], shape[1] + 2 * PAD))
            groups.setdefault(size, []).append(ch)
    bank = []
    for (h, w), chars in groups.items():
        rows = np.stack([_centred(glyphs[ch], h, w).ravel() for ch in chars]).astype(np.float64)
        rows -= rows.mean(axis=1, keepdims=True)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        bank.append((h, w, chars, rows))
    return bank


def match_cell(tight: np.ndarray, font_name: str, size_pt: float, allowed: str) -> dict[str, float]:
    """The normalised correlation (-1..1, as cv2.TM_CCOEFF_NORMED) of each allowed character of the
    printer's font with a cell's `writing`: both centred on the same canvas (so a glyph must
    explain all of the ink, not a part of it), the best of shifts up to SHIFT px."""
    scores: dict[str, float] = {}
    for h, w, chars, rows in _bank(font_name, size_pt, allowed, tight.shape):
        windows = sliding_window_view(_centred(tight, h + 2 * SHIFT, w + 2 * SHIFT), (h, w))
        windows = windows.reshape(-1, h * w).astype(np.float64)
        spread = np.sqrt(np.maximum((windows * windows).sum(axis=1) - windows.sum(axis=1) ** 2 / (h * w), 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(spread[:, None] > 1e-9, (windows @ rows.T) / spread[:, None], 0.0)
        scores.update(zip(chars, np.clip(r, -1.0, 1.0).max(axis=0).tolist()))
    return scores


def candidates(scores: dict[str, float], k: int = 5) -> list[tuple[str, float]]:
    """Candidate characters with probabilities from the correlations, best first."""
    if not scores:
        return []
    chars = list(scores)
    s = np.array([scores[c] for c in chars])
    p = np.exp(SHARPNESS * (s - s.max()))
    p /= p.sum()
    order = np.argsort(-p)[:k]
    return [(chars[i], float(p[i])) for i in order]
