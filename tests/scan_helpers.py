"""Shared helpers for the scanning tests: generated pages as files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from formproc.layout import load_template
from formproc.sample import Sample, make_sample


def sample_page(seed: int, **kw) -> Sample:
    """A generated page of ccm-2025 (random certificate; options fixed by the caller)."""
    return make_sample(np.random.default_rng(seed), load_template("ccm-2025"), **kw)


def save(img: np.ndarray, path: Path) -> str:
    """Write an RGB image (format by suffix) and return its path."""
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return str(path)
