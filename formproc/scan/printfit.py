"""Printed text lines checked against their own rendering: formproc prints a certificate's text in a
known font at a known size, so a tesseract reading of a printed line can be put to the test by
drawing it again. The reading's rendering is placed on the line's ink (and its stroke weight and
darkness matched to the print's); then each word is compared, where it lies, with the renderings of
its variants (a letter tesseract often takes for another, a lost or added diacritic, a stray mark
read as a character) and a variant whose rendering explains the ink clearly better replaces it,
as does a known word that explains the ink where the two spellings differ (an i's dot, a comma
below: too little of the word to weigh in its whole misfit; the form's blanked rule left out);
a word the language does not know (formproc.scan.lexicon) is replaced by a known word near it
unless the ink clearly disagrees; last words the ink does not hold (specks read as a word) are
dropped. A stamp line or the rosette over a letter turns tesseract's reading (`Mhtei`, `tupu`),
rarely the whole word's shape. A line written by hand does not fit the rendering and is left as read."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from formproc.scan.glyphs import printer_font
from formproc.scan.lexicon import known, near

#: letters tesseract takes for one another on faint print (both ways are listed where both happen)
LOOKALIKES = {
    "a": "ăâohp", "ă": "aâ", "â": "aăîo", "O": "D", "h": "a", "p": "a", "o": "aâ", "n": "mă", "m": "n",
    "t": "Lțlf", "ț": "t", "l": "it1", "i": "lî:", "î": "i", ":": "i", "L": "t",
    "s": "ș", "ș": "s", "S": "Ș", "Ș": "S", "T": "Ț", "Ț": "T", "f": "t", "e": "c", "c": "e",
    "A": "R", "R": "A", "g": "a",
    "0": "8", "1": "7", "7": "1", "3": "5", "5": "63", "6": "5", "4": "1", "8": "0",
}
KEPT = ".,-"  # characters never dropped
SIGNS = ".,;:-\"'()„“”"  # signs around a word's letters, left out when it is looked up
WEIGHTS = (0, 2, 4, 6, 8)  # stroke thickenings tried (px at SCALE): toner spread, ink bleed, blur
GLYPH_PAD = 24  # px (at SCALE) around a cached character: room for overhangs and thickening
SCALE = 4  # renderings are drawn this many times larger, then reduced (anti-aliasing as scanned)
BLUR = 1.5  # px: both sides blurred, so that stroke weight and small offsets weigh less
SHIFT_X, SHIFT_Y = 5, 2  # px a word may sit off where the line's rendering puts it
MARGIN = 0.05  # share of the misfit a variant must remove to replace the reading
MARK_MARGIN = 0.1  # ... when it differs only by a mark below a letter (ș, ț: the field's rule there is blanked)
STRAY_MARGIN = 0.2  # ... to drop the line's last word
#: a known word near a reading the language does not know replaces it unless its rendering fits the
#: ink this much worse (a stamp or the rosette over a letter leaves the ink undecided; the word decides)
LEXICON_MARGIN = -0.05
CLOSE_MARGIN = -0.25  # ... one letter away from it (a stamp's line through one letter: `Pâpescu`)
#: a known spelling also wins when, where its thin rendering and the reading's differ (a dot, a
#: comma below, a stem's height), it removes this share of the misfit: the whole word's misfit
#: hides a difference that small (cei/cel, S/Ș) under stroke weight and noise
LOCAL_MARGIN = 0.3
DIFFER = 0.1  # share of the rendering's darkest value from which two renderings differ at a pixel
THIN = 0  # stroke thickening of the renderings compared there (thick strokes close the i's gap)
UNSEEN = 2  # px around the form's blanked rule where the writing is unknown
ROUNDS = 3  # changes per word at most
NEAR = 2  # px around the line's place where the other stroke weights are tried
MIN_LINE = 0.5  # the reading's rendering must correlate this well with the line to be tested at all

Placement = tuple[int, int, int, int, float]  # x, y, height, stroke weight, gain


@lru_cache(maxsize=4096)
def _advance(ch: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(ch)


@lru_cache(maxsize=4096)
def _glyph(ch: str, font: ImageFont.FreeTypeFont, weight: int) -> np.ndarray:
    """One character drawn at SCALE, its origin GLYPH_PAD px from the left edge, its baseline at
    the line's fixed height (uint8)."""
    ascent, descent = font.getmetrics()
    img = Image.new("L", (int(np.ceil(font.getlength(ch))) + 2 * GLYPH_PAD, ascent + descent + 2 * SCALE), 0)
    ImageDraw.Draw(img).text((GLYPH_PAD, ascent + SCALE), ch, font=font, fill=255, anchor="ls",
                             stroke_width=weight, stroke_fill=255)
    return np.asarray(img)


