"""Reading uploaded scans for the Scanare and Reconciliere pages: results plus a crop of every field."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from formproc.layout import load_template
from formproc.scan.load import load_image_bytes
from formproc.scan.pipeline import scan_page
from formproc.scan.register import PX_PER_MM, reference_for, register

MARGIN_MM = 1.5


def _png(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


def crops(warped: np.ndarray, fields: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    """A PNG of each field's area of the aligned page."""
    out = {}
    h, w = warped.shape[:2]
    for name, info in fields.items():
        x, y, bw, bh = info.get("bbox_mm") or (0, 0, 0, 0)
        if bw <= 0 or bh <= 0:
            continue
        x0, y0 = max(0, int((x - MARGIN_MM) * PX_PER_MM)), max(0, int((y - MARGIN_MM) * PX_PER_MM))
        x1, y1 = min(w, int((x + bw + MARGIN_MM) * PX_PER_MM)), min(h, int((y + bh + MARGIN_MM) * PX_PER_MM))
        if x1 > x0 and y1 > y0:
            out[name] = _png(warped[y0:y1, x0:x1])
    return out


def read_uploads(files: list[tuple[str, bytes]], progress: Callable[[float, str], None]) -> list[dict[str, Any]]:
    """Every page of every upload: {file, index, result (the `formproc scan` JSON), crops}."""
    pages = [(name, data, page) for name, data in files for page in load_image_bytes(data, name)]
    out = []
    for n, (name, data, page) in enumerate(pages):
        progress(n / max(1, len(pages)), f"Pagina {n + 1} din {len(pages)}: {page.source}")
        result = scan_page(page)
        field_crops: dict[str, bytes] = {}
        if result.aligned:
            reg = register(page.image, reference_for(load_template(result.template)))
            if reg.warped is not None:
                field_crops = crops(reg.warped, result.fields)
        out.append({"file": name, "index": n, "result": result.to_dict(), "crops": field_crops})
    progress(1.0, f"{len(pages)} pagini citite")
    return out
