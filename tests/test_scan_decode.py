"""Constraint decoding of boxed fields: grammar-guided beam search, confidence, joint leave rows."""

from datetime import date

from formproc.identity import is_valid_cnp, make_cnp
from formproc.layout import load_template
from formproc.scan.decode import Decoded, decode_boxes, reconcile_leave
from formproc.scan.icr import CellInk, blank_probability
from formproc.scan.read import CellRead, FieldRead

TPL = load_template("ccm-2025")
ON = date(2025, 6, 10)
INK = CellInk(0.1, 1, (0.2, 0.2, 0.6, 0.6), 0.0)


def _read(name: str, cells: list[list[tuple[str, float]]]) -> FieldRead:
    spec = TPL.field(name)
    cells = cells + [[(" ", 0.98), ("1", 0.02)]] * ((spec.cells or 0) - len(cells))
    fr = FieldRead(name, "boxes", (spec.x, spec.y, spec.w, spec.h), cells=[CellRead(c, INK) for c in cells])
    fr.raw = "".join(c[0][0] for c in cells).strip()
    return fr


def _sure(text: str, p: float = 0.995) -> list[list[tuple[str, float]]]:
    return [[(ch, p), ("7" if ch != "7" else "1", 1 - p)] for ch in text]


def test_clear_cnp_is_read_with_high_confidence():
    cnp = make_cnp(date(1984, 3, 9), True, "22", 17)
    d = decode_boxes(TPL.field("pid"), _read("pid", _sure(cnp)), ON)
    assert d.text == cnp and d.confidence > 0.8 and d.flags == []


def test_cnp_checksum_repairs_doubtful_digits_deep_in_the_ranking():
    cnp = make_cnp(date(1979, 11, 23), False, "40", 305)
    cells = _sure(cnp)
    # three doubtful digits whose truth is only the second or third candidate
    for i, wrong in ((8, "8"), (10, "5"), (11, "2")):
        others = [c for c in "0123456789" if c not in (cnp[i], wrong)][:1]
        cells[i] = [(wrong, 0.5), (others[0], 0.26), (cnp[i], 0.24)]
    d = decode_boxes(TPL.field("pid"), _read("pid", cells), ON)
    assert d.text is not None and is_valid_cnp(d.text)
    assert "corrected" in d.flags
    assert d.text == cnp or d.confidence < 0.5  # a repair it cannot be sure of is not trusted


def test_cnp_with_impossible_birth_date_is_not_chosen():
    cnp = make_cnp(date(1990, 2, 28), False, "12", 44)
    cells = _sure(cnp)
    cells[5] = [("3", 0.6), (cnp[5], 0.4)]  # 30 February is not a date
    d = decode_boxes(TPL.field("pid"), _read("pid", cells), ON)
    assert d.text == cnp


def test_a_cnp_is_a_living_persons():
    """Born after the certificate (2040) or over 120 years before it (1840): no patient's CNP, not
    a reading the decoder chooses, nor a value the corrected samples are given."""
    from formproc.scan.decode import validator

    ok = validator(TPL.field("pid"), ON)
    assert ok(make_cnp(date(1984, 3, 9), True, "22", 17))
    assert ok(make_cnp(date(1984, 3, 9), True, "22", 17, foreign=True))
    assert not ok(make_cnp(date(2040, 9, 2), True, "12", 208))
    assert not ok(make_cnp(date(1840, 9, 2), True, "42", 208))
    cnp = make_cnp(date(1940, 9, 2), True, "12", 208)  # its 2 read less likely than a 4 (born 1840)
    cells = _sure(cnp)
    cells[0] = [("4", 0.7), (cnp[0], 0.3)]
    assert decode_boxes(TPL.field("pid"), _read("pid", cells), ON).text == cnp


