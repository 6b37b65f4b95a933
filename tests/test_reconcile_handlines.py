"""The hand-written line recogniser (formproc.reconcile.handlines)."""

from __future__ import annotations

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from formproc.errors import InputError
from formproc.reconcile import handlines
from formproc.reconcile.handlines import LineReader, load_model, normalise


def _probs(reader: LineReader, path: list[tuple[str, float]]) -> np.ndarray:
    """Per-column probabilities whose best class follows `path` ("" is the blank)."""
    classes = 1 + len(reader.charset)
    out = np.full((len(path), classes), 0.0, np.float32)
    for t, (ch, p) in enumerate(path):
        k = 0 if ch == "" else reader.charset.index(ch) + 1
        out[t, k] = p
        out[t, (k + 1) % classes] = 1.0 - p
    return out


def test_decoding_merges_repeats_and_gives_each_word_its_least_sure_character():
    reader = load_model()
    path = [("D", 0.9), ("D", 0.95), ("", 0.9), ("r", 0.7), (".", 0.99), (" ", 0.9), (" ", 0.9),
            ("A", 0.8), ("", 0.99), ("n", 0.6), ("n", 0.99), ("", 0.9), ("n", 0.85), ("a", 0.9), (" ", 0.6)]
    text, confs = reader.decode(_probs(reader, path))
    assert text == "Dr. Anna"
    assert confs == pytest.approx([70.0, 80.0], abs=1e-4)  # "Dr.": r at 0.7; "Anna": A at 0.8 (n's best 0.99)


def test_a_line_fits_when_it_has_an_output_column_per_character_and_a_blank_between_doubled_ones():
    from formproc.reconcile.handlines import STRIDE, fits

    assert fits(3 * STRIDE, "ab") and not fits(3 * STRIDE - 1, "ab")  # a, b and one to spare
    assert not fits(3 * STRIDE, "ll") and fits(4 * STRIDE, "ll")  # the blank between the l's


def test_the_shipped_model_pools_as_training_builds_it_so_its_output_columns_are_as_fits_counts():
    from formproc.reconcile.handlines import POOLS, STRIDE

    reader = load_model()
    assert tuple(reader.pools) == POOLS
    x = np.zeros((handlines.HEIGHT, 40 * STRIDE), np.float32)
    assert reader.probabilities(x).shape[0] == 40


def test_the_line_likelihood_sums_every_ctc_alignment():
    from itertools import product

    from formproc.reconcile.handlines import ctc_log_likelihood, ctc_runs

    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(3), size=5)  # 5 columns, the blank and two characters
    labels = [[1], [1, 1], [1, 2], [2, 2, 1], []]
    total = {tuple(seq): 0.0 for seq in labels}
    for path in product(range(3), repeat=5):  # every path, collapsed as CTC does
        seq = tuple(k for k, _ in ctc_runs(np.array(path)))
        if seq in total:
            total[seq] += float(np.prod(probs[np.arange(5), path]))
    got = ctc_log_likelihood(np.log(probs), labels)
    assert got == pytest.approx([np.log(total[tuple(seq)]) for seq in labels], rel=1e-9)


def _spelled(reader: LineReader, text: str, doubt: dict[int, tuple[str, float]]) -> np.ndarray:
    """Probabilities of a line read as `text`, one sure column per character and a blank between;
    at the positions in `doubt` the read character shares its column with another (char, p)."""
    path = []
    for ch in text:
        path.append((ch, 0.98))
        path.append(("", 0.98))
    out = _probs(reader, path)
    for i, (other, p) in doubt.items():
        out[2 * i] = 0.0
        out[2 * i, reader.charset.index(text[i]) + 1] = 1.0 - p
        out[2 * i, reader.charset.index(other) + 1] = p
    return out


def test_an_unknown_word_read_in_doubt_becomes_the_likeliest_known_word_near_it():
    reader = load_model()
    doubtful = _spelled(reader, "Primaria Comunel", {15: ("i", 0.4)})  # l 0.6, i 0.4
    assert handlines._known_words("Primaria Comunel", doubtful, reader.charset) == "Primaria Comunei"
    sure = _spelled(reader, "Primaria Comunel", {15: ("i", 1e-6)})  # l read surely: a name the lexicon lacks
    assert handlines._known_words("Primaria Comunel", sure, reader.charset) == "Primaria Comunel"


