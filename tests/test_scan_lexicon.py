"""The Romanian word list unpacked from tesseract's installed `ron` model (formproc.scan.lexicon)."""

from __future__ import annotations

from formproc.scan import lexicon


def test_the_models_words_are_known_in_any_spelling_of_s_and_t_comma():
    assert sum(len(ws) for ws in lexicon.words().values()) > 100_000
    for word in ("Sănătatea", "Județean", "Independenței", "Independenţei", "Lăpușneanu", "cel", "Popescu"):
        assert lexicon.known(word), word
    assert not lexicon.known("Sândtatea")


def test_near_gives_known_words_in_the_readings_capitalisation():
    assert "Sănătatea" in lexicon.near("Sândtatea")
    assert "Popescu" in lexicon.near("Pâpescu")
    assert "Trandafirilor" in lexicon.near("Trandafiruor")  # two edits
    assert all(w[:1].isupper() and not w.isupper() for w in lexicon.near("Iohescu"))
    assert lexicon.near("Popescu") == []  # known: nothing to try
    assert lexicon.near("CMI") == [] and lexicon.near("nr") == []  # capitals (acronyms), short words


def test_names_near_a_capitalised_word_known_only_in_lower_case():
    assert "Matei" in lexicon.names_near("Miei")  # "miei" is a word, "Miei" no name
    assert all(w[:1].isupper() and not w.isupper() for w in lexicon.names_near("Miei"))
    assert lexicon.names_near("Matei") == []  # a name the model knows
    assert lexicon.names_near("miei") == [] and lexicon.names_near("MIEI") == []


def test_two_words_the_model_knows_hyphenated_are_joined():
    assert lexicon.hyphenated("Cluj", "Napoca") == "Cluj-Napoca"
    assert lexicon.hyphenated("nord", "vest") == "nord-vest"
    assert lexicon.hyphenated("Cluj", "Mare") is None
    assert lexicon.hyphenated("Într", "un") is None  # parts shorter than MIN_LETTERS are left alone


def test_two_known_words_joined_by_a_hyphen_no_word_has_are_set_apart():
    assert lexicon.unhyphenated("Trandafirilor", "nr") == "Trandafirilor nr"
    assert lexicon.unhyphenated("Cluj", "Napoca") is None  # one word, hyphenated
    assert lexicon.unhyphenated("Popescu", "Qzxwv") is None  # a name the model lacks: left as read


def test_a_word_that_is_not_known_splits_into_known_words_a_space_lost():
    assert lexicon.splits("Marenr") == ["Mare nr"]
    assert lexicon.splits("Mare") == []  # known: nothing to split
    assert lexicon.splits("Qzxwv") == []


def test_without_tesseracts_tools_nothing_is_known_and_nothing_tried(monkeypatch):
    monkeypatch.setattr(lexicon, "_tessdata", lambda: None)
    for cached in (lexicon._listing, lexicon.words, lexicon._known, lexicon._compounds):
        cached.cache_clear()
    try:
        assert lexicon.words() == {} and lexicon.near("Sândtatea") == []
        assert lexicon.hyphenated("Cluj", "Napoca") is None
    finally:
        for cached in (lexicon._listing, lexicon.words, lexicon._known, lexicon._compounds):
            cached.cache_clear()


def test_a_hand_read_word_is_respelled_only_when_one_known_word_is_one_edit_away():
    assert lexicon.respell("Chiruraie") == "Chirurgie"
    assert lexicon.respell("Gimnuzială") == "Gimnazială"  # known in lower case only
    assert lexicon.respell("Municipall") == "Municipall"  # Municipal and Municipala: which one?
    assert lexicon.respell("Popescu") == "Popescu"  # known: left as read
    assert lexicon.respell("Canstama") == "Canstama"  # nothing one edit away


def test_a_word_in_capitals_may_be_a_business_form_an_edit_away():
    assert lexicon.known("SRL") and lexicon.known("CMI")
    assert lexicon.spellings("SRL") == []  # one of them: nothing else tried
    assert lexicon.spellings("SRI") == ["SRL"] and lexicon.respell("SRI") == "SRL"
    assert lexicon.spellings("SNL") == ["SNC", "SRL"] and lexicon.respell("SNL") == "SNL"  # which one?
    assert lexicon.spellings("EXEMPLU") == []  # a word in capitals is not respelled as a lexicon word
    assert lexicon.spellings("A") == []  # an initial is no business form


def test_a_known_word_has_no_other_spelling():
    assert lexicon.known("Ciric") and not lexicon.known("ciric")  # a name, no lower-case word
    assert lexicon.spellings("Ciric") == []


def test_a_word_before_a_full_stop_may_be_an_abbreviation_an_edit_away():
    assert lexicon.known("Di") and lexicon.abbreviations("Di") == ["Dr"]
    assert {"nr", "Nr"} <= set(lexicon.abbreviations("or"))
    assert lexicon.abbreviations("Dr") == [] and lexicon.abbreviations("Str") == []  # one of them
    assert lexicon.abbreviations("A") == []  # an initial
    assert lexicon.known("Bdul") and lexicon.known("Șos")


def test_lost_commas_below_are_put_back_only_where_one_known_word_has_them():
    assert [lexicon.with_commas(w) for w in ("Bucuresti", "Stefan", "Constanta", "Judetean")] == [
        "București", "Ștefan", "Constanța", "Județean"]
    assert lexicon.with_commas("Brașov") == "Brașov" and lexicon.with_commas("Braşov") == "Braşov"  # has its commas
    assert lexicon.with_commas("Popescu") == "Popescu"  # no spelling with commas
    assert lexicon.with_commas("SA") == "SA"  # capitals: an acronym
    assert lexicon.with_commas("Xyzt") == "Xyzt"


def test_a_name_after_a_title_begins_with_a_capital():
    assert lexicon.names_capitalised("CMI Dr. popescu Ana") == "CMI Dr. Popescu Ana"
    assert lexicon.names_capitalised("Iași, Str. ștefan cel Mare nr. 3") == "Iași, Str. Ștefan cel Mare nr. 3"
    assert lexicon.names_capitalised("Str. Florilor nr. 12, ap. 4") == "Str. Florilor nr. 12, ap. 4"
    assert lexicon.names_capitalised("Drum fără nr. c") == "Drum fără nr. c"  # no title: left as read
