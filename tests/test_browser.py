"""The running app in Debian's Chromium: sign in, create a certificate, print preview, scan the printed
page back, fix one field, generate the month's report and check the downloaded XML against the XSD, send it
signed to the SIUI stand-in, import the CAS answer, jump to the certificate with errors, compute a payer part.

FORMPROC_SCREENSHOTS=DIR also saves a PNG of each main page there (docs/img for the README).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import official_schema

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def siui(tmp_path):
    """The SiuiWS stand-in of test_report_soap on loopback."""
    from test_report_soap import running_standin

    with running_standin(tmp_path) as service:
        yield service


@pytest.fixture
def app_url(formproc_home, siui):
    """`streamlit run app.py` on a free loopback port, with an admin and the demo data in the store, sending
    reports to the SIUI stand-in."""
    from formproc import auth
    from formproc.store import Store

    sys.path.insert(0, str(ROOT))
    from ui.common import load_demo

    store = Store()
    auth.create_user(store, "admin", "parola-admin", "admin", "Admin Demo")
    load_demo("admin")
    store.close()
    port = _free_port()
    env = {**os.environ, "FORMPROC_HOME": str(formproc_home), "FORMPROC_SIUI_ENDPOINT": siui.base_url + "/SiuiWS"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                             "--client.toolbarMode", "viewer"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True, locale="ro-RO")
        context.set_default_timeout(30_000)
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("FORMPROC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        import io

        from PIL import Image

        page.wait_for_timeout(500)
        shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        shot.quantize(colors=128).save(Path(folder) / f"{name}.png", optimize=True)  # small, for the README


def _idle(page) -> None:
    """Wait until Streamlit finished the current run and took away what the run before drew
    (stale elements: a button may be there twice until then)."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    page.wait_for_selector("[data-stale='true']", state="detached", timeout=60_000)


