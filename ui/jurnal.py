"""Jurnal: the audit log of every change, filterable."""

from __future__ import annotations

from datetime import datetime, time

import streamlit as st

from formproc.store import REASONS
from ui import common

common.require("audit")
store = common.store()
st.title("Jurnal de modificări")

REASON_LABELS = {"typed": "introdus", "scanned": "scanat", "reconciled": "reconciliat", "imported": "importat"}
ENTITIES = {"certificate": "certificat", "booklet": "carnet", "scan": "scanare", "report": "raport",
            "feedback": "feedback CAS", "rectification": "rectificare", "setting": "setare", "catalog": "nomenclator",
            "printer_profile": "profil imprimantă", "user": "utilizator"}

ACTIONS = {"create": "creare", "update": "modificare", "annul": "anulare", "duplicate": "duplicat",
           "register": "înregistrare", "upload": "încărcare", "link": "asociere", "generate": "generare",
           "status": "schimbare stare", "import": "import", "queue": "pus în coadă", "report": "inclus în raport",
           "set": "setare", "save": "salvare", "delete": "ștergere"}


def _value(entity: str, field: str | None, value: str | None) -> str | None:
    """Stored states in Romanian (report status, rectification type, certificate status)."""
    if value is None:
        return None
    if entity == "report" and field == "status":
        return common.REPORT_STATUS.get(value.strip('"'), value)
    if entity == "rectification" and field == "correction_type":
        kind = value.strip('"')
        return f"{kind} ({common.CORRECTION_LABELS[kind]})" if kind in common.CORRECTION_LABELS else value
    if entity == "certificate" and field == "status":
        return common.CHOICE_LABELS["status"].get(value.strip('"'), value)
    return value


c1, c2, c3, c4, c5 = st.columns(5)
entity = c1.selectbox("Obiect", [None, *ENTITIES], format_func=lambda v: "toate" if v is None else ENTITIES[v])
who = c2.selectbox("Utilizator", [None, *[u.username for u in store.list_users()]],
                   format_func=lambda v: "toți" if v is None else v)
reason = c3.selectbox("Motiv", [None, *REASONS], format_func=lambda v: "toate" if v is None else REASON_LABELS[v])
since = c4.date_input("De la", value=None, format="DD.MM.YYYY")
until = c5.date_input("Până la", value=None, format="DD.MM.YYYY")
entity_id = st.text_input("Nr. intern (id)", help="de ex. numărul intern al certificatului")

entries = store.audit_log(entity=entity, entity_id=entity_id.strip() or None, username=who, reason=reason,
                          since=datetime.combine(since, time.min) if since else None,
                          until=datetime.combine(until, time.max) if until else None, limit=2000)
rows = [{"Când (UTC)": e.at, "Cine": e.username, "Obiect": ENTITIES.get(e.entity, e.entity), "Id": e.entity_id,
         "Acțiune": ACTIONS.get(e.action, e.action),
         "Câmp": common.label(e.field) if e.field in common.Certificate.model_fields else e.field,
         "Vechi": _value(e.entity, e.field, e.old_value), "Nou": _value(e.entity, e.field, e.new_value), "Motiv": REASON_LABELS.get(e.reason, e.reason)} for e in entries]
st.caption(f"{len(rows)} înregistrări (cele mai noi primele, maximum 2000).")
st.dataframe(rows, width="stretch", hide_index=True)
