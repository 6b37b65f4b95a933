"""What every page shares: the store, the signed-in user, record fields as widgets, messages."""

from __future__ import annotations

import json
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import streamlit as st

from formproc import auth
from formproc.errors import FormprocError, romanian
from formproc.model import Certificate, field_item, field_label, parse_record
from formproc.settings import database_url
from formproc.store import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

BOOL_CHOICES = {None: "—", False: "Nu", True: "Da"}
CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "continuation": {None: "—", False: "Inițial", True: "În continuare"},
    "certType": {None: "—", "AM": "Ambulator", "IN": "Internat în spital", "EX": "Externare"},
    "diagType": {None: "—", "0": "Acut", "1": "Subacut", "2": "Cronic", "3": "Prevenție"},
    "externDiagType": {None: "—", "0": "Acut", "1": "Subacut", "2": "Cronic", "3": "Prevenție"},
    "status": {"issued": "Emis", "annulled": "ANULAT"},
    "payerVisa": {None: "—", "accepted": "Acceptat", "refused": "Refuzat"},
}
#: Report states (store) as the app shows them.
REPORT_STATUS = {"generated": "generat", "sent": "trimis", "validated": "validat", "with_errors": "cu erori"}
#: Report states in which the CAS holds the report's certificates.
SUBMITTED = ("sent", "validated", "with_errors")
#: Rectification types of the SIUI report (correctionType).
CORRECTION_LABELS = {"A": "adăugat", "M": "modificat", "S": "șters"}


@st.cache_resource
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """The store of this deployment (one per database URL, shared by every session)."""
    return _store(database_url())


def user() -> dict[str, str] | None:
    """The signed-in user ({username, role, name}) or None."""
    return st.session_state.get("user")


def username() -> str:
    """The signed-in user's name (pages only run for a signed-in user)."""
    current = user()
    return current["username"] if current else ""


#: Capabilities of app pages that formproc.auth does not list: which roles may use them.
PAGE_CAPABILITIES = {"payer": frozenset({"payroll", "admin"})}


def can(role: str | None, capability: str) -> bool:
    """True when a role may use a capability (formproc.auth's, or a page's own)."""
    return auth.can(role, capability) or role in PAGE_CAPABILITIES.get(capability, frozenset())


def require(capability: str) -> dict[str, str]:
    """Stop the page unless a user is signed in and their role may use `capability`."""
    current = user()
    if current is None:
        st.error("Autentificați-vă pentru a vedea această pagină.")
        st.stop()
    if not can(current["role"], capability):
        st.error(f"Rolul „{auth.ROLES.get(current['role'], current['role'])}” nu are acces la această pagină.")
        st.stop()
    return current


def fail(exc: FormprocError) -> None:
    """Show a store/input error in one line, its recurring phrases in Romanian."""
    st.error(romanian(str(exc)))


def label(name: str) -> str:
    """A field's label as on the form, with its item number."""
    item = field_item(name)
    prefix = f"{item}. " if item and item[0].isdigit() else ""
    return f"{prefix}{field_label(name)}"


def kind(name: str) -> tuple[str, tuple[Any, ...]]:
    """The widget kind of a record field: text, date, int, money, bool or choice (with its options)."""
    annotation = Certificate.model_fields[name].annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    if typing.get_origin(base) is typing.Literal:
        return "choice", typing.get_args(base)
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if base is bool:
        return "bool", (None, False, True)
    if base is date:
        return "date", ()
    if base is int:
        return "int", ()
    if base is Decimal:
        return "money", ()
    return "text", ()


def to_widget(name: str, value: Any) -> Any:
    """A record value as its widget holds it (dates as date, numbers and text as text)."""
    k, _ = kind(name)
    if value is None:
        return None if k in ("date", "bool", "choice") else ""
    if k == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if k in ("bool", "choice"):
        return value
    return str(value)