def _go(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    _idle(page)


def _upload(page, path: Path) -> None:
    """Give the page's first file box a file; again if a rerun still under way (a download's, on a
    loaded machine) replaced the box before it took the file."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        page.locator("input[type='file']").first.set_input_files(str(path))
        try:
            page.get_by_test_id("stFileChipName").wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            _idle(page)
    else:
        raise AssertionError(f"the page never took {path.name}")
    _idle(page)


def _type(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    _idle(page)


def test_the_whole_job_in_a_browser(app_url, siui, page, tmp_path):
    from playwright.sync_api import expect

    from formproc.store import Store
    from formproc.xmlsafe import parse_bytes
    from ui.common import pdf_page_png

    store = Store()
    page.goto(app_url)
    page.get_by_label("Utilizator", exact=True).wait_for()
    _shot(page, "autentificare")
    page.get_by_label("Utilizator", exact=True).fill("admin")
    page.get_by_label("Parolă", exact=True).fill("parola-admin")
    page.get_by_role("button", name="Autentificare").click()
    _idle(page)

    # Certificat: a new certificate on the next free sheet of the demo booklet
    page.get_by_text("Certificat de concediu medical").wait_for()
    expect(page.get_by_label("Nr.", exact=True)).to_have_value("4512305")
    for label, value in (("8. Numele", "VASILE"), ("8. Prenumele", "ELENA"), ("9. Cod numeric personal", "2900101220011"),
                         ("6. Cod indemnizație", "01"), ("15. Nr. zile calendaristice", "1"), ("17. Cod diagnostic", "463"),
                         ("11. Nr. înregistrare RC/FO", "88")):
        _type(page, label, value)
    assert store.get_draft("admin", "cert:new")["lastName"] == "VASILE"  # saved as typed
    _shot(page, "certificat")
    page.get_by_role("button", name="Salvează", exact=True).click()
    _idle(page)
    page.get_by_text("a fost salvat").wait_for()
    created = store.find_certificate("CCMAT", "4512305")
    assert created is not None and created.record.lastName == "VASILE"

    # Tipărire: preview over the blank, download it
    _go(page, "Tipărire")
    chooser = page.get_by_test_id("stMultiSelect").locator("input")
    chooser.click()
    chooser.fill("4512305")
    chooser.press("Enter")
    page.mouse.click(1000, 80)  # close the list
    _idle(page)
    page.get_by_test_id("stImage").first.wait_for()
    _shot(page, "tiparire")
    with page.expect_download() as download:
        page.get_by_role("button", name="Descarcă previzualizarea (cu formularul)").click()
    preview_pdf = Path(download.value.path()).read_bytes()
    assert preview_pdf.startswith(b"%PDF")
    scan_png = tmp_path / "scanare.png"
    scan_png.write_bytes(pdf_page_png(preview_pdf, 0, dpi=200))

    # Scanare: the printed page read back, one field fixed, saved
    _go(page, "Scanare")
    page.locator("input[type='file']").first.set_input_files(str(scan_png))
    _idle(page)
    page.get_by_role("button", name="Citește scanările").click()
    _idle(page)
    reg_no = page.get_by_label("11. Nr. înregistrare RC/FO", exact=False)
    reg_no.wait_for()
    expect(reg_no).to_have_value("88", timeout=60_000)
    _shot(page, "scanare")
    reg_no.fill("89")
    page.get_by_role("button", name="Salvează în înregistrări").click()
    _idle(page)
    page.get_by_text("Salvat:").wait_for()
    fixed = store.find_certificate("CCMAT", "4512305")
    assert fixed.record.regNo == "89" and fixed.record.pid == "2900101220011"
    assert store.audit_log(entity="certificate", entity_id=fixed.id, field="regNo")[0].reason == "scanned"

    # Raport lunar: October 2026 (the demo month), XML downloaded and checked against the official XSD
    _go(page, "Raport lunar")
    year = page.get_by_label("Anul")
    year.fill("2026")
    year.press("Enter")
    _idle(page)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="10", exact=True).click()
    _idle(page)
    page.get_by_role("button", name="Generează raportul").click()
    _idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Descarcă XML").first.click()
    xml = Path(download.value.path()).read_bytes()
    _idle(page)  # the download button's rerun
    official_schema("ImportSickLeaveReport.xsd").assertValid(parse_bytes(xml, "report"))
    assert store.list_reports(2026, 10)[0].xml == xml

    # signed with the user's certificate, sent to SIUI (the stand-in), the CAS answer fetched
    from test_report_package import make_p12

    p12 = tmp_path / "medic.p12"
    p12.write_bytes(make_p12(b"parola-p12")[0])
    _upload(page, p12)
    password = page.get_by_label("Parola certificatului digital", exact=True)
    password.fill("parola-p12")
    password.press("Enter")  # Tab would only reach the show-password toggle
    _idle(page)
    page.get_by_text("Semnatar:").wait_for()
    _idle(page)
    page.get_by_role("button", name="Trimite la SIUI", disabled=False).click()
    _idle(page)
    page.get_by_text("a fost trimis la SIUI ca").wait_for()
    report = store.list_reports(2026, 10)[0]
    assert report.status == "sent" and siui.reports[report.sent_name] == xml
    page.get_by_role("button", name="Preia răspunsul CAS").click()
    _idle(page)
    page.get_by_text("Răspunsul CAS pentru 10/2026 a fost importat").wait_for()
    assert store.get_report(report.id).status == "with_errors"
    _shot(page, "raport")

    _go(page, "Feedback CAS")
    page.get_by_role("button", name="Corectează CCMAT 4512301").wait_for()
    _shot(page, "feedback")
    page.get_by_role("button", name="Corectează CCMAT 4512301").click()
    _idle(page)
    page.get_by_text("CM102 CNP inexistent").wait_for()  # the CAS error shown on the certificate

    # Plătitor: the payer's part of a certificate, explained
    _go(page, "Plătitor")
    for month in ("04.2026", "05.2026", "06.2026", "07.2026", "08.2026", "09.2026"):
        page.get_by_label(f"Venit {month}", exact=True).fill("6000")
        _type(page, f"Zile {month}", "15")
    page.get_by_role("button", name="Calculează").click()
    _idle(page)
    page.get_by_text("Media zilnică Mzbci = 36.000,00 lei : 90 = 400,00 lei").wait_for()
    page.get_by_text("Explicația calculului").scroll_into_view_if_needed()
    _shot(page, "platitor")

    for title, name in (("Jurnal", "jurnal"), ("Nomenclatoare și setări", "setari")):
        _go(page, title)
        _shot(page, name)
    store.close()
