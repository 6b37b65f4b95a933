"""Raport lunar: month status and deadline, blocking errors, XML/ZIP download, signing, sending to SIUI,
the CAS answer, and the rectificative report from the rectification queue."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from formproc.errors import FormprocError
from formproc.reconcile.apply import rectificative_report
from formproc.report import Provider, ReportBlocked, prepare_report
from formproc.report.deadline import MonthReport, month_info
from formproc.report.package import Signer, load_signer, make_package
from formproc.report.schema import NS
from formproc.report.siui_client import SETTING_KEY, SiuiClient, client_tls_context, endpoint
from formproc.xmlsafe import parse_bytes
from ui import common

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
    st.error(f"Completați datele furnizorului în „Nomenclatoare și setări”: {common.romanian(str(exc))}")
    st.stop()

reports = sorted(store.list_reports(year, month), key=lambda r: r.id)
feedback_by_report: dict[int, tuple[str, ...]] = {}
for fb in store.list_feedback():
    if fb.report_id is not None and fb.report_id not in feedback_by_report:
        feedback_by_report[fb.report_id] = tuple(item["status"] for item in fb.items)
info = month_info(year, month, [MonthReport(r.correction, r.status in common.SUBMITTED, feedback_by_report.get(r.id))
                                for r in reports], today, provider.insuranceHouse)
m1, m2, m3 = st.columns(3)
m1.metric("Starea lunii", info["label"])
m2.metric("Termen", date.fromisoformat(info["due"]).strftime("%d.%m.%Y"))
m3.metric("Zile rămase", info["daysLeft"])
if info["overdue"]:
    st.error("Termenul de raportare a trecut și raportul nu a fost trimis.")

stored = store.list_certificates()
by_id = {c.id: c for c in stored}
by_key = {c.record.key: c.id for c in stored}
submitted = [r for r in reports if r.status in common.SUBMITTED]
correction = bool(submitted)
pending = [p for p in store.pending_rectifications() if p.certificate_id in by_id
           and (by_id[p.certificate_id].record.year, by_id[p.certificate_id].record.month) == (year, month)]
if correction:
    st.info(f"Luna are {len(submitted)} raportări trimise: se generează un raport rectificativ "
            f"({len(pending)} certificate în coada de rectificare).")
if pending:
    st.subheader("Coada de rectificare")
    st.dataframe([{"Seria": by_id[p.certificate_id].record.serialCode, "Nr.": by_id[p.certificate_id].record.serialNo,
                   "Corecție": f"{p.correction_type} ({common.CORRECTION_LABELS.get(p.correction_type, '')})",
                   "Motiv": p.note or "", "Pus în coadă de": p.created_by} for p in pending],
                 hide_index=True, width="stretch")


def _blocked(blocked: ReportBlocked) -> None:
    st.error(str(blocked))
    for entry in blocked.entries:
        errors = [f for f in entry["findings"] if f["severity"] == "error"]
        if not errors:
            continue
        with st.container(border=True):
            cid = by_key.get((entry["serialCode"] or "", entry["serialNo"] or ""))
            st.write(f"**{entry['serialCode']} {entry['serialNo']}**")
            for f in errors:
                fields = ", ".join(common.label(x) for x in f["fields"] if x in common.Certificate.model_fields)
                st.caption(f"⛔ {f['message']} ({fields})")
            if cid is not None and st.button("Deschide certificatul", key=f"open_{cid}"):
                common.open_certificate(cid)


if st.button("Generează raportul rectificativ" if correction else "Generează raportul", type="primary"):
    try:
        if correction:
            prepared, closing = rectificative_report(store, year, month, provider, today)
            carried = parse_bytes(prepared.xml, "raportul rectificativ").iterchildren(f"{{{NS}}}certificate")
            ids = sorted({by_key[key] for key in ((c.get("serialCode"), c.get("serialNo")) for c in carried)
                          if key in by_key})
        else:
            prepared = prepare_report([c.record for c in stored], (year, month), provider, [], today)
            ids, closing = [by_key[rec.key] for _, rec in prepared.selection.included if rec.key in by_key], []
        rid = store.add_report(year, month, prepared.xml, ids, me, correction=prepared.correction)
        if closing:
            store.close_rectifications(closing, rid, me)
        st.session_state["report_warnings"] = prepared.warnings
        counts = ", ".join(f"{common.CORRECTION_LABELS.get(k, 'certificate')}: {v}" for k, v in prepared.counts.items())
        st.session_state["report_flash"] = f"Raportul #{rid} a fost generat ({counts})."
        st.rerun()
    except ReportBlocked as blocked:
        _blocked(blocked)
    except FormprocError as exc:
        common.fail(exc)
if flash := st.session_state.pop("report_flash", None):
    st.success(flash)

for w in st.session_state.get("report_warnings", []):
    st.caption(f"⚠️ {w['serialCode']} {w['serialNo']}: " + "; ".join(f["message"] for f in w["findings"]))

st.subheader("Rapoartele lunii")
if not reports:
    st.caption("Niciun raport generat pentru această lună.")
    st.stop()

configured = store.get_setting(SETTING_KEY)
try:
    service = endpoint(None, configured)
    st.caption(f"Serviciul SIUI: {service} (se schimbă în „Nomenclatoare și setări” → Furnizor).")
except FormprocError as exc:
    service = None
    st.error(f"Adresa serviciului SIUI nu poate fi folosită: {common.romanian(str(exc))}")
s1, s2 = st.columns(2)
signer_file = s1.file_uploader("Certificat digital (PKCS#12, .p12/.pfx) pentru semnare și transmitere",
                               type=["p12", "pfx"])
signer_password = s2.text_input("Parola certificatului digital", type="password")
signer: Signer | None = None
if signer_file is not None:
    try:
        signer = load_signer(signer_file.getvalue(), signer_password.encode() or None, signer_file.name)
        s1.caption(f"Semnatar: {signer.certificate.subject.rfc4514_string()}")
    except FormprocError as exc:
        common.fail(exc)


def _client(who: Signer | None) -> SiuiClient:
    return SiuiClient(configured=configured, timeout=60, tls=client_tls_context(who) if who else None)


def _send(report_id: int, xml: bytes, who: Signer) -> None:
    package = make_package(xml, provider.file_code, datetime.now(), who)
    result = _client(who).send_report(package.base64)
    store.set_report_status(report_id, "sent", me, sent_name=package.name)
    st.session_state["send_flash"] = (f"Raportul #{report_id} a fost trimis la SIUI ca {package.name} "
                                      f"(răspuns {result}).")


def _fetch(report_id: int, name: str, who: Signer | None) -> None:
    data = _client(who).fetch_feedback(name)
    if data is None:
        st.session_state["send_flash"] = f"CAS nu a răspuns încă pentru {name}; încercați mai târziu."
        return
    parsed, items = common.import_feedback(f"feedback-{name}", data, me, report_id)
    bad = sum(1 for i in items if i["status"] != "VALIDAT")
    st.session_state["send_flash"] = (f"Răspunsul CAS pentru {parsed.month:02d}/{parsed.year} a fost importat: "
                                      f"{len(items)} certificate, {bad} nevalidate (vedeți „Feedback CAS”).")


for report in reversed(reports):
    with st.container(border=True):
        kind = "rectificativ" if report.correction else "inițial"
        sent = f" · trimis ca {report.sent_name}" if report.sent_name else ""
        st.write(f"**Raport #{report.id}** ({kind}) · {len(report.certificate_ids)} certificate · "
                 f"stare: {common.REPORT_STATUS.get(report.status, report.status)} · "
                 f"generat {report.created_at:%d.%m.%Y %H:%M} UTC de {report.created_by}{sent}")
        b1, b2, b3, b4 = st.columns(4)
        b1.download_button("Descarcă XML", report.xml, file_name=f"raport-{year:04d}-{month:02d}-{report.id}.xml",
                           mime="application/xml", key=f"xml_{report.id}")
        try:
            package = make_package(report.xml, provider.file_code, datetime.now(), signer)
            b2.download_button("Descarcă ZIP semnat" if package.signed else "Descarcă ZIP (nesemnat)",
                               package.zip_bytes, file_name=package.name.removesuffix(".xml") + ".zip",
                               mime="application/zip", key=f"zip_{report.id}")
        except FormprocError as exc:
            b2.error(common.romanian(str(exc)))
        try:
            if report.status == "generated":
                if b3.button("Trimite la SIUI", key=f"send_{report.id}", disabled=signer is None or service is None,
                             help="Încărcați certificatul digital: SIUI primește doar raportări semnate."):
                    assert signer is not None
                    _send(report.id, report.xml, signer)
                    st.rerun()
                if b4.button("Marchează ca trimis", key=f"sent_{report.id}",
                             help="Raportul a fost trimis în afara aplicației (de ex. pe portalul SIUI)."):
                    store.set_report_status(report.id, "sent", me)
                    st.rerun()
            elif report.sent_name and b3.button("Preia răspunsul CAS", key=f"fetch_{report.id}",
                                                disabled=service is None):
                _fetch(report.id, report.sent_name, signer)
                st.rerun()
        except FormprocError as exc:
            common.fail(exc)
if flash := st.session_state.pop("send_flash", None):
    st.success(flash)
