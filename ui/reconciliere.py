"""Reconciliere: a corrected paper copy against the stored record, field by field (formproc.reconcile);
accepted changes are audited and queued for the rectificative report (M, ANULAT → S, DUPLICAT → A)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from formproc.errors import ConflictError, FormprocError
from formproc.layout import load_template
from formproc.reconcile.apply import accept
from formproc.reconcile.compare import UNREADABLE, compare
from formproc.reconcile.paper import read_page
from formproc.scan.load import load_image_bytes
from formproc.scan.register import reference_for, register
from ui import common
from ui.scanning import crops

current = common.require("reconcile")
store = common.store()
st.title("Reconciliere cu copia pe hârtie")
st.caption("Scanați copia corectată de mână (corectura tăiată cu o linie, valoarea nouă alături, semnătura și parafa "
           "medicului). Valorile acceptate se salvează în certificat, iar dacă luna a fost raportată certificatul "
           "intră în coada raportului rectificativ.")


def _read(name: str, data: bytes) -> list[dict[str, Any]]:
    """Every page of the upload read for reconciliation, with a crop of each field."""
    pages = load_image_bytes(data, name)
    bar = st.progress(0.0, "Se citește…")
    out = []
    for n, page in enumerate(pages):
        bar.progress(n / len(pages), f"Pagina {n + 1} din {len(pages)}")
        reading = read_page(page)
        field_crops: dict[str, bytes] = {}
        if reading.aligned:
            reg = register(page.image, reference_for(load_template(reading.template)))
            if reg.warped is not None:
                field_crops = crops(reg.warped, reading.scan.get("fields") or {})
        out.append({"reading": reading, "crops": field_crops})
    bar.progress(1.0, f"{len(pages)} pagini citite")
    return out


if flash := st.session_state.pop("recon_flash", None):
    st.success(flash[0])
    for problem in flash[1]:
        st.warning(f"Validare: {problem}")

upload = st.file_uploader("Scanarea copiei corectate", type=["pdf", "png", "jpg", "jpeg", "tif", "tiff"])
if upload is not None and st.button("Citește copia", type="primary"):
    try:
        st.session_state["recon_pages"] = _read(upload.name, upload.getvalue())
        st.session_state["recon_file"] = (upload.name, upload.getvalue())
    except FormprocError as exc:
        common.fail(exc)

pages = [p for p in st.session_state.get("recon_pages", []) if p["reading"].aligned]
if not st.session_state.get("recon_pages"):
    st.stop()
if not pages:
    st.error("Nicio pagină nu a putut fi aliniată la fața unui certificat de concediu medical.")
    st.stop()
if len(pages) > 1:
    index = st.selectbox("Pagina", list(range(len(pages))), format_func=lambda i: pages[i]["reading"].source)
else:
    index = 0
page = pages[index]
reading = page["reading"]
for w in reading.warnings:
    st.warning(common.romanian(w))
if reading.annulled:
    st.info("Pe hârtie foaia este marcată ANULAT.")
if reading.duplicate is not None:
    st.info("Pe hârtie este un DUPLICAT: acceptarea creează un certificat nou, care intră în raport ca adăugat (A).")

certs = store.list_certificates()
if not certs:
    st.info("Nu există certificate salvate.")
    st.stop()
titles = {c.id: common.cert_title(c.record) for c in certs}
paper_key = ((reading.scan.get("record") or {}).get("serialCode") or "",
             (reading.scan.get("record") or {}).get("serialNo") or "")
dup = reading.duplicate or {}
guess = next((c.id for c in certs if c.record.key == (dup.get("duplSerialCode"), dup.get("duplSerialNo"))), None) \
    or next((c.id for c in certs if c.record.key == paper_key), None)
ids = list(titles)
cert_id = st.selectbox("Certificatul salvat", ids, index=ids.index(guess) if guess in ids else 0,
                       format_func=titles.get, key="recon_cert")
stored = store.get_certificate(cert_id)
try:
    differences = compare(reading, stored.record)
except FormprocError as exc:
    common.fail(exc)
    st.stop()
if not differences:
    st.success("Copia pe hârtie coincide cu certificatul salvat.")
    st.stop()


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if name in common.Certificate.model_fields and common.kind(name)[0] in ("bool", "choice"):
        return common.choice_label(name, value)
    return str(value)


def _name(field: str) -> str:
    return common.label(field) if field in common.Certificate.model_fields else field


st.write(f"{len(differences)} câmpuri diferă. Bifați valorile de pe hârtie pe care le acceptați.")
head = st.columns([3, 3, 2, 3, 1])
for col, text in zip(head, ("**Câmpul**", "**Pe hârtie (decupaj)**", "**Salvat**", "**Pe hârtie**", "**Accept**")):
    col.write(text)
accepted = []
for d in differences:
    c1, c2, c3, c4, c5 = st.columns([3, 3, 2, 3, 1])
    c1.write(_name(d.field))
    if d.field in page["crops"]:
        c2.image(page["crops"][d.field])
    c3.write(f"`{_shown(d.field, d.stored)}`")
    if d.status == UNREADABLE:
        c4.write("⚠️ nu se poate citi")
    else:
        note = " · corectat de mână" if d.corrected_on_paper else ""
        old = f" (tăiat: `{_shown(d.field, d.old_on_paper)}`)" if d.old_on_paper is not None else ""
        c4.write(f"`{_shown(d.field, d.paper)}`{old} · încredere {d.confidence:.2f}{note}")
    for w in d.warnings:
        c4.caption(f"⚠️ {common.romanian(w)}")
    if c5.checkbox("Accept", key=f"acc_{cert_id}_{d.field}", disabled=not d.acceptable, label_visibility="collapsed"):
        accepted.append(d.field)

if st.button("Aplică modificările acceptate", disabled=not accepted, type="primary"):
    try:
        done = accept(store, cert_id, differences, current["username"], st.session_state["recon_file"],
                      reading.to_dict() | {"scan": reading.scan}, accepted, stored.version)
        target = done.record
        message = (f"Au fost preluate de pe hârtie: {', '.join(_name(f) for f in done.fields)} "
                   f"(certificatul {target.serialCode} {target.serialNo}, versiunea {done.version}).")
        if done.correction_type:
            message += (f" Certificatul a intrat în coada raportului rectificativ: {done.correction_type} "
                        f"({common.CORRECTION_LABELS[done.correction_type]}).")
        for note in done.notes:
            message += f" {note[0].upper()}{note[1:]}."
        st.session_state.pop("recon_pages", None)
        st.session_state["recon_flash"] = (message, [f["message"] for f in done.findings if f["severity"] == "error"])
        st.rerun()
    except ConflictError as exc:
        st.error(f"Conflict: {exc}")
    except FormprocError as exc:
        common.fail(exc)
