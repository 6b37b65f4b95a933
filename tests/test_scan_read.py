"""Reading stages on small synthetic inputs: the colour gate for stamps and the rosette, the
printed-box font matcher, strike lines, text-line corrections and confidence, and the
registration's refinement."""

from __future__ import annotations

from datetime import date

import cv2
import pytest
import numpy as np

from formproc.layout import load_template
from formproc.scan.clean import channel_darkness, writing_gate
from formproc.scan.glyphs import PAD, PRINTED_MATCH, SHIFT, candidates, match_cell, templates, writing
from formproc.scan.read import strike_score
from formproc.scan.register import reference_for, register
from formproc.scan.text import TEXT_PX_PER_MM, _cas_code, correct, writing_region
from scan_helpers import sample_page

TPL = load_template("ccm-2025")
ON = date(2025, 9, 1)


def _patch(colour: tuple[int, int, int], alpha: float, paper=(247, 222, 228)) -> np.ndarray:
    """A page of `paper` with a square of ink blended in multiplicatively (as formproc.sample)."""
    page = np.full((60, 60, 3), paper, np.float32) / 255
    a = np.zeros((60, 60, 1), np.float32)
    a[20:40, 20:40] = alpha
    page = page * (1 - a) + np.float32(colour) / 255 * a * page
    return (page * 255).astype(np.uint8)


def _gate_at_centre(img: np.ndarray) -> float:
    d = [channel_darkness(img[:, :, c]) for c in range(3)]
    return float(writing_gate(*d)[30, 30])


def test_colour_gate_keeps_writing_and_drops_stamp_and_rosette():
    assert _gate_at_centre(_patch((95, 75, 175), 0.45)) > 0.9  # faint carbon on a pink copy
    assert _gate_at_centre(_patch((35, 55, 165), 1.0, (250, 250, 248))) > 0.9  # ballpoint
    assert _gate_at_centre(_patch((25, 25, 30), 1.0, (250, 250, 248))) > 0.9  # toner
    assert _gate_at_centre(_patch((80, 115, 235), 0.5)) < 0.1  # stamp-pad blue, as dark in red
    assert _gate_at_centre(_patch((242, 167, 191), 1.0, (250, 250, 248))) < 0.1  # the rosette


