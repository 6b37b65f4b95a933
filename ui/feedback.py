"""Feedback CAS: import the CAS answer, a per-certificate status table like the CAS's, jump to fix."""

from __future__ import annotations

import streamlit as st

from formproc.errors import FormprocError
from formproc.report.feedback import CU_ERORI, FARA_RAPORTARE, VALIDAT
from ui import common

current = common.require("feedback")
store = common.store()
st.title("Feedback CAS")

upload = st.file_uploader("Fișierul de răspuns al CAS (XML)", type=["xml"])
if upload is not None and st.button("Importă răspunsul", type="primary"):
    try:
        parsed, items = common.import_feedback(upload.name, upload.getvalue(), current["username"])
        st.success(f"Răspuns importat pentru {parsed.month:02d}/{parsed.year}: {len(items)} certificate.")
    except FormprocError as exc:
        common.fail(exc)

imports = store.list_feedback()
if not imports:
    st.caption("Niciun răspuns importat încă.")
    st.stop()
pick = st.selectbox("Răspuns", imports, format_func=lambda f: f"#{f.id} {f.filename} · primit "
                    f"{f.received_at:%d.%m.%Y %H:%M}")
ids = {c.record.key: c.id for c in store.list_certificates()}
counts = {s: sum(1 for i in pick.items if i["status"] == s) for s in (VALIDAT, CU_ERORI, FARA_RAPORTARE)}
a, b, c = st.columns(3)
a.metric("Validate", counts[VALIDAT])
b.metric("Cu erori", counts[CU_ERORI])
c.metric("Fără raportare", counts[FARA_RAPORTARE])
st.dataframe([{"Seria": i["serialCode"], "Nr.": i["serialNo"], "Stare": i["status"],
               "Erori": "; ".join(f"{e.get('code', '')} {e.get('text', '')}".strip() for e in i.get("errors", []))}
              for i in pick.items], hide_index=True, width="stretch")
for i in pick.items:
    if i["status"] == VALIDAT:
        continue
    cid = ids.get((i["serialCode"], i["serialNo"]))
    if cid is not None and st.button(f"Corectează {i['serialCode']} {i['serialNo']}", key=f"fix_{pick.id}_{cid}"):
        common.open_certificate(cid)
