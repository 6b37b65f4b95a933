"""Printed text readings put to the test of their rendering (formproc.scan.printfit), on the ink of
generated pages as the scanner cleans it."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

from formproc.layout import load_template
from formproc.scan import fonts
from formproc.scan.codes import rendering
from formproc.scan.load import Page
from formproc.scan.pipeline import FITTED, _decode_text, scan_page
from formproc.scan.printfit import fit_line
from formproc.scan.read import FieldRead
from formproc.scan.text import TEXT_PX_PER_MM, line_image

from scan_helpers import sample_page

TPL = load_template("ccm-2025")
FONT = TPL.drawing.font


@pytest.fixture(scope="module")
def page():
    """A printed green carbon copy at 150 dpi (doctor: Dr. Lupu Dan) and its cleaned ink."""
    s = sample_page(8, mode="printed", copy="green")
    result = scan_page(Page("p.png", s.image), "ccm-2025", keep_ink=True)
    return s, result.page_ink


def _ink(clean, name: str) -> np.ndarray:
    img, _, _ = line_image(TPL.field(name), clean)
    assert img is not None
    return (255.0 - img.astype(np.float32)) / 255.0


def _fit(ink: np.ndarray, name: str, reading: str) -> tuple[str, list[str]]:
    return fit_line(ink, reading, FONT, TPL.field(name).size or 9, TEXT_PX_PER_MM)


def test_look_alike_misreadings_are_put_right(page):
    s, clean = page
    assert s.record.doctorName == "Dr. Lupu Dan"
    ink = _ink(clean, "doctorName")
    assert _fit(ink, "doctorName", "Dr. tupu Dan") == ("Dr. Lupu Dan", ["tupu>Lupu"])
    assert _fit(ink, "doctorName", "Dr. Lupu Dăn")[0] == "Dr. Lupu Dan"
    # the rosette's colour gate eats the upper part of the L's stem (what tesseract then reads as a t)
    cols = np.flatnonzero((ink > 0.5).any(axis=0))
    x = int(cols[1:][np.diff(cols) > 4][0])  # the first column after the gap behind "Dr."
    rows = np.flatnonzero((ink[:, x:x + 4] > 0.5).any(axis=1))
    torn = ink.copy()
    torn[:rows[0] + int(0.4 * len(rows)), x - 2:x + 6] = 0.0
    assert _fit(torn, "doctorName", "Dr. tupu Dan")[0] == "Dr. Lupu Dan"


def test_right_readings_are_left_as_they_are(page):
    s, clean = page
    record = s.record.to_json_dict()
    lines = [f.name for f in TPL.fields if f.kind == "text" and not f.preprinted and f.name in s.printed
             and isinstance(record.get(f.name), str) and f.format != "money"]
    assert len(lines) >= 4
    for name in lines:
        assert _fit(_ink(clean, name), name, record[name]) == (record[name], []), name


def test_a_stray_last_word_is_dropped(page):
    s, clean = page
    ink = _ink(clean, "unitType")
    assert _fit(ink, "unitType", s.record.unitType + " nai")[0] == s.record.unitType


def test_hand_writing_is_not_refitted():
    """A line written by hand does not match the printer's rendering: its reading stays."""
    line = np.zeros((int(5.5 * TEXT_PX_PER_MM), int(70 * TEXT_PX_PER_MM)), np.float32)
    for font in fonts.available(fonts.HAND_FONTS):
        written = fonts.text_mask("Dr. Lupu Dan", font, int(3.2 * TEXT_PX_PER_MM)).astype(np.float32)
        written /= max(float(written.max()), 1.0)
        ink = line.copy()
        h, w = min(written.shape[0], ink.shape[0] - 10), min(written.shape[1], ink.shape[1] - 20)
        ink[5:5 + h, 20:20 + w] = written[:h, :w]
        ink = cv2.GaussianBlur(ink, (0, 0), 0.8)
        assert _fit(ink, "doctorName", "Dr. tupu Dan") == ("Dr. tupu Dan", []), font


def test_a_refitted_reading_is_flagged_and_not_trusted():
    spec = TPL.field("doctorName")
    line = np.zeros((int(5.5 * TEXT_PX_PER_MM), int(70 * TEXT_PX_PER_MM)), np.float32)
    ink = rendering("Dr. Matei Sorin", FONT, spec.size, TEXT_PX_PER_MM)
    line[10:10 + ink.shape[0], 20:20 + ink.shape[1]] = ink
    read = FieldRead("doctorName", "text", (spec.x, spec.y, spec.w, spec.h), raw="“Dr. Mhtei Sorin",
                     word_confidences=[99.0, 99.0, 99.0], line=cv2.GaussianBlur(line, (0, 0), 1.0))
    decoded = _decode_text(spec, read, date(2026, 6, 1), FONT)
    assert decoded.text == "Dr. Matei Sorin" and decoded.raw == "“Dr. Mhtei Sorin"
    assert "fitted" in decoded.flags and decoded.confidence <= FITTED < 0.5
    assert decoded.evidence["fitted"] == ["Mhtei>Matei"]
    read.raw = "“Dr. Matei Sorin"  # a right reading keeps tesseract's confidence
    decoded = _decode_text(spec, read, date(2026, 6, 1), FONT)
    assert decoded.text == "Dr. Matei Sorin" and decoded.confidence > 0.9 and "fitted" not in decoded.flags


