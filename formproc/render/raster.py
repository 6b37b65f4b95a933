"""PDF pages as images (pypdfium2): previews, and the print tests' view of where the ink went."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
from PIL import Image


def page_images(pdf: bytes, dpi: float = 100) -> list[Image.Image]:
    """Every page of a PDF rendered at `dpi`, as RGB images."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()


def ink_masks(pdf: bytes, dpi: float = 100, level: int = 160) -> list[np.ndarray]:
    """Per page, the pixels darker than `level` (0-255 grey): True where there is ink."""
    return [np.asarray(img.convert("L")) < level for img in page_images(pdf, dpi)]
