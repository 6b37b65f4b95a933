"""Synthetic hand-writing (formproc.scan.fonts): every Romanian letter is written, none is the
font's missing-glyph box."""

from __future__ import annotations

import numpy as np
import pytest

from formproc.scan import fonts

LETTERS = "ăâîșțĂÂÎȘȚ"


@pytest.mark.parametrize("font", fonts.available(fonts.HAND_FONTS), ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_romanian_letter_is_written_in_every_hand_font(font):
    box = fonts.text_mask("\uffff", font, 30) > 40  # the font's missing-glyph box
    for letter in LETTERS:
        drawn = fonts.text_mask(letter, font, 30) > 40
        base = fonts.text_mask(letter.translate(str.maketrans(LETTERS, "aaistAAIST")), font, 30) > 40
        # the letter is its base letter and a mark above or below
        assert drawn.shape != base.shape or (drawn != base).any(), (font, letter)
        assert drawn.shape != box.shape or (drawn != box).any(), (font, letter)


def test_a_letter_the_font_lacks_gets_its_mark_by_hand():
    humor = fonts.font_file("Humor Sans")
    assert not fonts.has_glyph(humor, "ș") and fonts.has_glyph(humor, "s")
    comma = fonts.text_mask("ș", humor, 30) > 40
    plain = fonts.text_mask("s", humor, 30) > 40
    below = comma[plain.shape[0] + 2:]
    assert below.any() and np.flatnonzero(below.any(axis=0)).size < comma.shape[1]  # a comma, not a bar
