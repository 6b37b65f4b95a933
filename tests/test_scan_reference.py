"""`formproc register-blank`: a scan of a real blank becomes a template's alignment reference."""

import json

from PIL import Image

from formproc.cli import main
from formproc.layout import load_template
from formproc.render.blank import render_blank
from formproc.render.raster import page_images
from formproc.scan.register import reference_file


def run(capsys, *args):
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_register_a_scanned_blank_and_reset(tmp_path, capsys, formproc_home):
    page = page_images(render_blank(load_template("ccm-2025")), dpi=150)[0]
    scan = tmp_path / "blank.png"
    page.convert("RGB").rotate(1.5, fillcolor="white").save(scan)

    code, out, err = run(capsys, "register-blank", str(scan), "--template", "ccm-2025")
    assert code == 0, err
    assert json.loads(out)["alignment_score"] > 0.5
    assert reference_file("ccm-2025").is_file()

    code, out, _ = run(capsys, "register-blank", "--template", "ccm-2025", "--reset")
    assert code == 0 and json.loads(out)["reference"] == "generated"
    assert not reference_file("ccm-2025").exists()


def test_a_page_that_is_not_a_blank_is_refused(tmp_path, capsys, formproc_home):
    scan = tmp_path / "letter.png"
    Image.new("RGB", (1240, 1754), "white").save(scan)
    code, _, err = run(capsys, "register-blank", str(scan), "--template", "ccm-2025")
    assert code == 2 and "does not look like a blank" in err and err.count("\n") == 1
    assert not reference_file("ccm-2025").exists()
