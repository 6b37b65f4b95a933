"""The hand-written line recogniser (formproc.reconcile.handlines)."""

from __future__ import annotations

import numpy as np
import pytest

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