def test_a_digit_read_as_a_blank_box_inside_a_written_cnp_is_found():
    """A 1 in a fine pen leaves too little ink for the recogniser, which takes the box for empty
    and does not rank a 1 at all; a written CNP has a digit in every box, the check digit finds it."""
    cnp = make_cnp(date(1985, 4, 18), True, "01", 17)
    assert cnp[8] == "1"
    cells = _sure(cnp)
    cells[8] = [(" ", 0.994), ("8", 0.004), ("6", 0.001)]
    d = decode_boxes(TPL.field("pid"), _read("pid", cells), ON)
    assert d.text == cnp and "corrected" in d.flags
    # an empty CNP field with specks in a few boxes stays empty
    empty = [[(" ", 0.99), ("1", 0.01)]] * 3
    assert decode_boxes(TPL.field("pid"), _read("pid", empty), ON).text is None


def test_invalid_reading_keeps_raw_text_with_low_confidence():
    cells = [[(ch, 0.99)] for ch in "1234567890123"]
    d = decode_boxes(TPL.field("pid"), _read("pid", cells), ON)
    assert d.flags == ["invalid"] and d.confidence < 0.5 and d.text == "1234567890123"


def test_ambiguous_date_gets_low_confidence():
    cells = _sure("120625")
    cells[1] = [("2", 0.5), ("7", 0.48)]  # 12 or 17 June: both real dates
    d = decode_boxes(TPL.field("issueDate"), _read("issueDate", cells), ON)
    assert d.text in ("120625", "170625") and "ambiguous" in d.flags and d.confidence < 0.55
    assert [t for t, _ in d.alternatives[:2]] == ["120625", "170625"]


def test_impossible_date_is_corrected_to_a_real_one():
    cells = _sure("310625")
    cells[0] = [("3", 0.55), ("2", 0.44)]  # 31 June does not exist
    d = decode_boxes(TPL.field("validFrom"), _read("validFrom", cells), ON)
    assert d.text == "210625" and "corrected" in d.flags


def test_stencil_alphabet_and_pattern():
    cells = _sure("A12345")
    d = decode_boxes(TPL.field("stencil"), _read("stencil", cells), ON)
    assert d.text == "A12345" and d.confidence > 0.55  # no checksum: only as sure as its boxes
    gap = _sure("A12") + [[(" ", 0.9), ("4", 0.1)]] + _sure("45")
    d = decode_boxes(TPL.field("stencil"), _read("stencil", gap), ON)
    assert d.text == "A12445"  # a blank box inside a stencil is not allowed


def test_stencil_with_a_letter_among_the_digits_is_not_trusted():
    cells = _sure("BJ1378", 0.97)
    d = decode_boxes(TPL.field("stencil"), _read("stencil", cells), ON)
    assert d.confidence < 0.5
    d = decode_boxes(TPL.field("stencil"), _read("stencil", _sure("B11378", 0.97)), ON)
    assert d.text == "B11378" and d.confidence > 0.5


def test_short_or_side_ink_is_a_blank_box():
    speck = CellInk(0.05, 1, (0.3, 0.45, 0.4, 0.15), 0.0)
    glyph = CellInk(0.05, 1, (0.3, 0.25, 0.4, 0.5), 0.0)
    assert blank_probability(speck) > 0.9
    assert blank_probability(glyph) < 0.01
    assert blank_probability(speck, dash=True) < 0.01
    line_remnant = CellInk(0.05, 1, (0.05, 0.1, 0.15, 0.6), 0.0)
    right_edge = CellInk(0.05, 1, (0.8, 0.1, 0.15, 0.6), 0.0)
    one = CellInk(0.03, 1, (0.42, 0.25, 0.12, 0.5), 0.0)
    assert blank_probability(line_remnant) > 0.9 and blank_probability(right_edge) > 0.9
    assert blank_probability(one) < 0.01


def test_empty_field_decodes_to_none():
    d = decode_boxes(TPL.field("regNo"), _read("regNo", []), ON)
    assert d.text is None