def test_font_matcher_reads_printed_cells_and_rejects_hand_shapes():
    glyphs = templates(TPL.drawing.font, 11.0)
    rng = np.random.default_rng(1)
    for ch in "0123456789CMOQ":
        cell = np.zeros((48, 40), np.float32)
        g = glyphs[ch]
        y, x = (48 - g.shape[0]) // 2 + 1, (40 - g.shape[1]) // 2 - 1
        cell[y:y + g.shape[0], x:x + g.shape[1]] = g
        cell = np.clip(cv2.GaussianBlur(cell, (0, 0), 0.7) + rng.normal(0, 0.05, cell.shape), 0, 1)
        cell[2, 3] = 1.0  # a speck of stamp beside the glyph does not matter
        scores = match_cell(writing(cell), TPL.drawing.font, 11.0, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        assert candidates(scores)[0][0] == ch and max(scores.values()) > PRINTED_MATCH
    # a hand-drawn cross is not a printed character
    cross = np.zeros((48, 40), np.float32)
    cv2.line(cross, (8, 10), (32, 38), 1.0, 3)
    cv2.line(cross, (30, 8), (10, 40), 1.0, 3)
    assert max(match_cell(writing(cross), TPL.drawing.font, 11.0, "0123456789").values()) < PRINTED_MATCH
    # a part of a glyph (the bar of an E) is not the whole glyph "-"
    e = np.zeros((48, 40), np.float32)
    g = glyphs["E"]
    e[10:10 + g.shape[0], 8:8 + g.shape[1]] = g
    assert candidates(match_cell(writing(e), TPL.drawing.font, 11.0, "E-F"))[0][0] == "E"


def test_font_matcher_scores_are_opencvs_normalised_correlation():
    """The batched correlation gives what cv2.TM_CCOEFF_NORMED gives, glyph by glyph."""
    glyphs = templates(TPL.drawing.font, 11.0)
    rng = np.random.default_rng(3)
    ink = np.clip(cv2.GaussianBlur(np.pad(glyphs["8"], ((3, 5), (4, 2))), (0, 0), 0.8)
                  + rng.normal(0, 0.05, (glyphs["8"].shape[0] + 8, glyphs["8"].shape[1] + 6)), 0, 1)
    tight = writing(ink.astype(np.float32))
    scores = match_cell(tight, TPL.drawing.font, 11.0, "0123456789MW-")
    assert set(scores) == set("0123456789MW-")
    for ch, score in scores.items():
        t = glyphs[ch]
        h, w = max(t.shape[0], tight.shape[0] + 2 * PAD), max(t.shape[1], tight.shape[1] + 2 * PAD)
        canvas = np.zeros((h + 2 * SHIFT, w + 2 * SHIFT), np.float32)
        y, x = (canvas.shape[0] - tight.shape[0]) // 2, (canvas.shape[1] - tight.shape[1]) // 2
        canvas[y:y + tight.shape[0], x:x + tight.shape[1]] = tight
        centred = np.zeros((h, w), np.float32)
        y, x = (h - t.shape[0]) // 2, (w - t.shape[1]) // 2
        centred[y:y + t.shape[0], x:x + t.shape[1]] = t
        assert score == pytest.approx(cv2.matchTemplate(canvas, centred, cv2.TM_CCOEFF_NORMED).max(), abs=1e-5)


def test_strike_line_scores_above_a_blot():
    ink = np.zeros((40, 200), np.float32)
    cv2.line(ink, (5, 20), (195, 21), 1.0, 3)
    blot = np.zeros((40, 200), np.float32)
    cv2.circle(blot, (100, 20), 15, 1.0, -1)
    px = 8.0  # the canonical pixels per mm
    assert strike_score(ink, 0, 0, 200 / px, 40 / px) > 0.8
    assert strike_score(blot, 0, 0, 200 / px, 40 / px) < 0.15


def test_text_corrections_and_confidence():
    address, doctor = TPL.field("address"), TPL.field("doctorName")
    value, conf, flags = correct(address, "lași. Str. Lăpușneanu nr.3", [96, 95, 97, 96], ON)
    assert value == "Iași, Str. Lăpușneanu nr. 3" and conf > 0.7 and flags == ["corrected"]
    assert correct(doctor, "Dr. lonescu Elena", [96, 96, 96], ON)[0] == "Dr. Ionescu Elena"
    assert correct(TPL.field("ward"), "Medicină internă", [96, 96], ON)[0] == "Medicină internă"
    # one doubtful word: the line is not trusted
    assert correct(address, "Iași, Str. Florilor nr. 45", [96, 96, 70, 96, 96], ON)[1] < 0.5
    # a CAS code is matched to the catalog; one character off is a low-confidence correction
    assert _cas_code("CAȘ-IS", ON) == ("CAS-IS", True)
    assert correct(TPL.field("insuredOrgUnit"), "CAS-G]", [90], ON)[0] == "CAS-GJ"
    value, conf, flags = correct(TPL.field("insuredOrgUnit"), "CAS-ISS", [96], ON)
    assert value == "CAS-IS" and conf < 0.5 and "corrected" in flags
    assert correct(TPL.field("insuredOrgUnit"), "Ce-a în", [96], ON)[2] == ["invalid"]
    # money: look-alike letters become digits, but the value is then not trusted
    value, conf, _ = correct(TPL.field("baseAmount"), "27670,0O", [97], ON)
    assert value == "27670,00" and conf < 0.5
    assert correct(TPL.field("baseAmount"), "1844,67", [97], ON)[1] > 0.8


def test_text_corrections_for_stamp_and_tesseract_habits():
    address, doctor, unit = TPL.field("address"), TPL.field("doctorName"), TPL.field("unitType")
    # a stamp's edge read as a quotation mark, a trailing comma, D read as O
    assert correct(doctor, "“Or. Popescu Ana", [96, 96, 96], ON)[0] == "Dr. Popescu Ana"
    assert correct(doctor, "br. Lupu Dan", [96, 96, 96], ON)[0] == "Dr. Lupu Dan"
    assert correct(doctor, "Dragomir Ana", [96, 96], ON)[0] == "Dragomir Ana"
    assert correct(unit, "Spitalul Municipal,", [96, 96], ON)[0] == "Spitalul Municipal"
    assert correct(unit, 'SC "Sănătatea" SRL', [96, 96, 96], ON)[0] == 'SC "Sănătatea" SRL'
    # j/J in a capitalised line, but not the county's abbreviation
    assert correct(unit, "Spitalul Clinic județean", [96, 96, 96], ON)[0] == "Spitalul Clinic Județean"
    assert correct(address, "Iași, Str. Florilor nr. 4, jud. Iași", [96] * 7, ON)[0] \
        == "Iași, Str. Florilor nr. 4, jud. Iași"
    # the number after nr./ap. is digits ($ is how tesseract reads a 5)
    assert correct(TPL.field("payerName"), "Școala Gimnazială nr. S", [96, 96, 96, 60], ON)[0] \
        == "Școala Gimnazială nr. 5"
    assert correct(address, "Str. Florilor nr.4O, ap. l2", [96] * 5, ON)[0] == "Str. Florilor nr. 40, ap. 12"
    # digits-only fields lose trailing dots; a CAS code with a digit for I is still found
    assert correct(TPL.field("conventionNo"), "62607...", [96], ON)[0] == "62607"
    assert correct(TPL.field("conventionCas"), "CAS:1S", [96], ON)[0] == "CAS-IS"
    # no catalog code at all: no value is taken (the reading stays in raw)
    assert correct(TPL.field("casIssuer"), "SIT", [96], ON)[:2] == (None, 0.0)
    # abbreviations whose full stop was lost or read as a comma; nc. before a number is nr.
    assert correct(address, "Iași, Str, Lăpușneanu nr. 132", [96] * 5, ON)[0] == "Iași, Str. Lăpușneanu nr. 132"
    assert correct(address, "Suceava, Calea Victoriei nc. 3", [96] * 5, ON)[0] == "Suceava, Calea Victoriei nr. 3"
    assert correct(address, "Suceava, Calea Victoriei ne. 3", [96] * 5, ON)[0] == "Suceava, Calea Victoriei nr. 3"
    value, conf, flags = correct(TPL.field("conventionNo"), "33992, API", [96, 90], ON)  # specks after a comma
    assert value == "33992" and conf < 0.5 and flags == ["corrected"]
    assert correct(unit, "CMI Dr Popescu Ana", [96] * 4, ON)[0] == "CMI Dr. Popescu Ana"
    assert correct(unit, "SC Exemplu SRL", [96] * 3, ON)[0] == "SC Exemplu SRL"
    assert correct(TPL.field("expertName"), "-Dr. Lupu Dan", [66, 95, 95], ON)[0] == "Dr. Lupu Dan"
    assert correct(TPL.field("serialCode"), "CCMC)J", [66], ON)[::2] == ("CCMCJ", ["corrected"])


def test_writing_region_drops_specks_beside_the_words():
    drawn = np.zeros((int(5.5 * TEXT_PX_PER_MM), 600), np.uint8)
    cv2.putText(drawn, "Chirurgie", (10, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    line = drawn.astype(np.float32) / 255
    for k, x in enumerate(range(350, 590, 30)):  # isolated stamp and rosette specks on the right
        y = 8 + 17 * (k % 3)
        line[y:y + 4, x:x + 4] = 1.0
    kept = writing_region(line)
    assert kept is not None
    assert kept[:, :300].sum() == line[:, :300].sum()  # the word is untouched
    assert kept[:, 350:].sum() == 0  # the specks are gone
    specks_only = line.copy()
    specks_only[:, :300] = 0
    assert writing_region(specks_only) is None


def test_registration_refines_to_the_pixel():
    ref = reference_for(TPL)
    s = sample_page(13, mode="printed", copy="green", turn=270)
    reg = register(s.image, ref)
    assert reg.aligned and reg.method.endswith("+refined")
    # the blank's printed marks fall on the warped page's dark pixels
    dark = reg.warped[:, :, 0] < 150
    marks = ref.gray < 120
    assert float((dark & marks).sum()) / float(marks.sum()) > 0.6


def test_stamp_traces_beside_printed_glyphs_are_left_out_of_their_match():
    from formproc.render.printing import box_font_size
    from formproc.scan.clean import CleanPage
    from formproc.scan.decode import charset
    from formproc.scan.icr import load_model
    from formproc.scan.read import cell_rects, read_boxes
    from formproc.scan.register import PX_PER_MM

    spec = TPL.field("stencil")
    glyphs = templates(TPL.drawing.boxFont, round(box_font_size(spec), 2))
    h, w = int((spec.y + spec.h + 10) * PX_PER_MM), int((spec.x + spec.w + 10) * PX_PER_MM)
    ink = np.zeros((h, w), np.float32)
    text = "C86956"
    for ch, (x, y, cw, ch_h) in zip(text, cell_rects(spec)):
        g = glyphs[ch]
        cy, cx = int((y + ch_h / 2) * PX_PER_MM), int((x + cw / 2) * PX_PER_MM)
        ink[cy - g.shape[0] // 2:cy - g.shape[0] // 2 + g.shape[0], cx - g.shape[1] // 2:cx - g.shape[1] // 2 + g.shape[1]] = g
    # a stamp's line ends below the third glyph, inside its box: a blob of a third of its ink
    x, y, cw, ch_h = cell_rects(spec)[2]
    cx, bottom = int((x + cw / 2) * PX_PER_MM), int((y + ch_h) * PX_PER_MM)
    ink[bottom - 5:bottom - 1, cx - 9:cx + 10] = 1.0
    page = CleanPage(ink, np.zeros((h, w), bool), 1.0, (250, 250, 250), np.full((h, w, 3), 250, np.uint8))
    read = read_boxes([spec], page, load_model(), charset, (TPL.drawing.boxFont,))["stencil"]
    assert read.writing == "print"
    assert read.raw == text
    assert read.cells[2].candidates[0][1] > 0.9


def test_placement_finds_where_the_printer_put_a_glyph():
    """Glyphs put where the printer puts them (each character's ink centre off the baseline's
    middle by its own offset) are found at one place, whatever the character; moved glyphs are found moved."""
    from formproc.render.printing import box_font_size
    from formproc.scan.glyphs import anchor_offsets, placement

    size = round(box_font_size(TPL.field("stencil")), 2)
    glyphs, offsets = templates(TPL.drawing.boxFont, size), anchor_offsets(TPL.drawing.boxFont, size)
    base_y, base_x = offsets["0"]  # the printer's place, as the digit 0 shows it
    for ch in "B8Q17":
        for dy, dx in ((0, 0), (2, -3), (-1, 1)):
            cell = np.zeros((48, 36), np.float32)
            g, (oy, ox) = glyphs[ch], offsets[ch]
            y = int(round(24 + oy - base_y - g.shape[0] / 2)) + dy
            x = int(round(18 + ox - base_x - g.shape[1] / 2)) + dx
            cell[y:y + g.shape[0], x:x + g.shape[1]] = g
            found = placement(cell, glyphs, offsets, "0123456789ABQ", 6)
            assert found is not None
            assert abs(found[0] + base_y - dy) <= 0.5 and abs(found[1] + base_x - dx) <= 0.5, (ch, dy, dx, found)
    assert placement(np.zeros((48, 36), np.float32), glyphs, offsets, "0123456789", 6) is None

