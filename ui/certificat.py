"""Certificat: the form laid out like the paper, findings beside the fields, drafts kept as you type."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from formproc.errors import ConflictError, FormprocError
from formproc.model import Certificate
from formproc.rules import validate_records
from ui import common

SECTIONS: list[tuple[str, list[str]]] = [
    ("Certificat", ["serialCode", "serialNo", "status", "duplicate", "duplSerialCode", "duplSerialNo"]),
    ("Urgență, boli infectocontagioase (1-2)", ["emergency", "contagious", "isEmergencyRecommendation"]),
    ("Certificat inițial / în continuare (3-5)", ["continuation", "prevSerialCode", "prevSerialNo", "month", "year"]),
    ("Asiguratul (6-11)", ["indemnCode", "insuredOrgUnit", "lastName", "firstName", "pid", "childPid", "cid",
                           "cardNo", "address", "regNo"]),
    ("Concediul medical (12-17)", ["certType", "ward", "issueDate", "days", "validFrom", "validTo", "diagCode",
                                   "diagType"]),
    ("Concediu medical la externare (13)", ["externDays", "externValidFrom", "externValidTo", "externDiagCode",
                                            "externDiagType"]),
    ("Unitatea sanitară și medicul (18-24)", ["unitType", "issuerType", "conventionNo", "conventionCas",
                                              "doctorName", "cheifStencil", "cui", "stencil", "casIssuer",
                                              "observations"]),
    ("Avize (Art. 13)", ["expertNo", "expertDate", "expertName", "expertStencil", "pensionHouseDate", "dspDate",
                         "maternName", "maternStencil"]),
    ("Partea plătitorului (Art. 12)", ["payerVisa", "payerRefusalReason", "payerName", "payerAddress", "payerCui",
                                       "employeeCount", "insuredType", "paymentPercent", "prevention", "baseAmount",
                                       "baseDays", "dailyAverage", "indemnityAmount", "employerDays",
                                       "employerAmount", "fnuassDays", "fnuassAmount", "faambpDays",
                                       "faambpAmount"]),
]
READ_ONLY = {"status", "duplicate", "duplSerialCode", "duplSerialNo"}
FIELDS = [f for _, names in SECTIONS for f in names]

current = common.require("certificates")
store = common.store()
st.title("Certificat de concediu medical")


def _key(name: str) -> str:
    return f"f_{name}"


def _draft_key(cert_id: int | None) -> str:
    return f"cert:{cert_id or 'new'}"


def _values() -> dict[str, Any]:
    return {name: common.from_widget(name, st.session_state.get(_key(name))) for name in FIELDS}


def _save_draft() -> None:
    store.save_draft(current["username"], _draft_key(st.session_state.get("open_cert")), _values())


def _new_defaults() -> dict[str, Any]:
    today = date.today()
    provider = store.provider()
    values: dict[str, Any] = {"continuation": False, "certType": "AM", "issueDate": today.isoformat(),
                              "month": today.month, "year": today.year, "unitType": provider.get("providerName"),
                              "cui": provider.get("cui"), "conventionNo": provider.get("conventionNo"),
                              "conventionCas": provider.get("insuranceHouse")}
    sheet = store.next_free_sheet()
    if sheet is not None:
        values.update(serialCode=sheet.serial_code, serialNo=sheet.serial_no)
    return values


def _load(cert_id: int | None) -> None:
    """Fill the widgets from the draft, else the stored record (or a new form's defaults)."""
    draft = store.get_draft(current["username"], _draft_key(cert_id))
    version = None
    if cert_id:
        stored = store.get_certificate(cert_id)
        version = stored.version
        values = stored.record.to_json_dict()
    else:
        values = _new_defaults()
    if draft is not None:
        values = draft
        st.session_state["draft_note"] = "Ciornă nesalvată restaurată."
    for name in FIELDS:
        st.session_state[_key(name)] = common.to_widget(name, values.get(name))
    st.session_state["loaded"] = (cert_id, version)


def _select(cert_id: int | None) -> None:
    st.session_state["open_cert"] = cert_id
    st.session_state.pop("loaded", None)


certs = store.list_certificates()
ids = [None] + [c.id for c in certs]
titles = {c.id: common.cert_title(c.record) for c in certs}
open_id = st.session_state.get("open_cert")
if open_id not in ids:
    open_id = None
    st.session_state["open_cert"] = None
choice = st.selectbox("Certificat", ids, index=ids.index(open_id),
                      format_func=lambda i: "＋ Certificat nou" if i is None else titles[i])
if choice != open_id:
    _select(choice)
    open_id = choice
if st.session_state.get("loaded", (object(), None))[0] != open_id:
    _load(open_id)
if note := st.session_state.pop("draft_note", None):
    st.info(note)
if open_id is not None:
    opened = next(c.record for c in certs if c.id == open_id)
    latest = next(((fb, item) for fb in store.list_feedback() for item in fb.items
                   if (item["serialCode"], item["serialNo"]) == opened.key), None)  # newest answer first
    if latest is not None and latest[1]["status"] != "VALIDAT":
        fb, item = latest
        st.warning(f"Răspunsul CAS ({fb.filename}): {item['status']} — " + (
            "; ".join(f"{e.get('code', '')} {e.get('text', '')}".strip() for e in item.get("errors", []))
            or "certificatul nu a fost raportat"))

record, problem = common.build_record(_values())
problems: dict[str, str] = {}
by_field: dict[str, list[Any]] = {}
if record is not None:
    history = [c.record for c in certs if c.id != open_id and record.pid and c.record.pid == record.pid]
    for finding in validate_records([record], history=history)[0]:
        for name in finding.fields or ("serialNo",):
            by_field.setdefault(name, []).append(finding)
else:
    problems = common.field_problems(_values())
    st.error(f"Certificatul nu poate fi salvat încă: {problem}")


def _widget(name: str) -> None:
    common.field_widget(name, _key(name), _save_draft, name in READ_ONLY)
    if name in problems:
        st.caption(f"⛔ {problems[name]}")
    for finding in by_field.get(name, ()):
        icon = "⛔" if finding.severity == "error" else "⚠️"
        st.caption(f"{icon} {finding.message} · {finding.rule}")


for title, names in SECTIONS:
    box = st.expander(title, expanded=title != "Partea plătitorului (Art. 12)" and title != "Avize (Art. 13)")
    with box:
        cols = st.columns(4)
        for n, name in enumerate(names):
            with cols[n % 4]:
                _widget(name)

errors = sum(1 for fs in by_field.values() for f in fs if f.severity == "error")
if record is not None:
    st.caption(f"Validare: {errors} erori, {sum(len(v) for v in by_field.values()) - errors} avertismente "
               "(o eroare blochează raportarea, nu salvarea).")

left, mid, right, last = st.columns(4)
if left.button("Salvează", type="primary", disabled=record is None):
    assert record is not None
    try:
        before = None if open_id is None else store.get_certificate(open_id).record
        if open_id is None:
            saved = store.add_certificate(record, current["username"])
        else:
            saved = store.update_certificate(open_id, record, st.session_state["loaded"][1], current["username"])
        store.delete_draft(current["username"], _draft_key(open_id))
        _select(saved.id)
        st.session_state["flash"] = f"Certificatul {saved.record.serialCode} {saved.record.serialNo} a fost salvat."
        if before is not None and common.reported_attrs_changed(before, saved.record) and common.queue_if_reported(
                saved.id, saved.record, "M", current["username"], "modificat după raportare"):
            st.session_state["flash"] += " Fusese raportat: intră în raportul rectificativ (M)."
        st.rerun()
    except ConflictError as exc:
        st.error(f"Conflict: {exc}")
    except FormprocError as exc:
        common.fail(exc)
if mid.button("Renunță la modificări"):
    store.delete_draft(current["username"], _draft_key(open_id))
    _select(open_id)
    st.rerun()
if open_id is not None:
    stored: Certificate = store.get_certificate(open_id).record
    if right.button("Anulează foaia (ANULAT)", disabled=stored.status == "annulled"):
        try:
            annulled = store.annul_sheet(stored.serialCode or "", stored.serialNo or "", current["username"])
            store.delete_draft(current["username"], _draft_key(open_id))
            _select(open_id)
            st.session_state["flash"] = f"Foaia {stored.serialCode} {stored.serialNo} a fost anulată."
            if common.queue_if_reported(annulled.id, annulled.record, "S", current["username"], "anulat după raportare"):
                st.session_state["flash"] += " Fusese raportat: intră în raportul rectificativ ca șters (S)."
            st.rerun()
        except FormprocError as exc:
            common.fail(exc)
    if last.button("Emite DUPLICAT", disabled=bool(stored.duplicate)):
        try:
            dup = store.issue_duplicate(stored.serialCode or "", stored.serialNo or "", current["username"])
            _select(dup.id)
            st.session_state["flash"] = (f"Duplicatul nr. {dup.record.duplicate} a fost emis pe foaia "
                                         f"{dup.record.serialCode} {dup.record.serialNo}.")
            st.rerun()
        except FormprocError as exc:
            common.fail(exc)
if flash := st.session_state.pop("flash", None):
    st.success(flash)
