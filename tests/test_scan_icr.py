"""The per-cell recogniser: shipped model, accuracy on generated cells and on cells cut out of a
generated page by the scanner (the training data path), top-k, blanks."""

from pathlib import Path

import numpy as np

from formproc.scan import fonts
from formproc.scan.icr import CLASSES, MODEL_FILE, load_model, normalise
from formproc.scan.train import page_cells, synth_cell


def test_model_is_small_and_loads():
    path = Path(__file__).resolve().parent.parent / "formproc" / "scan" / "data" / MODEL_FILE
    assert path.stat().st_size < 5 * 1024 * 1024
    model = load_model()
    assert model.classes == CLASSES and 0.3 < model.temperature < 5


def test_recognises_generated_hand_and_printed_cells():
    rng = np.random.default_rng(123)
    model = load_model()
    hand, printed = fonts.available(fonts.HAND_FONTS), fonts.available(fonts.PRINT_FONTS)
    vecs, labels = [], []
    for i, char in enumerate(CLASSES * 4):
        is_hand = i % 3 != 0
        pool = hand if is_hand else printed
        vec, _ = normalise(synth_cell(char, pool[i % len(pool)], rng, is_hand))
        if vec is None:  # a very faint small glyph reads as blank
            continue
        vecs.append(vec)
        labels.append(char)
    assert len(vecs) > 0.97 * len(CLASSES) * 4
    probs = model.probabilities(np.stack(vecs))
    top = model.top_k(probs, 3)
    first = np.mean([t[0][0] == c for t, c in zip(top, labels)])
    within3 = np.mean([c in [x for x, _ in t] for t, c in zip(top, labels)])
    assert first > 0.85 and within3 > 0.95
    digits = model.top_k(probs, 2, allowed="0123456789")
    assert all(c in "0123456789" for row in digits for c, _ in row)
    assert all(row[0][1] >= row[1][1] and 0 <= row[0][1] <= 1 for row in digits)


def test_blank_and_line_remnants_are_not_characters():
    cell = np.zeros((48, 40), np.float32)
    cell[0:2, :] = 1.0  # a box line left by registration error
    cell[:, 38:40] = 0.9
    cell[20, 20] = 1.0  # a speck
    vec, ink = normalise(cell)
    assert vec is None and ink.ink < 0.01 and ink.edge_ink > 0


def test_cells_cut_by_the_pipeline_are_labelled_and_read():
    """The training data path: a hand-printed synthetic page registered, cleaned and cut into
    labelled cells exactly as the scanner does (sample seed not used for training)."""
    page = page_cells(("ccm-2025", 99, 2))
    assert page["aligned"] and len(page["y"]) > 60 and all(page["hand"])
    model = load_model()
    pred = model.probabilities(np.stack(page["x"]).astype(np.float32)).argmax(axis=1)
    assert np.mean(pred == np.asarray(page["y"])) > 0.93
