"""Loading scans: formats, pages, EXIF orientation, clear errors."""

import io

import numpy as np
import pytest
from PIL import Image

from formproc.errors import InputError
from formproc.scan.load import load_pages


def _img(w=600, h=850, color=(255, 255, 255)):
    im = Image.new("RGB", (w, h), color)
    im.paste((0, 0, 0), (10, 10, 60, 30))  # a mark in the top-left corner
    return im


def test_png_jpeg_and_exif_orientation(tmp_path):
    _img().save(tmp_path / "a.png")
    pages = load_pages(str(tmp_path / "a.png"))
    assert len(pages) == 1 and pages[0].source == "a.png" and pages[0].image.shape == (850, 600, 3)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    _img().save(tmp_path / "b.jpg", exif=exif.tobytes())
    img = load_pages(str(tmp_path / "b.jpg"))[0].image
    assert img.shape == (600, 850, 3)
    assert img[10:60, -30:-10].mean() < 80  # the corner mark moved to the top right


def test_multipage_tiff_and_pdf(tmp_path):
    frames = [_img(), _img(color=(250, 220, 230)), _img()]
    frames[0].save(tmp_path / "m.tif", save_all=True, append_images=frames[1:])
    pages = load_pages(str(tmp_path / "m.tif"))
    assert [p.source for p in pages] == ["m.tif#1", "m.tif#2", "m.tif#3"]
    frames[0].save(tmp_path / "m.pdf", save_all=True, append_images=frames[1:2], resolution=100)
    pages = load_pages(str(tmp_path / "m.pdf"))
    assert [p.source for p in pages] == ["m.pdf#1", "m.pdf#2"]
    assert abs(pages[1].image[400, 300].astype(int) - np.array([250, 220, 230])).max() < 8


def test_unreadable_files_are_input_errors(tmp_path):
    (tmp_path / "x.png").write_bytes(b"not an image")
    with pytest.raises(InputError, match="not a PNG, JPEG, TIFF or PDF"):
        load_pages(str(tmp_path / "x.png"))
    (tmp_path / "y.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(InputError, match="not a readable PDF"):
        load_pages(str(tmp_path / "y.pdf"))
    buf = io.BytesIO()
    Image.new("RGB", (100, 80)).save(buf, "PNG")
    (tmp_path / "small.png").write_bytes(buf.getvalue())
    with pytest.raises(InputError, match="too small"):
        load_pages(str(tmp_path / "small.png"))
    with pytest.raises(InputError, match="not found"):
        load_pages(str(tmp_path / "missing.png"))
