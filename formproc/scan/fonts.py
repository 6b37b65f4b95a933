"""Fonts for synthetic cells and pages: the Debian handwriting fonts and a printer font.

Used by the recogniser's training script and by `formproc sample`; never by the scanner itself.
"""

from __future__ import annotations

import subprocess
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


def glyph_mask(char: str, path: str, height_px: int) -> np.ndarray:
    """A tight uint8 ink mask (255 = ink) of one character whose cap height is about `height_px`."""
    probe = _font(path, 100)
    cap = probe.getbbox("H")
    scale = height_px / max(1, cap[3] - cap[1])
    font = _font(path, max(6, int(round(100 * scale))))
    left, top, right, bottom = font.getbbox(char)
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), char, font=font, fill=255)
    arr = np.asarray(img)
    ys, xs = np.nonzero(arr > 40)
    if len(xs) == 0:
        return np.zeros((height_px, max(1, height_px // 2)), np.uint8)
    return arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy()


def text_mask(text: str, path: str, height_px: int) -> np.ndarray:
    """A uint8 ink mask of a line of text, cap height about `height_px`, baseline-aligned."""
    probe = _font(path, 100)
    cap = probe.getbbox("H")
    scale = height_px / max(1, cap[3] - cap[1])
    font = _font(path, max(6, int(round(100 * scale))))
    left, top, right, bottom = font.getbbox(text or " ")
    img = Image.new("L", (max(1, right - left + 4), max(1, bottom - top + 4)), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), text, font=font, fill=255)
    return np.asarray(img).copy()


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