def _decoded(name: str, text: str, alternatives: list[tuple[str, float]], conf: float) -> Decoded:
    return Decoded(name, text, conf, text, (0, 0, 0, 0), [], alternatives, {})


def test_leave_row_chosen_jointly():
    days = _decoded("days", "27", [("27", 0.5), ("21", 0.45)], 0.52)
    first = _decoded("validFrom", "010625", [("010625", 0.9)], 0.95)
    last = _decoded("validTo", "210625", [("210625", 0.9)], 0.95)
    row = {"days": days, "validFrom": first, "validTo": last}
    reconcile_leave(row)
    assert days.text == "21" and "cross-checked" in days.flags and days.confidence > 0.8
    assert first.confidence > 0.9


def test_inconsistent_leave_row_is_flagged_and_not_trusted():
    row = {"days": _decoded("days", "5", [("5", 0.9)], 0.99),
           "validFrom": _decoded("validFrom", "010625", [("010625", 0.9)], 0.99),
           "validTo": _decoded("validTo", "210625", [("210625", 0.9)], 0.99)}
    reconcile_leave(row)
    assert all("inconsistent" in d.flags and d.confidence < 0.5 for d in row.values())


def test_joint_choice_against_sure_boxes_is_not_trusted():
    # days and first day read clearly; the last day's boxes say 08.07 (31 days after 01.06)
    # and only a far-fetched alternative fits: it may be chosen, but not with confidence
    row = {"days": _decoded("days", "30", [("30", 0.9)], 0.95),
           "validFrom": _decoded("validFrom", "010626", [("010626", 0.9)], 0.95),
           "validTo": _decoded("validTo", "080726", [("080726", 0.9), ("300626", 0.001)], 0.95)}
    reconcile_leave(row)
    assert row["validTo"].text == "300626" and row["validTo"].confidence < 0.5


def test_issue_date_near_the_first_day_of_leave():
    row = {"issueDate": _decoded("issueDate", "100720", [("100720", 0.6), ("100726", 0.3)], 0.6),
           "validFrom": _decoded("validFrom", "090726", [("090726", 0.9)], 0.95)}
    reconcile_leave(row)
    assert row["issueDate"].text == "100726" and "cross-checked" in row["issueDate"].flags
    far = {"issueDate": _decoded("issueDate", "100720", [("100720", 0.9)], 0.95),
           "validFrom": _decoded("validFrom", "090726", [("090726", 0.9)], 0.95)}
    reconcile_leave(far)
    assert all("inconsistent" in d.flags and d.confidence < 0.5 for d in far.values())


def test_month_and_year_follow_the_first_day():
    row = {"month": _decoded("month", "08", [("08", 0.5), ("06", 0.45)], 0.52),
           "year": _decoded("year", "25", [("25", 0.9)], 0.97),
           "validFrom": _decoded("validFrom", "020625", [("020625", 0.9)], 0.97)}
    reconcile_leave(row)
    assert row["month"].text == "06" and "cross-checked" in row["month"].flags


def test_a_name_with_a_close_runner_up_is_not_trusted():
    # the U of LUPU hand-printed so that the recogniser prefers J (as on a bench page): both names
    # are valid, so nothing proves the winner
    spec = TPL.field("lastName")
    cells = [CellRead([("L", 1.0)], INK), CellRead([("J", 0.739), ("U", 0.26), ("I", 0.001)], INK),
             CellRead([("P", 0.999)], INK), CellRead([("U", 1.0)], INK)]
    cells += [CellRead([], CellInk(0.0, 0, (0, 0, 0, 0), 0.0)) for _ in range((spec.cells or 0) - 4)]
    read = FieldRead("lastName", "boxes", (spec.x, spec.y, spec.w, spec.h), cells=cells, raw="LJPU")
    d = decode_boxes(spec, read, ON)
    assert d.text == "LJPU" and "ambiguous" in d.flags and d.confidence < 0.5
