"""Loading scans: PNG, JPEG, TIFF (every page), PDF (every page via pypdfium2), EXIF orientation."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from formproc.errors import InputError
from formproc.files import read_bytes

MAX_PIXELS = 80_000_000  # per page (an A4 page at 600 dpi is 35 Mpx)
MAX_PAGES = 500
MAX_TOTAL_PIXELS = 600_000_000  # all pages of one file together (1.8 GB as RGB): 150 A4 pages at 200 dpi
PDF_DPI = 200


@dataclass
class Page:
    """One page of an input file: its source label ("file.pdf#2") and an RGB uint8 image."""

    source: str
    image: np.ndarray


def _label(path: str, index: int, count: int) -> str:
    name = Path(path).name if path != "-" else "stdin"
    return f"{name}#{index + 1}" if count > 1 else name


def _pdf_pages(data: bytes, path: str) -> list[Page]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if b"/Encrypt" in data:
            raise InputError(f"{path}: the PDF is password-protected (encrypted); save an unprotected copy") from None
        raise InputError(f"{path}: not a readable PDF ({exc})") from None
    try:
        count = len(pdf)
        if count == 0:
            raise InputError(f"{path}: the PDF has no pages")
        if count > MAX_PAGES:
            raise InputError(f"{path}: too many pages ({count}, limit {MAX_PAGES})")
        scale = PDF_DPI / 72.0
        _check_total(path, count, sum(w * h * scale * scale for w, h in (pdf.get_page_size(i) for i in range(count))))
        pages = []
        for i in range(count):
            page = pdf[i]
            w, h = page.get_size()
            if w * h * scale * scale > MAX_PIXELS:
                raise InputError(f"{path}: page {i + 1} is too large ({w:.0f}x{h:.0f} pt)")
            if min(w, h) * scale < 300:
                raise InputError(f"{path}: page {i + 1} too small to read ({w:.0f}x{h:.0f} pt)")
            bitmap = page.render(scale=scale)
            img = np.asarray(bitmap.to_pil().convert("RGB"))
            pages.append(Page(_label(path, i, count), img))
            page.close()
        return pages
    finally:
        pdf.close()


def _check_total(path: str, count: int, pixels: float) -> None:
    """Refuse a file whose pages together would not fit in memory (a decompression bomb)."""
    if pixels > MAX_TOTAL_PIXELS:
        raise InputError(f"{path}: too large in total ({count} pages, {pixels / 1e6:.0f} Mpx, limit "
                         f"{MAX_TOTAL_PIXELS // 1_000_000} Mpx); split the file")


def _raster_pages(data: bytes, path: str) -> list[Page]:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        reason = "image too large" if isinstance(exc, Image.DecompressionBombError) else "not a PNG, JPEG, TIFF or PDF file"
        raise InputError(f"{path}: {reason}") from None
    count = getattr(img, "n_frames", 1)
    if count > MAX_PAGES:
        raise InputError(f"{path}: too many pages ({count}, limit {MAX_PAGES})")
    pages = []
    try:
        sizes = []
        for i in range(count):
            img.seek(i)
            sizes.append(img.width * img.height)
        _check_total(path, count, sum(sizes))
        for i in range(count):
            img.seek(i)
            if img.width * img.height > MAX_PIXELS:
                raise InputError(f"{path}: page {i + 1} too large ({img.width}x{img.height} px, "
                                 f"limit {MAX_PIXELS} px)")
            if min(img.width, img.height) < 300:
                raise InputError(f"{path}: page {i + 1} too small to read ({img.width}x{img.height} px)")
            frame = ImageOps.exif_transpose(img) if i == 0 else img.copy()
            pages.append(Page(_label(path, i, count), np.asarray(frame.convert("RGB"))))
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{path}: damaged image ({exc})") from None
    return pages


def load_pages(path: str) -> list[Page]:
    """Every page of a scan file as RGB arrays; an unreadable file is an InputError."""
    data = read_bytes(path)
    if data[:5] == b"%PDF-":
        return _pdf_pages(data, path)
    return _raster_pages(data, path)


def load_image_bytes(data: bytes, name: str) -> list[Page]:
    """Pages from bytes already in memory (uploads in the app)."""
    if data[:5] == b"%PDF-":
        return _pdf_pages(data, name)
    return _raster_pages(data, name)
