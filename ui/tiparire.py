"""Tipărire: preview over the blank at true scale, printer profile, calibration page, PDF download."""

from __future__ import annotations

import streamlit as st

from formproc.errors import FormprocError
from formproc.layout import list_templates, load_template
from formproc.render.calibration import render_calibration
from formproc.render.printing import render_records
from formproc.render.profile import PrinterProfile
from ui import common

#: A4 width in CSS pixels (96 px per inch): the preview's true size on a standard screen.
A4_CSS_PX = round(210 / 25.4 * 96)

current = common.require("print")
store = common.store()
st.title("Tipărire pe formularul precompletat")

certs = [c for c in store.list_certificates() if c.record.status == "issued"]
titles = {c.id: common.cert_title(c.record) for c in certs}
default = [st.session_state["open_cert"]] if st.session_state.get("open_cert") in titles else []
chosen = st.multiselect("Certificate de tipărit", list(titles), default=default, format_func=titles.get)
c1, c2 = st.columns(2)
template_name = c1.selectbox("Formular", [None, *list_templates()],
                             format_func=lambda n: "după data acordării" if n is None else n)
profile_name = c2.selectbox("Profil imprimantă", [None, *store.list_printer_profiles()],
                            format_func=lambda n: "fără corecții" if n is None else n)

try:
    template = load_template(template_name) if template_name else None
    profile = None
    if profile_name:
        profile = PrinterProfile.model_validate(store.get_printer_profile(profile_name))
except (FormprocError, ValueError) as exc:
    st.error(str(exc).splitlines()[0])
    st.stop()

records = [c.record for c in certs if c.id in chosen]
if records:
    try:
        preview = render_records(records, template, background=True, profile=profile)
        printing = render_records(records, template, background=False, profile=profile)
    except FormprocError as exc:
        common.fail(exc)
    else:
        d1, d2 = st.columns(2)
        d1.download_button("Descarcă PDF pentru tipărire (doar datele)", printing, file_name="certificate.pdf",
                           mime="application/pdf", type="primary")
        d2.download_button("Descarcă previzualizarea (cu formularul)", preview, file_name="previzualizare.pdf",
                           mime="application/pdf")
        st.caption("Tipăriți la scara 100% (fără „potrivire în pagină”). Previzualizarea de mai jos are mărimea "
                   "reală pe un ecran standard (96 dpi).")
        page = st.number_input("Pagina", min_value=1, max_value=len(records), value=1) if len(records) > 1 else 1
        st.image(common.pdf_page_png(preview, int(page) - 1, dpi=96), width=A4_CSS_PX,
                 caption=f"Previzualizare: {common.cert_title(records[int(page) - 1])}")
else:
    st.info("Alegeți unul sau mai multe certificate.")

with st.expander("Calibrarea imprimantei"):
    st.write("Tipăriți pagina de calibrare pe hârtie albă, suprapuneți-o peste un formular gol și măsurați "
             "deplasarea; valorile se trec în profilul imprimantei (Nomenclatoare și setări → Imprimante).")
    cal_template = st.selectbox("Formular pentru calibrare", list_templates(), key="cal_template")
    try:
        calibration = render_calibration(load_template(cal_template), profile)
        st.download_button("Descarcă pagina de calibrare", calibration, file_name=f"calibrare-{cal_template}.pdf",
                           mime="application/pdf")
    except FormprocError as exc:
        common.fail(exc)