def test_a_known_spelling_the_other_reader_also_read_wins_among_the_likely_ones():
    reader = load_model()
    probs = _spelled(reader, "Spitalul Cliric", {12: ("n", 0.3)})  # r 0.7, n 0.3
    probs[20] = 0.0
    probs[20, 0] = probs[20, reader.charset.index("l") + 1] = 0.5  # the l's column may be nothing
    assert handlines._known_words("Spitalul Cliric", probs, reader.charset) == "Spitalul Ciric"  # the likeliest
    assert handlines._known_words("Spitalul Cliric", probs, reader.charset, "Spitalul Clinic") == "Spitalul Clinic"
    assert handlines._known_words("Spitalul Cliric", probs, reader.charset, "Spitalul Chinic") == "Spitalul Ciric"


def test_a_short_word_before_a_full_stop_is_weighed_as_an_abbreviation():
    reader = load_model()
    doubtful = _spelled(reader, "Di. Ionescu", {1: ("r", 0.3)})  # "Di" is a known word
    assert handlines._known_words("Di. Ionescu", doubtful, reader.charset) == "Dr. Ionescu"
    sure = _spelled(reader, "Di. Ionescu", {1: ("r", 1e-6)})
    assert handlines._known_words("Di. Ionescu", sure, reader.charset) == "Di. Ionescu"


def test_a_word_read_without_the_space_between_two_known_words_is_weighed_as_those_two():
    reader = load_model()
    path = [step for ch in "Str. Marenr 34" for step in ((ch, 0.98), ("", 0.98))]
    probs = _probs(reader, path)
    gap = 2 * len("Str. Mare") - 1  # the blank after the e: a space read less surely
    probs[gap] = 0.0
    probs[gap, 0], probs[gap, reader.charset.index(" ") + 1] = 0.6, 0.4
    assert handlines._known_words("Str. Marenr 34", probs, reader.charset) == "Str. Mare nr 34"
    probs[gap, 0], probs[gap, reader.charset.index(" ") + 1] = 1.0, 1e-9  # no space there at all
    assert handlines._known_words("Str. Marenr 34", probs, reader.charset) == "Str. Marenr 34"


def test_two_words_known_as_one_hyphenated_word_are_joined_when_the_space_is_in_doubt():
    reader = load_model()
    doubtful = _spelled(reader, "Mun. Cluj Napoca", {9: ("-", 0.3)})  # space 0.7, hyphen 0.3
    assert handlines._known_words("Mun. Cluj Napoca", doubtful, reader.charset) == "Mun. Cluj-Napoca"
    sure = _spelled(reader, "Mun. Cluj Napoca", {9: ("-", 1e-6)})  # a space read surely stays
    assert handlines._known_words("Mun. Cluj Napoca", sure, reader.charset) == "Mun. Cluj Napoca"
    other = _spelled(reader, "Str. Mare Napoca", {9: ("-", 0.3)})  # no such hyphenated word
    assert handlines._known_words("Str. Mare Napoca", other, reader.charset) == "Str. Mare Napoca"


def test_two_known_words_joined_by_a_hyphen_no_word_has_are_set_apart_when_the_hyphen_is_in_doubt():
    reader = load_model()
    doubtful = _spelled(reader, "Aleea Trandafirilor-nr", {19: (" ", 0.3)})  # hyphen 0.7, space 0.3
    assert handlines._known_words("Aleea Trandafirilor-nr", doubtful, reader.charset) == "Aleea Trandafirilor nr"
    sure = _spelled(reader, "Aleea Trandafirilor-nr", {19: (" ", 1e-6)})
    assert handlines._known_words("Aleea Trandafirilor-nr", sure, reader.charset) == "Aleea Trandafirilor-nr"
    known = _spelled(reader, "Mun. Cluj-Napoca", {9: (" ", 0.3)})  # the lexicon's own hyphenated word
    assert handlines._known_words("Mun. Cluj-Napoca", known, reader.charset) == "Mun. Cluj-Napoca"


