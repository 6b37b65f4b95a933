"""Raport lunar: month status and deadline, blocking errors, XML/ZIP download, signing, sending, rectificative."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from formproc.errors import FormprocError
from formproc.report import Provider, ReportBlocked, prepare_report
from formproc.report.deadline import MonthReport, month_info
from formproc.report.package import load_signer, make_package
from ui import common

SUBMITTED = ("sent", "validated", "with_errors")
STATUS_LABELS = {"generated": "generat", "sent": "trimis", "validated": "validat", "with_errors": "cu erori"}

current = common.require("report")
store = common.store()
me = current["username"]
st.title("Raportarea lunară a certificatelor")

today = date.today()
default_year, default_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
c1, c2 = st.columns(2)
year = int(c1.number_input("Anul", min_value=2020, max_value=2100, value=default_year, step=1))
month = int(c2.selectbox("Luna", list(range(1, 13)), index=default_month - 1, format_func=lambda m: f"{m:02d}"))

try:
    provider = Provider.from_dict(store.provider(), "furnizor")
except FormprocError as exc:
    st.error(f"Completați datele furnizorului în „Nomenclatoare și setări”: {exc}")
    st.stop()

reports = sorted(store.list_reports(year, month), key=lambda r: r.id)
feedback_by_report: dict[int, tuple[str, ...]] = {}
for fb in store.list_feedback():
    if fb.report_id is not None and fb.report_id not in feedback_by_report:
        feedback_by_report[fb.report_id] = tuple(item["status"] for item in fb.items)
info = month_info(year, month, [MonthReport(r.correction, r.status in SUBMITTED, feedback_by_report.get(r.id))
                                for r in reports], today, provider.insuranceHouse)
m1, m2, m3 = st.columns(3)
m1.metric("Stare", info["label"])
m2.metric("Termen", date.fromisoformat(info["due"]).strftime("%d.%m.%Y"))
m3.metric("Zile rămase", info["daysLeft"])
if info["overdue"]:
    st.error("Termenul de raportare a trecut și raportul nu a fost trimis.")

stored = store.list_certificates()
by_key = {c.record.key: c.id for c in stored}
submitted = [r for r in reports if r.status in SUBMITTED]
correction = bool(submitted)
pending = store.pending_rectifications()
if correction:
    st.info(f"Luna are {len(submitted)} raportări trimise: se generează un raport rectificativ "
            f"({len(pending)} certificate în coada de rectificare).")

if st.button("Generează raportul rectificativ" if correction else "Generează raportul", type="primary"):
    try:
        prepared = prepare_report([c.record for c in stored], (year, month), provider,
                                  [(r.xml, f"raportul #{r.id}") for r in submitted], today)
        ids = [by_key[rec.key] for _, rec in prepared.selection.included if rec.key in by_key]
        rid = store.add_report(year, month, prepared.xml, ids, me, correction=prepared.correction)
        if prepared.correction:
            store.close_rectifications([p.id for p in pending if p.certificate_id in ids], rid, me)
        st.session_state["report_warnings"] = prepared.warnings
        st.success(f"Raportul #{rid} a fost generat: {prepared.counts}.")
        st.rerun()
    except ReportBlocked as blocked:
        st.error(str(blocked))
        for entry in blocked.entries:
            errors = [f for f in entry["findings"] if f["severity"] == "error"]
            if not errors:
                continue
            with st.container(border=True):
                cid = by_key.get((entry["serialCode"] or "", entry["serialNo"] or ""))
                st.write(f"**{entry['serialCode']} {entry['serialNo']}**")
                for f in errors:
                    st.caption(f"⛔ {f['message']} ({', '.join(common.label(x) for x in f['fields'] if x in common.Certificate.model_fields)})")
                if cid is not None and st.button("Deschide certificatul", key=f"open_{cid}"):
                    common.open_certificate(cid)
    except FormprocError as exc:
        common.fail(exc)

for w in st.session_state.get("report_warnings", []):
    st.caption(f"⚠️ {w['serialCode']} {w['serialNo']}: " + "; ".join(f["message"] for f in w["findings"]))

st.subheader("Rapoartele lunii")
if not reports:
    st.caption("Niciun raport generat pentru această lună.")
signer_file = st.file_uploader("Certificat digital (PKCS#12, .p12/.pfx) pentru semnare", type=["p12", "pfx"])
signer_password = st.text_input("Parola certificatului digital", type="password")
for report in reversed(reports):
    with st.container(border=True):
        kind = "rectificativ" if report.correction else "inițial"
        st.write(f"**Raport #{report.id}** ({kind}) · {len(report.certificate_ids)} certificate · "
                 f"stare: {STATUS_LABELS.get(report.status, report.status)} · generat {report.created_at:%d.%m.%Y %H:%M} UTC "
                 f"de {report.created_by}")
        b1, b2, b3 = st.columns(3)
        b1.download_button("Descarcă XML", report.xml, file_name=f"raport-{year:04d}-{month:02d}-{report.id}.xml",
                           mime="application/xml", key=f"xml_{report.id}")
        try:
            signer = (load_signer(signer_file.getvalue(), signer_password.encode() or None, signer_file.name)
                      if signer_file is not None else None)
            package = make_package(report.xml, provider.file_code, datetime.now(), signer)
            b2.download_button("Descarcă ZIP semnat" if package.signed else "Descarcă ZIP (nesemnat)",
                               package.zip_bytes, file_name=package.name.removesuffix(".xml") + ".zip", mime="application/zip",
                               key=f"zip_{report.id}")
        except FormprocError as exc:
            b2.error(str(exc))
        if report.status == "generated" and b3.button("Marchează ca trimis", key=f"sent_{report.id}"):
            store.set_report_status(report.id, "sent", me)
            st.rerun()

