"""Printed catalog codes (the CAS codes) read by matching each code's rendering in the printer's
font against the line's ink: a code's whole shape survives a stamp or the rosette over a letter or
two far better than tesseract's reading of it. Hand-printed codes do not match any rendering well
and are left to tesseract."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from formproc.scan.glyphs import rendered_ink

#: correlation a rendering needs to count as the printed code
MATCH = 0.5
SCALES = (0.95, 1.0, 1.05)  # printed sizes tried, relative to the template's (printer and scan scale)
BLUR = 1.5  # px: both sides blurred, so that stroke weight and anti-aliasing do not decide


@dataclass(frozen=True)
class CodeMatch:
    """The best-matching code, its correlation and the runner-up code's."""

    code: str
    score: float
    runner_up: float

    @property
    def margin(self) -> float:
        return self.score - self.runner_up


@lru_cache(maxsize=512)
def rendering(code: str, font_name: str, size_pt: float, px_per_mm: float) -> np.ndarray:
    """A code's ink (float32 0-1, tight with a 2 px margin) in a font at a size, as scanned."""
    return cv2.copyMakeBorder(rendered_ink(code, font_name, size_pt, px_per_mm), 2, 2, 2, 2,
                              cv2.BORDER_CONSTANT, value=0)


@lru_cache(maxsize=512)
def _blurred(code: str, font_name: str, size_pt: float, px_per_mm: float) -> np.ndarray:
    return cv2.GaussianBlur(rendering(code, font_name, size_pt, px_per_mm), (0, 0), BLUR)


def match_code(ink: np.ndarray, codes: list[str], font_name: str, size_pt: float,
               px_per_mm: float) -> CodeMatch | None:
    """The code whose rendering correlates best with a line's ink (float 0-1), anywhere on the
    line; None when no code is given or none fits on the line."""
    cols = np.flatnonzero((ink > 0.3).any(axis=0))
    if cols.size == 0:
        return None
    pad = int(2 * px_per_mm)  # the writing's extent and a little more: shorter to search
    line = np.ascontiguousarray(ink[:, max(0, cols[0] - pad):cols[-1] + pad + 1], dtype=np.float32)
    line = cv2.GaussianBlur(line, (0, 0), BLUR)
    sums = cv2.integral(line, sdepth=cv2.CV_64F)
    best: dict[str, float] = {}
    for code in codes:
        for s in SCALES:
            tpl = _blurred(code, font_name, round(size_pt * s, 2), px_per_mm)
            h, w = tpl.shape
            if h > line.shape[0] or w > line.shape[1]:
                continue
            score = cv2.matchTemplate(line, tpl, cv2.TM_CCOEFF_NORMED)
            # only where the line holds about as much ink as the code (flat windows correlate freely)
            held = sums[h:, w:] - sums[:-h, w:] - sums[h:, :-w] + sums[:-h, :-w]
            score = np.where(np.isfinite(score) & (held >= 0.5 * float(tpl.sum())), score, -1.0)
            best[code] = max(best.get(code, -1.0), float(score.max()))
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    return CodeMatch(ranked[0][0], ranked[0][1], ranked[1][1] if len(ranked) > 1 else -1.0)
