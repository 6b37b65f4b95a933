"""Reconciliere: a corrected paper copy against the stored record, field by field; accepted changes are
audited and queued for the rectificative report."""

from __future__ import annotations

import streamlit as st

from formproc.errors import FormprocError
from ui import common
from ui.scanning import read_uploads

SUBMITTED = ("sent", "validated", "with_errors")

current = common.require("reconcile")
store = common.store()
st.title("Reconciliere cu copia pe hârtie")

upload = st.file_uploader("Scanarea copiei corectate", type=["pdf", "png", "jpg", "jpeg", "tif", "tiff"])
if upload is not None and st.button("Citește copia", type="primary"):
    bar = st.progress(0.0, "Se citește…")
    try:
        st.session_state["recon_pages"] = read_uploads([(upload.name, upload.getvalue())],
                                                        lambda f, text: bar.progress(f, text))
        st.session_state["recon_file"] = (upload.name, upload.getvalue())
    except FormprocError as exc:
        common.fail(exc)

pages = st.session_state.get("recon_pages", [])
if not pages:
    st.stop()
page = pages[0]
result = page["result"]
for w in result["warnings"]:
    st.warning(w)
certs = store.list_certificates()
titles = {c.id: common.cert_title(c.record) for c in certs}
read_key = (result["record"].get("serialCode") or "", result["record"].get("serialNo") or "")
guess = next((c.id for c in certs if c.record.key == read_key), None)
ids = list(titles)
if not ids:
    st.info("Nu există certificate salvate.")
    st.stop()
cert_id = st.selectbox("Certificatul salvat", ids, index=ids.index(guess) if guess in ids else 0,
                       format_func=titles.get)
stored = store.get_certificate(cert_id)
saved = stored.record.to_json_dict()
paper = result["record"]
differ = [n for n in common.Certificate.model_fields if n in result["fields"] and paper.get(n) != saved.get(n)]
if not differ:
    st.success("Copia pe hârtie coincide cu certificatul salvat.")
    st.stop()

st.write(f"{len(differ)} câmpuri diferă. Bifați modificările de pe hârtie pe care le acceptați.")
accepted = []
for name in differ:
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
    c1.write(f"**{common.label(name)}**")
    if name in page["crops"]:
        c1.image(page["crops"][name])
    c2.write(f"Salvat: `{saved.get(name)}`")
    c3.write(f"Pe hârtie: `{paper.get(name)}` ({result['fields'][name]['confidence']:.2f})")
    if c4.checkbox("Accept", key=f"acc_{cert_id}_{name}"):
        accepted.append(name)

if st.button("Aplică modificările acceptate", disabled=not accepted):
    values = {**saved, **{n: paper.get(n) for n in accepted}}
    record, problem = common.build_record(values)
    if record is None:
        st.error(problem)
        st.stop()
    try:
        updated = store.update_certificate(cert_id, record, stored.version, current["username"], reason="reconciled")
        name, data = st.session_state["recon_file"]
        store.add_scan(name, data, result, current["username"], cert_id)
        reported = any(r.status in SUBMITTED and cert_id in r.certificate_ids
                       for r in store.list_reports(updated.record.year, updated.record.month))
        if reported:
            store.queue_rectification(cert_id, "M", current["username"], note="reconciliere cu copia pe hârtie")
            st.success("Modificările au fost salvate și certificatul a intrat în coada raportului rectificativ.")
        else:
            st.success("Modificările au fost salvate; certificatul nu a fost încă raportat, "
                       "va intra în raportul inițial.")
    except FormprocError as exc:
        common.fail(exc)