def _width(text: str, font: ImageFont.FreeTypeFont) -> int:
    """The width (px at scan scale) a rendering of `text` needs, thickest strokes included."""
    return int(np.ceil((font.getlength(text) + 2 * WEIGHTS[-1]) / SCALE)) + 2


def _draw(text: str, font: ImageFont.FreeTypeFont, width: int, weight: int) -> np.ndarray:
    """`text` with its origin WEIGHTS[-1] px (at SCALE) from the left edge and its baseline at a fixed
    height, `width` px wide at scan scale, its strokes thickened by `weight` (px at SCALE), blurred
    (float 0-1). Composed from cached characters: without kerning, each sits at its advance."""
    ascent, descent = font.getmetrics()
    big = np.zeros((ascent + descent + 2 * SCALE, width * SCALE + 2 * GLYPH_PAD), np.uint8)
    origin = float(WEIGHTS[-1])
    for ch in text:
        if ch != " ":
            glyph = _glyph(ch, font, weight)
            x = int(round(origin))  # the glyph's image starts GLYPH_PAD before its origin
            part = big[:, x:x + glyph.shape[1]]
            np.maximum(part, glyph[:, :part.shape[1]], out=part)
        origin += _advance(ch, font)
    big = big[:, GLYPH_PAD:GLYPH_PAD + width * SCALE].astype(np.float32) / 255
    h = max(1, big.shape[0] // SCALE)
    small = cv2.resize(big[:h * SCALE], (width, h), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), BLUR)


def _misfit(window: np.ndarray, tpl: np.ndarray) -> float:
    """The least squared difference between the (blurred) ink and a rendering placed anywhere in
    the window: ink the rendering does not explain and rendered ink the line lacks both count."""
    if tpl.shape[0] > window.shape[0] or tpl.shape[1] > window.shape[1]:
        return np.inf
    return float(cv2.matchTemplate(window, tpl, cv2.TM_SQDIFF).min())


def _variants(word: str) -> set[str]:
    """Look-alike substitutions, and stray marks dropped: a sign that is no letter or digit (a speck
    read as a quote) or a letter read twice. Full stops, commas and hyphens are left as read: too
    small for their rendering to decide."""
    out = {word[:i] + word[i + 1:] for i, ch in enumerate(word)
           if ch not in KEPT and (not ch.isalnum() or i and word[i - 1] == ch)} if len(word) > 1 else set()
    for i, ch in enumerate(word):
        for alt in LOOKALIKES.get(ch, ""):
            out.add(word[:i] + alt + word[i + 1:])
    return out


def _known_near(word: str) -> set[str]:
    """Known words (formproc.scan.lexicon) near a word's letters, with its leading and trailing
    signs kept ("Spitalui," -> "Spitalul,"); in a compound, near each of its parts ("Ciuj-Napoca");
    none when the word is known."""
    core = word.strip(SIGNS)
    if not core:
        return set()
    lead, tail = word[:word.index(core)], word[word.index(core) + len(core):]
    parts = core.split("-")
    return {lead + "-".join(parts[:i] + [w] + parts[i + 1:]) + tail for i, part in enumerate(parts) for w in near(part)}


def _numbers(word: str) -> set[str]:
    """The word after nr. or ap. is a number: each of its other signs may be any digit."""
    return {word[:i] + d + word[i + 1:] for i, ch in enumerate(word) if not ch.isdigit() and ch not in KEPT
            for d in "0123456789"}


