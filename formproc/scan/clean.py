"""Cleaning: separate the writing (ballpoint, printer, carbon) from the paper, the preprinted
form, the pink security rosette and the blue stamps.

Colour work on the registered page: the paper (white, pink or green) and uneven light are divided
out with a background estimate; the ink signal is the darkness of the red channel, which pink
rosettes and pink/green paper barely absorb while blue ballpoint, bluish-violet carbon and black
toner absorb it strongly. Stamp-pad ink is a saturated blue that darkens the blue channel far
less than writing does, the pink rosette darkens green far more than red: the channel ratios
gate both out (`writing_gate`). The
signal is stretched so that the page's writing reaches 1 (carbon copies are fainter; a few areas
of much darker pen, such as a ballpoint correction on a carbon copy, neither set that scale nor are
stretched beyond their own darkness), and the preprinted marks of the reference blank are masked out.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: darkness (0-1) that counts as ink once the page is stretched
INK_LEVEL = 0.35
#: blue/red darkness ratio below which a mark is stamp ink (see `writing_gate`)
STAMP_RATIO = 0.2
#: green/red darkness ratio above which a mark is the pink rosette (fully gated out one unit above)
ROSETTE_RATIO = 3.0
#: stroke pixels an area needs for its own strength, and written areas needed for their median
MIN_AREA_STROKES = 25
MIN_AREAS = 5
#: an area whose strokes are this many times darker than the median area's is left out of it
OUTLIER = 1.4
#: red-channel darkness only a pen reaches (blue ballpoint ~0.85; carbon copies stay below ~0.5)
PEN = 0.6


@dataclass
class CleanPage:
    """The registered page's ink (float32 0-1, 0 = nothing written) and the preprinted-mark mask."""

    ink: np.ndarray
    form: np.ndarray  # bool: pixels of the reference blank's printed marks (lines, labels)
    strength: float  # the writing's raw darkness before stretching (carbon copies: lower)
    paper: tuple[int, int, int]  # the estimated paper colour (RGB)
    rgb: np.ndarray  # the registered page itself (for the red preprinted series)
    source: np.ndarray | None = None  # the page as scanned (text lines are taken from it again)
    to_canonical: np.ndarray | None = None  # homography: source pixels -> canonical pixels
    rosette: np.ndarray | None = None  # bool: the blank's rosette zone (formproc.scan.register)
    blank: np.ndarray | None = None  # the reference blank's gray (canonical pixels), when known

    @property
    def form_thin(self) -> np.ndarray:
        """The preprinted marks widened less (strike lines through printed words stay visible)."""
        return cv2.erode(self.form.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0

    @property
    def carbon(self) -> bool:
        """A pink or green copy: its writing is the carbon's violet."""
        r, g, _ = self.paper
        return abs(r - g) > 10


def _background(channel: np.ndarray) -> np.ndarray:
    """The paper brightness under a channel: a max-filter (removes strokes), computed small."""
    h, w = channel.shape
    small = cv2.resize(channel, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    bg = cv2.dilate(small, k)
    bg = cv2.GaussianBlur(bg, (0, 0), 3)
    return cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)


def channel_darkness(channel: np.ndarray) -> np.ndarray:
    """Darkness (0-1) of one colour channel against the paper under it."""
    ch = channel.astype(np.float32)
    bg = _background(ch)
    np.maximum(bg, 1.0, out=bg)
    np.divide(ch, bg, out=ch)
    np.subtract(1.0, ch, out=ch)
    return np.clip(ch, 0.0, 1.0, out=ch)


def writing_gate(dark_red: np.ndarray, dark_green: np.ndarray, dark_blue: np.ndarray) -> np.ndarray:
    """0-1 weight of writing against stamp ink and the rosette, by colour. Toner, ballpoint and
    carbon darken the blue channel by at least ~0.4 of the red, the saturated stamp-pad blue by
    ~0.1; the pink rosette darkens the green channel several times more than the red, writing at
    most ~1.2 times. The channels are smoothed first, so that JPEG colour subsampling at stroke
    edges does not decide. (Computed in place: a page is large.)"""
    r = np.maximum(cv2.GaussianBlur(dark_red, (0, 0), 1.0), 0.03)
    not_stamp = cv2.GaussianBlur(dark_blue, (0, 0), 1.0)
    np.divide(not_stamp, r, out=not_stamp)
    not_stamp -= STAMP_RATIO
    not_stamp /= 0.12
    np.clip(not_stamp, 0.0, 1.0, out=not_stamp)
    not_rosette = cv2.GaussianBlur(dark_green, (0, 0), 1.0)
    np.divide(not_rosette, r, out=not_rosette)
    np.subtract(ROSETTE_RATIO, not_rosette, out=not_rosette)
    np.clip(not_rosette, 0.0, 1.0, out=not_rosette)
    not_stamp *= not_rosette
    return not_stamp


def writing_darkness(rgb: np.ndarray) -> np.ndarray:
    """Red-channel darkness of the writing, with stamp ink and the rosette gated out by colour."""
    d_r, d_g, d_b = (channel_darkness(rgb[:, :, c]) for c in range(3))
    gate = writing_gate(d_r, d_g, d_b)
    gate *= d_r
    return gate


def form_mask(reference_gray: np.ndarray) -> np.ndarray:
    """The blank's printed marks, slightly widened to absorb registration error."""
    dark = reference_gray < 170
    return cv2.dilate(dark.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


def writing_strength(dark: np.ndarray, form: np.ndarray, areas: list[tuple[int, int, int, int]]) -> float:
    """The writing's darkness: the 97th percentile of the strokes in the written areas, leaving out
    areas whose own strokes are much darker than the median area's (a ballpoint correction on a
    carbon copy), so that a few of them do not set the scale for the faint rest of the page."""
    inside = np.zeros(form.shape, bool)
    strokes = (dark > 0.12) & ~form
    per_area = []
    for x, y, w, h in areas:
        area = dark[y:y + h, x:x + w][strokes[y:y + h, x:x + w]]
        per_area.append(float(np.percentile(area, 97)) if area.size >= MIN_AREA_STROKES else 0.0)
    written = [s for s in per_area if s > 0.0]
    limit = OUTLIER * float(np.median(written)) if len(written) >= MIN_AREAS else np.inf
    for (x, y, w, h), s in zip(areas, per_area):
        if s <= limit:
            inside[y:y + h, x:x + w] = True
    writing = dark[strokes & inside]
    return float(np.percentile(writing, 97)) if writing.size > 200 else 1.0


def clean(rgb: np.ndarray, form: np.ndarray, areas: list[tuple[int, int, int, int]],
          source: np.ndarray | None = None, to_canonical: np.ndarray | None = None,
          rosette: np.ndarray | None = None, blank: np.ndarray | None = None) -> CleanPage:
    """Ink darkness of a registered RGB page (canonical pixels); `areas` (x, y, w, h in pixels) are
    where writing is expected: the strength of the writing is measured there. `blank` is the
    reference blank's gray, kept for reading what lies over its printed words."""
    dark = writing_darkness(rgb)
    strength = max(writing_strength(dark, form, areas), 0.2)
    # pen strokes much darker than the page's writing (a ballpoint correction on a carbon copy) are
    # scaled by their own darkness, so that their faint edges do not thicken them (the form's own
    # black print is left to the form mask)
    peak = cv2.dilate(np.where(form, 0.0, dark).astype(np.float32), np.ones((9, 9), np.uint8))
    scale = np.where(peak > max(OUTLIER * strength, PEN), peak, strength)
    ink = np.clip(dark / scale, 0.0, 1.0)
    paper = tuple(int(np.median(rgb[::16, ::16, c])) for c in range(3))
    return CleanPage(ink.astype(np.float32), form, round(strength, 3), paper, rgb,  # type: ignore[arg-type]
                     source, to_canonical, rosette, blank)


def red_print(rgb_crop: np.ndarray) -> np.ndarray:
    """Darkness (0-1) of red print (the maker's series and number) in a crop: green-channel ink."""
    green = rgb_crop[:, :, 1].astype(np.float32)
    red = rgb_crop[:, :, 0].astype(np.float32)
    bg = max(float(np.percentile(green, 95)), 1.0)
    dark = np.clip(1.0 - green / bg, 0.0, 1.0)
    return np.where(red > green + 40, dark, 0.0).astype(np.float32)
