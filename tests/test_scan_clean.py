"""Ink scale of a cleaned page and the colour of a struck word (formproc.scan.clean, .read)."""

from __future__ import annotations

import cv2
import numpy as np

from formproc.layout import load_template
from formproc.scan.clean import INK_LEVEL, CleanPage, clean, form_mask, writing_darkness, writing_strength
from formproc.scan.read import STRIKE, read_options
from formproc.scan.register import PX_PER_MM

PINK = (247, 222, 228)


def _paint(img: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int], alpha: float) -> None:
    a = (mask.astype(np.float32) * alpha)[..., None]
    paper = img.astype(np.float32) / 255
    img[:] = np.clip((paper * (1 - a) + np.float32(colour) / 255 * a * paper) * 255, 0, 255).astype(np.uint8)


def test_a_few_strong_pen_areas_do_not_set_the_ink_scale():
    img = np.full((400, 600, 3), PINK, np.uint8)
    faint = np.zeros(img.shape[:2], np.uint8)
    strong = np.zeros(img.shape[:2], np.uint8)
    areas = []
    for i in range(12):  # twelve carbon-written areas, two of them with a ballpoint correction
        x, y = 20 + (i % 6) * 95, 40 + (i // 6) * 180
        areas.append((x, y, 80, 80))
        target = strong if i in (3, 8) else faint
        cv2.line(target, (x + 10, y + 40), (x + 70, y + 40), 1, 3)
        cv2.line(target, (x + 40, y + 10), (x + 40, y + 70), 1, 3)
    _paint(img, faint, (95, 75, 175), 0.55)
    _paint(img, strong, (35, 55, 165), 1.0)
    form = np.zeros(img.shape[:2], bool)
    dark = writing_darkness(img)
    carbon_only = float(np.percentile(dark[faint > 0], 97))
    assert abs(writing_strength(dark, form, areas) - carbon_only) < 0.05
    page = clean(img, form, areas)
    assert (page.ink[faint > 0] > INK_LEVEL).mean() > 0.9  # the carbon strokes stay ink
    # the correction's edges are not stretched into a much wider stroke than it is
    assert (page.ink > INK_LEVEL)[strong > 0].mean() > 0.9
    assert (page.ink > INK_LEVEL).sum() < 1.6 * ((faint > 0).sum() + (strong > 0).sum())


def _struck_word_page(line_colour: tuple[int, int, int]) -> tuple[CleanPage, object]:
    spec = load_template("ccm-2025").field("certType")
    px = PX_PER_MM
    h, w = int((spec.y + spec.h + 8) * px), int((spec.x + spec.w + 8) * px)
    img = np.full((h, w, 3), PINK, np.uint8)
    edges = np.zeros((h, w), np.uint8)
    for o in spec.options:  # leftover edges of the printed words, not covered by the form mask
        y = int((o.y + o.h / 2) * px)
        for x in range(int(o.x * px) + 2, int((o.x + o.w) * px) - 2, 4):
            cv2.line(edges, (x, y - 1), (x + 2, y - 1), 1, 1)
    _paint(img, edges, (20, 20, 20), 1.0)
    struck = next(o for o in spec.options if o.value == "IN")
    line = np.zeros((h, w), np.uint8)
    y = int((struck.y + struck.h / 2) * px)
    cv2.line(line, (int(struck.x * px), y + 2), (int((struck.x + struck.w) * px), y + 2), 1, 3)
    _paint(img, line, line_colour, 0.6)
    dark = writing_darkness(img)
    page = CleanPage(np.clip(dark / 0.4, 0, 1).astype(np.float32), np.zeros((h, w), bool), 0.4, PINK, img)
    return page, spec


def test_a_coloured_strike_is_read_apart_from_the_printed_words_edges():
    page, spec = _struck_word_page((95, 75, 175))
    read = read_options(spec, page)
    assert read.raw == "IN"
    assert read.coverage["AM"] < STRIKE <= read.coverage["IN"]


def test_a_toner_strike_falls_back_to_all_ink():
    page, spec = _struck_word_page((25, 25, 30))
    assert "IN" in read_options(spec, page).raw.split(",")


def _blank_page_with_strike(struck_value: str | None) -> tuple[CleanPage, object]:
    """The rendered blank on pink paper, blurred as a 150 dpi scan, a strike line in a grey that
    shows no colour (carbon whose colour a JPEG lost) over one word, or none."""
    from formproc.scan.register import reference_for

    template = load_template("ccm-2025")
    spec = template.field("certType")
    blank = reference_for(template).gray
    img = np.repeat(blank[..., None], 3, axis=2).astype(np.float32) / 255 * np.float32(PINK)
    img = img.astype(np.uint8)
    if struck_value is not None:
        opt = next(o for o in spec.options if o.value == struck_value)
        line = np.zeros(blank.shape, np.uint8)
        y = int((opt.y + opt.h / 2) * PX_PER_MM)
        cv2.line(line, (int(opt.x * PX_PER_MM), y), (int((opt.x + opt.w) * PX_PER_MM), y), 1, 3)
        _paint(img, line, (90, 90, 95), 0.5)
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    dark = writing_darkness(img)
    page = CleanPage(np.clip(dark / 0.4, 0, 1).astype(np.float32), form_mask(blank), 0.4, PINK, img,
                     blank=blank)
    return page, spec


def test_a_colourless_strike_over_a_blurred_word_is_told_from_the_words_own_print():
    # all the ink outside the printed marks (the fallback without the blank) reads both words struck
    page, spec = _blank_page_with_strike("IN")
    read = read_options(spec, page)
    assert read.raw == "IN"
    assert read.coverage["AM"] < STRIKE / 2
    page, spec = _blank_page_with_strike(None)
    assert read_options(spec, page).raw == ""