def test_a_lost_title_is_put_back_only_where_the_ink_holds_it(page):
    s, clean = page
    ink = _ink(clean, "doctorName")
    size = TPL.field("doctorName").size
    assert fit_line(ink, "Lupu Dan", FONT, size, TEXT_PX_PER_MM, "Dr.") == ("Dr. Lupu Dan", [">Dr."])
    assert fit_line(ink, "Dr. Lupu Dan", FONT, size, TEXT_PX_PER_MM, "Dr.") == ("Dr. Lupu Dan", [])
    unit = s.record.unitType
    assert not unit.startswith("Dr.")
    assert _fit(_ink(clean, "unitType"), "unitType", unit)[0] == unit
    assert fit_line(_ink(clean, "unitType"), unit, FONT, TPL.field("unitType").size, TEXT_PX_PER_MM, "Dr.")[0] == unit


def _rendered_line(text: str, name: str) -> np.ndarray:
    """A printed line's ink as the scanner cleans it: the print's rendering, blurred a little."""
    line = np.zeros((int(5.5 * TEXT_PX_PER_MM), int(95 * TEXT_PX_PER_MM)), np.float32)
    ink = rendering(text, FONT, TPL.field(name).size, TEXT_PX_PER_MM)
    line[10:10 + ink.shape[0], 20:20 + ink.shape[1]] = ink
    return cv2.GaussianBlur(line, (0, 0), 1.0)


def test_a_word_the_language_does_not_know_gives_way_to_a_known_one_the_ink_shows(monkeypatch):
    ink = _rendered_line("Centrul Medical Sănătatea", "unitType")
    assert _fit(ink, "unitType", "Centrul Medical Sândtatea") == ("Centrul Medical Sănătatea",
                                                                  ["Sândtatea>Sănătatea"])
    ink = _rendered_line("Spitalul Municipal", "unitType")
    assert _fit(ink, "unitType", "Spitalui Municipal") == ("Spitalul Municipal", ["Spitalui>Spitalul"])
    monkeypatch.setattr("formproc.scan.printfit.near", lambda word: [])
    assert _fit(_rendered_line("Centrul Medical Sănătatea", "unitType"), "unitType",
                "Centrul Medical Sândtatea")[0] != "Centrul Medical Sănătatea"


def test_an_unknown_word_the_ink_holds_stays():
    """Names the word list lacks (Bârzescu; Mârzescu is known, one letter away) stay as printed."""
    for text in ("Dr. Bârzescu Dan", "Dr. Stoicănescu Ana"):
        assert _fit(_rendered_line(text, "doctorName"), "doctorName", text) == (text, [])


def test_a_stop_or_comma_the_ink_lacks_does_not_end_the_line():
    ink = _rendered_line("CMI Dr. Radu Mihai", "unitType")
    assert _fit(ink, "unitType", "CMI Dr. Radu Mihai.") == ("CMI Dr. Radu Mihai", ["Mihai.>Mihai"])
    ink = _rendered_line("Policlinica Centru", "unitType")
    assert _fit(ink, "unitType", "Policlinica Centru, 7")[0] == "Policlinica Centru"
    ink = _rendered_line("Iași, Str. Florilor nr.", "address")  # a stop that is printed stays
    assert _fit(ink, "address", "Iași, Str. Florilor nr.") == ("Iași, Str. Florilor nr.", [])


def _thick(ink: np.ndarray) -> np.ndarray:
    """Toner spread: strokes thickened until an i's dot touches its stem."""
    return cv2.GaussianBlur(cv2.dilate(ink, np.ones((3, 3), np.uint8)), (0, 0), 1.0)


def test_a_known_word_wins_where_the_two_spellings_differ():
    """Thick print closes the gap under an i's dot and a comma below is a small part of a word:
    the whole word's misfit hardly tells cei from cel or S from Ș, the ink where they differ does."""
    ink = _thick(_rendered_line("Cluj-Napoca, Str. Ștefan cel Mare nr. 155", "address"))
    assert _fit(ink, "address", "Cluj-Napoca, Str. Ștefan cei Mare nr. 155") == (
        "Cluj-Napoca, Str. Ștefan cel Mare nr. 155", ["cei>cel"])
    ink = _rendered_line("Școala Gimnazială nr. 5", "payerName")
    assert _fit(ink, "payerName", "Scoala Gimnazială nr. 5") == ("Școala Gimnazială nr. 5", ["Scoala>Școala"])


def test_a_mark_where_the_form_rule_was_blanked_is_not_taken_away():
    """The comma below a ț lies on the field's rule, which the cleaning blanks: there the ink is
    unknown, so its absence is no evidence against the comma."""
    ink = _rendered_line("Spitalul Clinic Județean", "unitType")
    comma = ink - _rendered_line("Spitalul Clinic Judetean", "unitType")
    rows = np.flatnonzero((comma > 0.2).any(axis=1))
    blanked = np.zeros(ink.shape, bool)
    blanked[rows[0]:rows[-1] + 1] = True
    ink[blanked] = 0.0
    spec = TPL.field("unitType")
    assert fit_line(ink, "Spitalul Clinic Județean", FONT, spec.size, TEXT_PX_PER_MM, "", blanked) == (
        "Spitalul Clinic Județean", [])


def test_a_misread_title_and_small_initials_of_a_doctor_are_put_right():
    ink = _rendered_line("Dr. Ionescu Elena", "doctorName")
    assert fit_line(ink, "âr. ionescu Elena", FONT, TPL.field("doctorName").size, TEXT_PX_PER_MM, "Dr.") == (
        "Dr. Ionescu Elena", ["âr.>Dr.", "ionescu>Ionescu"])
    # a line the rendering cannot be placed on (blurred away) still gets its name's capitals
    assert fit_line(np.zeros_like(ink), "ionescu Elena", FONT, TPL.field("doctorName").size, TEXT_PX_PER_MM,
                    "Dr.") == ("Ionescu Elena", ["ionescu>Ionescu"])

