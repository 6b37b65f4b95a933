"""Printed CAS codes matched against their rendering (formproc.scan.codes), and the choice
between the match and tesseract's reading (formproc.scan.text.correct)."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np

from formproc import catalogs
from formproc.layout import load_template
from formproc.scan.codes import MATCH, CodeMatch, match_code, rendering
from formproc.scan.text import TEXT_PX_PER_MM, correct

TPL = load_template("ccm-2025")
ON = date(2026, 6, 1)
CODES = [e.code for e in catalogs.catalog("cas").on(ON)]
FONT, SIZE = TPL.drawing.font, TPL.field("conventionCas").size or 9


def _line(code: str, blur: float = 0.0, blot: bool = False) -> np.ndarray:
    """A text line with a printed code on it (as formproc.scan.text hands it over), optionally
    blurred and with a stamp blot over its middle letters."""
    line = np.zeros((int(5 * TEXT_PX_PER_MM), int(44 * TEXT_PX_PER_MM)), np.float32)
    ink = rendering(code, FONT, SIZE, TEXT_PX_PER_MM)
    line[15:15 + ink.shape[0], 20:20 + ink.shape[1]] = ink
    if blot:
        cv2.circle(line, (20 + ink.shape[1] // 2, 25), 9, 1.0, -1)
    return cv2.GaussianBlur(line, (0, 0), blur) if blur else line


def test_printed_code_is_found_through_blur_and_a_blot():
    for code in ("CAS-MB", "CAS-MM", "CAS-IS", "CAS-AOPSNAJ"):
        m = match_code(_line(code, blur=1.2), CODES, FONT, SIZE, TEXT_PX_PER_MM)
        assert m is not None and m.code == code and m.score > 0.9 and m.margin > 0.02
    m = match_code(_line("CAS-TM", blur=1.0, blot=True), CODES, FONT, SIZE, TEXT_PX_PER_MM)
    assert m is not None and m.code == "CAS-TM" and m.score >= MATCH


def test_hand_writing_and_empty_lines_do_not_match():
    hand = np.zeros((int(5 * TEXT_PX_PER_MM), int(44 * TEXT_PX_PER_MM)), np.uint8)
    cv2.putText(hand, "Cas Ms", (20, 45), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.3, 255, 2)
    m = match_code(hand.astype(np.float32) / 255, CODES, FONT, SIZE, TEXT_PX_PER_MM)
    assert m is None or m.score < MATCH
    assert match_code(np.zeros((60, 500), np.float32), CODES, FONT, SIZE, TEXT_PX_PER_MM) is None


def test_match_and_reading_decide_together():
    spec = TPL.field("conventionCas")
    sure = CodeMatch("CAS-MB", 0.8, 0.6)
    assert correct(spec, "CAS-MB", [96], ON, sure)[:2] == ("CAS-MB", 0.99)
    value, conf, flags = correct(spec, "CAS-Ma", [40], ON, sure)  # tesseract garbled it
    assert value == "CAS-MB" and conf > 0.5 and flags == ["matched"]
    value, conf, _ = correct(spec, "CAS-MM", [96], ON, sure)  # tesseract surely read another code
    assert value == "CAS-MB" and conf < 0.5
    close = CodeMatch("CAS-MB", 0.7, 0.695)  # a runner-up as good: not sure
    assert correct(spec, "", [], ON, close)[1] < 0.5
    weak = CodeMatch("CAS-MB", MATCH - 0.1, 0.1)  # no printed code: tesseract's reading decides
    assert correct(spec, "CAS-IS", [96], ON, weak)[0] == "CAS-IS"