def test_a_word_of_a_persons_name_known_only_in_lower_case_is_weighed_against_the_names_near_it():
    reader = load_model()

    def read_miei(before: str) -> np.ndarray:
        """`before` + "Miei Sorin" read surely, but for an "a" or nothing after the M and i or t."""
        path = [step for ch in before + "M" for step in ((ch, 0.98), ("", 0.98))]
        doubt = len(path)
        path += [("", 0.5)] + [step for ch in "iei Sorin" for step in ((ch, 0.98), ("", 0.98))]
        probs = _probs(reader, path)
        probs[doubt] = 0.0
        probs[doubt, 0] = probs[doubt, reader.charset.index("a") + 1] = 0.5
        probs[doubt + 1] = 0.0
        probs[doubt + 1, reader.charset.index("i") + 1] = 0.6
        probs[doubt + 1, reader.charset.index("t") + 1] = 0.4
        return probs

    assert handlines._known_words("Dr. Miei Sorin", read_miei("Dr. "), reader.charset) == "Dr. Matei Sorin"
    assert handlines._known_words("Miei Sorin", read_miei(""), reader.charset) == "Miei Sorin"  # no name: a word


def test_a_line_without_ink_is_not_read():
    assert normalise(np.zeros((40, 200), np.float32)) is None
    assert handlines.read_line(np.zeros((40, 200), np.float32)) is None


def test_a_missing_model_file_is_a_clear_error(monkeypatch):
    load_model.cache_clear()
    monkeypatch.setattr(handlines, "MODEL_FILE", "absent.npz")
    try:
        with pytest.raises(InputError, match="absent.npz"):
            load_model()
    finally:
        load_model.cache_clear()


def test_a_page_line_is_kept_only_when_the_cut_holds_the_whole_written_line():
    from formproc.layout import Rect
    from formproc.reconcile.page_lines import covers

    place = Rect(x=10.0, y=50.0, w=60.0, h=5.0)
    dark = np.zeros((56, 480), np.float32)
    dark[10:40, 16:200] = 0.8  # ink from 12 to 35 mm
    assert covers(place, dark, [12.2, 51.0, 22.5, 4.0])
    assert not covers(place, dark, [12.2, 51.0, 40.0, 4.0])  # the cut lost the line's end
    assert not covers(place, dark, [5.0, 51.0, 30.0, 4.0])  # and here its start
    assert not covers(place, np.zeros_like(dark), [12.2, 51.0, 22.5, 4.0])


def test_page_lines_are_the_new_texts_cut_from_a_generated_page_as_the_detector_cuts_them():
    from formproc.layout import load_template
    from formproc.reconcile.page_lines import page_samples

    lines = page_samples(load_template("ccm-2025"), np.random.default_rng(3), lambda rng: "Dr. Ana Pop, nr. 12")
    assert lines
    for x, text in lines:
        assert text == "Dr. Ana Pop, nr. 12"
        assert x.shape[0] == handlines.HEIGHT and x.shape[1] > 4 * len(text) and x.max() == pytest.approx(1.0)
        read = load_model().decode(load_model().probabilities(x))[0]
        assert Levenshtein.distance(read, text) <= 2  # the cut holds the written line, end to end


def test_a_hand_font_given_a_share_of_the_training_lines_is_drawn_with_it_the_others_equally():
    from formproc.reconcile.train_lines import font_choices
    from formproc.scan import fonts

    files, p = font_choices((("Kristi", 0.4),))
    assert len(files) == len(fonts.HAND_FONTS) and p.sum() == pytest.approx(1.0)
    kristi = files.index(fonts.font_file("Kristi"))
    assert p[kristi] == pytest.approx(0.4)
    assert np.delete(p, kristi) == pytest.approx(np.full(len(files) - 1, 0.6 / (len(files) - 1)))
    assert font_choices()[1] == pytest.approx(np.full(len(files), 1 / len(files)))
    with pytest.raises(SystemExit, match="hand fonts are"):
        font_choices((("Arial", 0.2),))