def _below(word: str) -> list[int]:
    """Where the word's letters carry a mark below (a comma or cedilla)."""
    return [i for i, ch in enumerate(word) if any(m in unicodedata.normalize("NFD", ch) for m in "\u0326\u0327")]


def _place(ink: np.ndarray, text: str, font: ImageFont.FreeTypeFont, weights: tuple[int, ...]) -> Placement | None:
    """Where the line's rendering fits the (blurred) ink best: x, y of its box, its height, the
    stroke weight (of `weights`) and the gain that bring the rendering to the ink's (printers and
    scans thicken strokes); None when it does not fit or correlates poorly. The place is found with
    the middle weight over the whole line, the other weights are tried around it."""
    width = _width(text, font)
    middle = weights[len(weights) // 2]
    line = _draw(text, font, width, middle)
    if line.shape[0] > ink.shape[0] or line.shape[1] > ink.shape[1]:
        return None
    score = np.nan_to_num(cv2.matchTemplate(ink, line, cv2.TM_CCOEFF_NORMED), nan=-1.0)
    # only where the line holds about as much ink as the rendering (flat windows correlate freely)
    held = cv2.boxFilter(ink, -1, (line.shape[1], line.shape[0]), anchor=(0, 0), normalize=False,
                         borderType=cv2.BORDER_CONSTANT)[:score.shape[0], :score.shape[1]]
    score[held < 0.5 * float(line.sum())] = -1.0
    _, best, _, (x0, y0) = cv2.minMaxLoc(score)
    found = best, x0, y0, middle, line
    for weight in weights:
        if weight == middle:
            continue
        other = _draw(text, font, width, weight)
        top, left = max(0, y0 - NEAR), max(0, x0 - NEAR)
        window = ink[top:y0 + line.shape[0] + NEAR, left:x0 + line.shape[1] + NEAR]
        near = np.nan_to_num(cv2.matchTemplate(window, other, cv2.TM_CCOEFF_NORMED), nan=-1.0)
        _, score_w, _, (dx, dy) = cv2.minMaxLoc(near)
        if score_w > found[0]:
            found = score_w, left + dx, top + dy, weight, other
    best, x0, y0, weight, line = found
    if best < MIN_LINE:
        return None
    window = ink[y0:y0 + line.shape[0], x0:x0 + line.shape[1]]
    return x0, y0, line.shape[0], weight, float((window * line).sum() / max(float((line * line).sum()), 1e-6))


class Choice(NamedTuple):
    """A spelling chosen for a word: its misfit and the reading's, or `shown` where the ink in
    which the two differ decides for it (LOCAL_MARGIN)."""

    word: str
    fit: float
    before: float
    shown: bool = False

    def beats(self, margin: float) -> bool:
        """Whether it replaces the reading: shown, or removing `margin` of the reading's misfit."""
        return self.shown or self.fit <= self.before * (1 - margin)


def _best(ink: np.ndarray, seen: np.ndarray, font: ImageFont.FreeTypeFont, words: list[str], k: int,
          pool: set[str], placed: Placement, slack: float = 0.0) -> Choice:
    """Of `pool` (spellings of word k, "" for none), the one whose rendering (followed by the next
    word, which explains the ink it covers) fits the line's ink best, its misfit and the reading's
    (the reading itself when the pool is empty); the line `placed` as its current reading fits.
    A known spelling (or none) fitting at most `slack` worse than the reading is `shown` when the
    ink where the two differ (`seen` there: not blanked) decides for it."""
    x0, y0, height, weight, gain = placed
    start = x0 + font.getlength(" ".join(w for w in words[:k] if w) + (" " if any(words[:k]) else "")) / SCALE
    after = next((" " + w for w in words[k + 1:] if w), "")
    widths = {w: _width(w + after, font) for w in pool | {words[k]}}
    width = max(widths.values())
    # the line was placed by the reading: a spelling wider than it may begin that much further left
    base = max(0, int(np.floor(start)) - SHIFT_X)  # the reading's window's left edge
    wider = {w: min(base, max(0, n - widths[words[k]])) for w, n in widths.items()}
    left, right = base - max(wider.values()), base + width + 2 * SHIFT_X
    rows = slice(max(0, y0 - SHIFT_Y), y0 + height + SHIFT_Y)
    drawn = {w: gain * _draw(w + after, font, width, weight) for w in pool | {words[k]}}
    room = ink[rows, left:right].copy()
    room[:, base - left:] = _reading_where_unseen(room[:, base - left:], seen[rows, base:right], drawn[words[k]])
    window = room[:, base - left:]
    misfit = {w: _misfit(room[:, base - left - wider[w]:], tpl) for w, tpl in drawn.items()}
    best = min(pool, key=misfit.__getitem__, default=words[k])
    known_ones = [w for w in pool if misfit[w] <= misfit[words[k]] * (1 + slack) and (not w or _is_known(w))]
    if known_ones:
        thin = {w: gain * _draw(w + after, font, width, THIN) for w in known_ones + [words[k]]}
        spot = _spot(window, drawn[words[k]])
        shown = {w: _shown(window, seen[rows, base:right], spot, thin[words[k]], thin[w]) for w in known_ones}
        top = max(shown, key=shown.__getitem__)
        if shown[top] >= LOCAL_MARGIN:
            return Choice(top, misfit[top], misfit[words[k]], True)
    return Choice(best, misfit[best], misfit[words[k]])


def _spot(window: np.ndarray, rendering: np.ndarray) -> tuple[slice, slice] | None:
    """Where in the window a rendering fits best (least squared difference); None when it is larger."""
    if rendering.shape[0] > window.shape[0] or rendering.shape[1] > window.shape[1]:
        return None
    _, _, (x, y), _ = cv2.minMaxLoc(cv2.matchTemplate(window, rendering, cv2.TM_SQDIFF))
    return slice(y, y + rendering.shape[0]), slice(x, x + rendering.shape[1])


def _reading_where_unseen(window: np.ndarray, seen: np.ndarray, reading: np.ndarray) -> np.ndarray:
    """The window's ink with the reading's rendering (where it fits best) put where the ink is not
    `seen`: what cannot be seen speaks for no spelling but the one read."""
    spot = None if seen.all() else _spot(window, reading)
    if spot is None:
        return window
    out = window.copy()
    out[spot][~seen[spot]] = reading[~seen[spot]]
    return out


def _is_known(word: str) -> bool:
    """Whether a word's letters (signs around them aside) are a word of the language."""
    core = word.strip(SIGNS)
    return bool(core) and all(part and known(part) for part in core.split("-"))


def _shown(window: np.ndarray, seen: np.ndarray, spot: tuple[slice, slice] | None, reading: np.ndarray,
           variant: np.ndarray) -> float:
    """The share of the misfit, where the (thin) renderings of the reading and a variant differ and
    the ink is `seen`, that the variant removes; both at the `spot` where the reading fits (_spot)."""
    if spot is None:
        return 0.0
    patch = window[spot]
    differ = np.abs(reading - variant) > DIFFER * max(float(reading.max()), 1e-6)
    differ &= seen[spot]
    before = float(((patch - reading) ** 2)[differ].sum())
    after = float(((patch - variant) ** 2)[differ].sum())
    return 1 - after / before if before > 0 else 0.0


def _line_misfit(ink: np.ndarray, text: str, font: ImageFont.FreeTypeFont, placed: Placement | None) -> float:
    """The squared difference between the whole line's ink and the text's rendering where it is
    `placed` (all the ink when it is not)."""
    canvas = np.zeros_like(ink)
    if placed is not None:
        x0, y0, height, weight, gain = placed
        width = _width(text, font)
        line = gain * _draw(text, font, width, weight)
        canvas[y0:y0 + height, x0:x0 + width] = line[:canvas.shape[0] - y0, :canvas.shape[1] - x0]
    return float(((ink - canvas) ** 2).sum())


def _capitals(words: list[str], title: str) -> list[str]:
    """A titled name's words each begin with a capital (applied after the fit: `tupu` may be Lupu);
    an l there is a capital I (the two differ only in height)."""
    if not title:
        return words
    return [("I" if w[:1] == "l" else w[:1].upper()) + w[1:] if w[:1].isalpha() else w for w in words]


def fit_line(ink: np.ndarray, text: str, font_name: str, size_pt: float, px_per_mm: float,
             title: str = "", blanked: np.ndarray | None = None) -> tuple[str, list[str]]:
    """The reading `text` of a printed line whose ink (float 0-1, at `px_per_mm`) is given, with
    the words whose variant explains the ink clearly better replaced, stray last words (specks
    read as a word) dropped and a `title` the line should begin with ("Dr.") put back when the ink
    holds it; and the changes ("old>new", ">title"). `blanked`: where the form's rule was blanked
    in the ink (the writing there is unknown)."""
    ink = cv2.GaussianBlur(ink.astype(np.float32), (0, 0), BLUR)
    seen = np.ones(ink.shape, bool) if blanked is None else ~cv2.dilate(
        blanked.astype(np.uint8), np.ones((2 * UNSEEN + 1, 1), np.uint8)).astype(bool)
    font = printer_font(font_name, size_pt, px_per_mm * SCALE)
    words = [w for w in text.split(" ") if w]
    if not words:
        return text, []
    first = _place(ink, " ".join(words), font, WEIGHTS)
    if first is None:
        titled = _capitals(words, title)
        return " ".join(titled), [f"{old}>{new}" for old, new in zip(words, titled) if old != new]
    put_back = []
    if title and words[0] != title:
        titled = _place(ink, " ".join([title] + words), font, (first[3],))
        before = _line_misfit(ink, " ".join(words), font, first)
        if _line_misfit(ink, " ".join([title] + words), font, titled) < before * (1 - MARGIN):
            words, first, put_back = [title] + words, titled, [f">{title}"]
    places = {" ".join(words): first}

    def placed() -> Placement | None:
        """The current reading's placement, its stroke weight as first found."""
        line = " ".join(w for w in words if w)
        if line not in places:
            places[line] = _place(ink, line, font, (first[3],))
        return places[line]

    read = list(words)
    for k in range(len(words)):
        for _ in range(ROUNDS):
            if not words[k] or placed() is None:
                break
            misread_title = {title} if k == 0 and title and len(words[0]) <= len(title) else set()  # âr.
            numbers = _numbers(words[k]) if k and words[k - 1] in ("nr.", "ap.") else set()
            choice = _best(ink, seen, font, words, k, _variants(words[k]) | misread_title | numbers, placed())
            margin = MARK_MARGIN if _below(choice.word) != _below(words[k]) else MARGIN
            if choice.word == words[k] or not choice.beats(margin):
                break
            words[k] = choice.word
        spellings = set().union(*(_known_near(w) for w in {words[k], read[k]}))  # each once
        if spellings and placed() is not None:  # a word the language does not know: the known ones near it
            close = {w for w in spellings if Levenshtein.distance(w, read[k]) == 1}
            for pool, margin in ((close, CLOSE_MARGIN), (spellings, LEXICON_MARGIN)):
                choice = _best(ink, seen, font, words, k, pool, placed(), -margin) if pool else None
                if choice is not None and choice.beats(margin):
                    words[k] = choice.word
                    break
    for k in range(len(words) - 1, 0, -1):  # stray words at the end (never the whole line)
        if placed() is None:
            break
        choice = _best(ink, seen, font, words, k, {""}, placed())
        if choice.word or not choice.beats(STRAY_MARGIN):
            break
        words[k] = ""
    last = max((k for k, w in enumerate(words) if w), default=0)
    if last < len(words) - 1:  # words dropped: the line ends where a comma cannot
        words[last] = words[last].rstrip(",;:") or words[last]
    if words[last][-1:] in ".," and len(words[last]) > 1 and placed() is not None:  # a speck read as a stop
        choice = _best(ink, seen, font, words, last, {words[last][:-1]}, placed())
        if choice.beats(MARGIN):
            words[last] = choice.word
    words = _capitals(words, title)
    changes = put_back + [f"{old}>{new}" for old, new in zip(read[len(put_back):], words[len(put_back):]) if old != new]
    return " ".join(w for w in words if w), changes