def from_widget(name: str, value: Any) -> Any:
    """A widget's value as record data ('' is absent)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    k, _ = kind(name)
    if k == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if k == "int":
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else text
    if k == "money":
        try:
            return str(Decimal(str(value).strip().replace(",", ".")))
        except InvalidOperation:
            return str(value)
    return value.strip() if isinstance(value, str) else value


def field_problems(values: dict[str, Any]) -> dict[str, str]:
    """Why widget values do not make a record: a Romanian message per field (empty when they do)."""
    from pydantic import ValidationError

    try:
        Certificate.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        out: dict[str, str] = {}
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            message = "câmp necunoscut" if err["type"] == "extra_forbidden" else romanian(err["msg"])
            out.setdefault(name, message)
        return out
    return {}


def build_record(values: dict[str, Any]) -> tuple[Certificate | None, str | None]:
    """A record from widget values, or the reason it is not one yet (in Romanian, fields by their labels)."""
    data = {k: v for k, v in values.items() if v is not None}
    try:
        return parse_record(data, "certificat"), None
    except FormprocError as exc:
        problems = field_problems(data)
        if not problems:
            return None, romanian(str(exc))
        return None, "; ".join(f"{label(name) if name in Certificate.model_fields else name}: {message}"
                               for name, message in problems.items())


def choice_label(name: str, value: Any) -> str:
    """How an option is shown."""
    labels = CHOICE_LABELS.get(name)
    if labels and value in labels:
        return labels[value]
    if kind(name)[0] == "bool":
        return BOOL_CHOICES[value]
    return "—" if value is None else str(value)


def cert_title(rec: Certificate) -> str:
    """A certificate in a list: series, number, state, duplicate (no patient name)."""
    extra = " · ANULAT" if rec.status == "annulled" else ""
    extra += f" · DUPLICAT {rec.duplicate} ({rec.duplSerialCode} {rec.duplSerialNo})" if rec.duplicate else ""
    when = f" · {rec.month:02d}/{rec.year}" if rec.month and rec.year else ""
    return f"{rec.serialCode or '?'} {rec.serialNo or '?'}{when}{extra}"


def load_demo(by: str) -> dict[str, int]:
    """The demo provider, a booklet and the sample certificates (skipping those already stored)."""
    from formproc.model import read_records

    s = store()
    provider = json.loads((SAMPLES / "provider.json").read_text(encoding="utf-8"))
    if not s.provider():
        s.set_setting("provider", provider, by, reason="imported")
    booklets = {b.serial_code for b, _ in s.list_booklets()}
    if "CCMAT" not in booklets:
        s.register_booklet("CCMAT", "4512301", by)
    records = [r for r in read_records(str(SAMPLES / "records.json")) if s.find_certificate(*r.key) is None]
    if records:
        s.add_certificates(records, by, reason="imported")
    return {"certificates": len(records)}


def open_certificate(cert_id: int) -> None:
    """Go to the Certificat page showing one certificate."""
    st.session_state["open_cert"] = cert_id
    st.switch_page("ui/certificat.py")


def field_widget(name: str, key: str, on_change: Any = None, disabled: bool = False,
                 label_text: str | None = None) -> None:
    """The input widget of a record field; its value lives in st.session_state[key] (see to_widget)."""
    k, options = kind(name)
    text = label_text or label(name)
    if k in ("bool", "choice"):
        opts = list(options) if name == "status" else [None] + [o for o in options if o is not None]
        if st.session_state.get(key) not in opts:
            st.session_state[key] = opts[0]
        st.selectbox(text, opts, key=key, disabled=disabled, on_change=on_change, placeholder="— alegeți —",
                     format_func=lambda v: choice_label(name, v))
    elif k == "date":
        st.date_input(text, key=key, format="DD.MM.YYYY", min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
                      on_change=on_change, disabled=disabled)
    elif name == "observations":
        st.text_area(text, key=key, on_change=on_change, height=80, disabled=disabled)
    else:
        st.text_input(text, key=key, on_change=on_change, disabled=disabled)


def pdf_page_png(pdf: bytes, page: int = 0, dpi: int = 96) -> bytes:
    """One page of a PDF as PNG (for previews)."""
    import io

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[page].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def reported(cert_id: int, record: Certificate) -> bool:
    """Whether a report the CAS holds (sent, validated or with errors) contains the certificate."""
    if record.year is None or record.month is None:
        return False
    return any(r.status in SUBMITTED and cert_id in (r.certificate_ids or [])
               for r in store().list_reports(record.year, record.month))


def reported_attrs_changed(before: Certificate, after: Certificate) -> bool:
    """Whether a change reaches the SIUI report (the payer's part, for one, does not)."""
    from formproc.report.provider import Provider
    from formproc.report.siui_xml import certificate_attrs

    try:
        provider = Provider.from_dict(store().provider(), "furnizor")
    except FormprocError:
        return before != after
    year, month = before.year or 2000, before.month or 1
    return (certificate_attrs(before, provider, year, month).attrs
            != certificate_attrs(after, provider, year, month).attrs) or before.key != after.key


def queue_if_reported(cert_id: int, record: Certificate, kind: str, by: str, note: str) -> bool:
    """Queue a reported certificate for the rectificative report (M changed, S annulled); True when queued."""
    if not reported(cert_id, record):
        return False
    store().queue_rectification(cert_id, kind, by, note=note)
    return True


def import_feedback(filename: str, data: bytes, by: str, report_id: int | None = None) -> tuple[Any, list[dict]]:
    """Parse a CAS feedback file, keep it with its per-certificate statuses and update its report's state.

    The report is the one given, else the submitted report of the feedback's month (the latest)."""
    from formproc.report.feedback import CU_ERORI, parse_feedback, summary

    s = store()
    parsed = parse_feedback(data, filename)
    items = summary(parsed, [c.record for c in s.list_certificates()])
    if report_id is None:
        sent = [r for r in s.list_reports(parsed.year, parsed.month) if r.status in SUBMITTED]
        report_id = sent[0].id if sent else None
    s.add_feedback(filename, data, items, by, report_id)
    if report_id is not None:
        state = "with_errors" if any(i["status"] == CU_ERORI for i in items) else "validated"
        s.set_report_status(report_id, state, by)
    return parsed, items
