"""Fonts for synthetic cells and pages: the Debian handwriting fonts and a printer font.

Used by the recogniser's training script and by `formproc sample`; never by the scanner itself.
"""

from __future__ import annotations

import subprocess
import unicodedata
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from formproc.errors import InputError

#: fontconfig patterns of the hand-printing fonts (fonts-humor-sans, -comic-neue, -klee, -kristi).
HAND_FONTS = ("Humor Sans", "Comic Neue", "Comic Neue:style=Bold", "Comic Neue:style=Italic",
              "Klee One", "Klee One:style=SemiBold", "Kristi")
#: fontconfig patterns of printer fonts (fonts-dejavu-core, Liberation when present).
PRINT_FONTS = ("DejaVu Sans Mono", "DejaVu Sans", "Liberation Mono")


@lru_cache(maxsize=None)
def font_file(pattern: str) -> str:
    """The file of an installed font whose family matches `pattern` exactly (fc-match)."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", pattern],
                             capture_output=True, text=True, check=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        raise InputError("fontconfig (fc-match) is not available") from None
    family, _, path = out.partition("\t")
    wanted = pattern.split(":")[0].lower()
    if wanted not in family.lower() or not path:
        raise InputError(f"font '{pattern}' is not installed (Debian packages fonts-humor-sans, "
                         "fonts-comic-neue, fonts-klee, fonts-kristi, fonts-dejavu-core)")
    return path


def available(patterns: tuple[str, ...]) -> list[str]:
    """The font files of the patterns that are installed."""
    files = []
    for p in patterns:
        try:
            files.append(font_file(p))
        except InputError:
            continue
    return files


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _at_cap(path: str, height_px: int) -> ImageFont.FreeTypeFont:
    """The font at the size whose capitals are about `height_px` tall."""
    cap = _font(path, 100).getbbox("H")
    return _font(path, max(6, int(round(100 * (height_px / max(1, cap[3] - cap[1]))))))


def glyph_mask(char: str, path: str, height_px: int) -> np.ndarray:
    """A tight uint8 ink mask (255 = ink) of one character whose cap height is about `height_px`."""
    font = _at_cap(path, height_px)
    left, top, right, bottom = font.getbbox(char)
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), char, font=font, fill=255)
    arr = np.asarray(img)
    ys, xs = np.nonzero(arr > 40)
    if len(xs) == 0:
        return np.zeros((height_px, max(1, height_px // 2)), np.uint8)
    return arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy()


@lru_cache(maxsize=None)
def has_glyph(path: str, char: str) -> bool:
    """Whether the font draws `char` itself rather than its missing-glyph box."""
    font = _font(path, 40)

    def drawn(c: str) -> bytes:
        img = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(img).text((10, 10), c, font=font, fill=255)
        return img.tobytes()

    return drawn(char) != drawn("\uffff")


#: the Romanian letters' marks, drawn by hand where a font has no such letter
_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u0326": "comma", "\u0327": "comma"}


def _base_and_mark(path: str, char: str) -> tuple[str, str | None]:
    """The letter to draw for `char` and the mark to add by hand (None: the font has it)."""
    if has_glyph(path, char):
        return char, None
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[1] in _MARKS and has_glyph(path, parts[0]):
        return parts[0], _MARKS[parts[1]]
    return char, None


@lru_cache(maxsize=256)
def _stroke(path: str, height_px: int) -> int:
    """The font's stroke width in pixels: twice an H's ink area over its outline's length."""
    ink = (glyph_mask("H", path, height_px) > 127).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return max(1, int(round(2 * ink.sum() / max(1.0, outline))))


def _draw_mark(img: np.ndarray, mark: str, x0: int, x1: int, top: int, baseline: int, size: float,
               pen: int) -> None:
    """A hand-drawn breve, circumflex or comma on the letter whose ink spans x0-x1 from `top`."""
    cx, w = (x0 + x1) / 2, max(3.0, 0.5 * (x1 - x0))
    gap = 0.1 * size
    if mark == "comma":
        pts = [(cx + 0.04 * size, baseline + gap), (cx - 0.06 * size, baseline + gap + 0.22 * size)]
    elif mark == "breve":  # a cup, lowest in the middle
        pts = [(cx - w / 2 + w * t / 6, top - gap - 0.22 * size * ((t - 3) / 3) ** 2) for t in range(7)]
    else:  # circumflex
        pts = [(cx - w / 2, top - gap), (cx, top - gap - 0.25 * size), (cx + w / 2, top - gap)]
    cv2.polylines(img, [np.round(np.array(pts)).astype(np.int32)], False, 255, pen, cv2.LINE_AA)


def text_mask(text: str, path: str, height_px: int) -> np.ndarray:
    """A uint8 ink mask of a line of text, cap height about `height_px`, baseline-aligned. A
    Romanian letter the font lacks (Humor Sans has none, Klee One no ș or ț) is its base letter
    with the mark drawn by hand."""
    font = _at_cap(path, height_px)
    split = [_base_and_mark(path, ch) for ch in text]
    drawn = "".join(base for base, _ in split)
    left, top, right, bottom = font.getbbox(drawn or " ")
    pad = height_px // 2 + 2
    img = Image.new("L", (max(1, right - left + 4), max(1, bottom - top + 4 + 2 * pad)), 0)
    origin = (2 - left, 2 - top + pad)
    ImageDraw.Draw(img).text(origin, drawn, font=font, fill=255)
    out = np.asarray(img).copy()
    baseline = origin[1] + font.getmetrics()[0]
    for i, (base, mark) in enumerate(split):
        if mark:
            x = origin[0] + font.getlength(drawn[:i])
            bx0, by0, bx1, _ = font.getbbox(base)
            _draw_mark(out, mark, int(x + bx0), int(x + bx1), origin[1] + by0, baseline, height_px,
                       _stroke(path, height_px))
    ys = np.flatnonzero(out.any(axis=1))
    return out[ys.min():ys.max() + 1] if len(ys) else out


def distort_glyph(mask: np.ndarray, rng: np.random.Generator, angle: float = 6.0,
                  shear: float = 0.15, stroke: int = 1) -> np.ndarray:
    """A hand-printed variant of a glyph: rotation, shear, aspect change, thinner/thicker stroke."""
    h, w = mask.shape
    pad = max(h, w) // 2 + 2
    img = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    c = (img.shape[1] / 2, img.shape[0] / 2)
    m = cv2.getRotationMatrix2D(c, float(rng.uniform(-angle, angle)), 1.0)
    m[0, 1] += float(rng.uniform(-shear, shear))
    m[0, 0] *= float(rng.uniform(0.85, 1.15))
    img = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR)
    k = int(rng.integers(-stroke, stroke + 1))
    if k > 0:
        img = cv2.dilate(img, np.ones((k + 1, k + 1), np.uint8))
    elif k < 0 and min(h, w) > 14:
        img = cv2.erode(img, np.ones((2, 2), np.uint8))
    ys, xs = np.nonzero(img > 40)
    if len(xs) == 0:
        return mask
    return img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
