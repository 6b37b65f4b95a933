"""Scanare: upload scans, see each field's crop beside the value read (least sure first), correct, save."""

from __future__ import annotations

import streamlit as st

from formproc.errors import FormprocError
from formproc.scan.pipeline import LOW_CONFIDENCE
from ui import common
from ui.scanning import read_uploads

current = common.require("scan")
store = common.store()
st.title("Scanare certificate")

uploads = st.file_uploader("Scanări (PDF cu mai multe pagini, PNG, JPEG, TIFF)", accept_multiple_files=True,
                           type=["pdf", "png", "jpg", "jpeg", "tif", "tiff"])
if uploads and st.button("Citește scanările", type="primary"):
    bar = st.progress(0.0, "Se citesc paginile…")
    try:
        st.session_state["scan_pages"] = read_uploads([(u.name, u.getvalue()) for u in uploads],
                                                       lambda f, text: bar.progress(f, text))
        st.session_state["scan_files"] = {u.name: u.getvalue() for u in uploads}
    except FormprocError as exc:
        common.fail(exc)

pages = st.session_state.get("scan_pages", [])
for page in pages:
    result, n = page["result"], page["index"]
    title = f"{result['source']} · încredere {result['confidence']:.2f}"
    with st.expander(title, expanded=len(pages) == 1):
        for w in result["warnings"]:
            st.warning(w)
        if not result["aligned"]:
            continue
        fields = sorted(result["fields"], key=lambda f: result["fields"][f]["confidence"])
        with st.form(f"scan_form_{n}"):
            st.caption("Câmpurile citite cu cea mai mică încredere sunt primele. Tab trece la câmpul următor, "
                       "Enter salvează.")
            for name in fields:
                if name not in common.Certificate.model_fields:
                    continue
                info = result["fields"][name]
                key = f"scan_{n}_{name}"
                if key not in st.session_state:
                    st.session_state[key] = common.to_widget(name, result["record"].get(name, info.get("value")))
                low = info["confidence"] < LOW_CONFIDENCE
                left, right = st.columns([2, 3])
                if name in page["crops"]:
                    left.image(page["crops"][name])
                with right:
                    common.field_widget(name, key, label_text=f"{'⚠️ ' if low else ''}{common.label(name)} "
                                                              f"({info['confidence']:.2f})")
            saved = st.form_submit_button("Salvează în înregistrări", type="primary")
        if saved:
            values = dict(result["record"])
            values.update({name: common.from_widget(name, st.session_state[f"scan_{n}_{name}"])
                           for name in fields if name in common.Certificate.model_fields})
            record, problem = common.build_record(values)
            if record is None:
                st.error(problem)
                continue
            try:
                existing = store.find_certificate(*record.key) if record.serialCode and record.serialNo else None
                if existing is None:
                    stored = store.add_certificate(record, current["username"], reason="scanned")
                else:
                    stored = store.update_certificate(existing.id, record, existing.version, current["username"],
                                                      reason="scanned")
                store.add_scan(page["file"], st.session_state["scan_files"][page["file"]], result,
                               current["username"], stored.id)
                st.success(f"Salvat: {common.cert_title(stored.record)}.")
            except FormprocError as exc:
                common.fail(exc)
