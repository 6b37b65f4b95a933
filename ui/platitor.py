"""Plătitor: the payer's part of a certificate (Art. 12) from the 6 months' incomes, with the explanation."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import streamlit as st

from formproc.errors import ConflictError, FormprocError
from formproc.payer import MonthIncome, PayerResult, compute, explanation_text
from formproc.payer.compute import lei
from formproc.payer.episode import episode_of
from ui import common

#: Codes whose indemnity also needs the salary earned in the leave month (Norme art. 63; Legea 346/2002 art. 41).
LEAVE_MONTH_CODES = ("10", "11")

current = common.require("payer")
store = common.store()
me = current["username"]
st.title("Partea plătitorului")
st.caption("Se completează de angajator (Instrucțiuni 2020, Art. 12 pct. 7-12): veniturile și zilele lucrate în "
           "cele 6 luni dinaintea lunii în care începe concediul; calculul explică fiecare cifră și articolul aplicat. "
           "Programul de lucru: luni-vineri, fără sărbătorile legale.")

certs = [c for c in store.list_certificates() if c.record.status == "issued"]
if not certs:
    st.info("Nu există certificate emise.")
    st.stop()
titles = {c.id: common.cert_title(c.record) for c in certs}
ids = list(titles)
preset = st.session_state.get("open_cert")
cert_id = st.selectbox("Certificat", ids, index=ids.index(preset) if preset in ids else 0, format_func=titles.get,
                       key="payer_cert")
stored = store.get_certificate(cert_id)
rec = stored.record
history = [c.record for c in store.list_certificates() if c.id != cert_id and rec.pid and c.record.pid == rec.pid]
st.write(f"Cod indemnizație **{rec.indemnCode or '—'}** · de la {rec.validFrom:%d.%m.%Y} până la "
         f"{rec.validTo:%d.%m.%Y} · {rec.days or '—'} zile" if rec.validFrom and rec.validTo else
         f"Cod indemnizație **{rec.indemnCode or '—'}** · perioada nu este completată")

try:
    leaves, _ = episode_of(rec, history)
except FormprocError as exc:
    common.fail(exc)
    st.stop()
start = leaves[0].start
first = start.year * 12 + start.month - 1
months = [((i // 12), (i % 12) + 1) for i in range(first - 6, first)]
if rec.indemnCode in LEAVE_MONTH_CODES:
    months.append((start.year, start.month))
if start != rec.validFrom:
    st.caption(f"Certificat în continuare: episodul începe la {start:%d.%m.%Y}; baza de calcul este a certificatului "
               "inițial (Norme art. 33 alin. (2)).")

draft_key = f"payer:{cert_id}"
saved_rows = store.get_draft(me, draft_key) or {}


def _key(kind: str, year: int, month: int) -> str:
    return f"pay_{kind}_{cert_id}_{year:04d}-{month:02d}"


def _save_rows() -> None:
    store.save_draft(me, draft_key, {f"{y:04d}-{m:02d}": [st.session_state.get(_key("inc", y, m), ""),
                                                          st.session_state.get(_key("days", y, m), "")]
                                     for y, m in months})


st.subheader("Veniturile lunare")
head = st.columns([2, 3, 2])
head[0].write("**Luna**")
head[1].write("**Venit brut asigurat (lei)**")
head[2].write("**Zile lucrate**")
for y, m in months:
    label = f"{m:02d}.{y}" + (" (luna concediului: venitul realizat)" if (y, m) == (start.year, start.month) else "")
    row = st.columns([2, 3, 2])
    row[0].write(label)
    income, days = saved_rows.get(f"{y:04d}-{m:02d}", ["", ""])
    if _key("inc", y, m) not in st.session_state:
        st.session_state[_key("inc", y, m)] = income
        st.session_state[_key("days", y, m)] = days
    row[1].text_input(f"Venit {label}", key=_key("inc", y, m), on_change=_save_rows, label_visibility="collapsed",
                      placeholder="0,00")
    row[2].text_input(f"Zile {label}", key=_key("days", y, m), on_change=_save_rows, label_visibility="collapsed",
                      placeholder="0")


def _incomes() -> tuple[list[MonthIncome], list[str]]:
    """The typed months (an empty row is a month without income), or what is wrong with them."""
    out, wrong = [], []
    for y, m in months:
        text = str(st.session_state.get(_key("inc", y, m)) or "").strip().replace(" ", "")
        days_text = str(st.session_state.get(_key("days", y, m)) or "").strip()
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text or "0")
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0:
            wrong.append(f"{m:02d}.{y}: venitul trebuie să fie o sumă pozitivă (de exemplu 4.500,00)")
            continue
        if not (days_text or "0").isdigit() or int(days_text or "0") > 31:
            wrong.append(f"{m:02d}.{y}: zilele lucrate trebuie să fie un număr întreg între 0 și 31")
            continue
        out.append(MonthIncome(y, m, amount, int(days_text or "0")))
    return out, wrong


def _show(result: PayerResult) -> None:
    values = result.fields()
    st.subheader("Rezultatul")
    shown = [("paymentPercent", f"{values['paymentPercent']}%" if values["paymentPercent"] is not None else "—"),
             ("prevention", "Da" if values["prevention"] else "Nu")]
    shown += [(n, lei(v) if isinstance(v, Decimal) else str(v)) for n, v in values.items()
              if n not in ("paymentPercent", "prevention")]
    st.dataframe([{"Câmp": common.label(n), "Valoare": v} for n, v in shown], hide_index=True, width="stretch")
    st.subheader("Explicația calculului")
    st.markdown("\n".join(f"{n}. {s.text} — *{s.source}*" for n, s in enumerate(result.explanation, 1)))
    if result.differences:
        st.warning("Certificatele anterioare ale episodului trebuie recalculate: "
                   + "; ".join(f"{d.serialCode} {d.serialNo} ({d.month}): diferență {lei(d.difference)}"
                               for d in result.differences))


if st.button("Calculează", type="primary"):
    incomes, wrong = _incomes()
    for w in wrong:
        st.error(w)
    if not wrong:
        try:
            st.session_state["payer_result"] = (cert_id, stored.version, compute(rec, incomes, None, history))
        except FormprocError as exc:
            st.session_state.pop("payer_result", None)
            common.fail(exc)

kept: Any = st.session_state.get("payer_result")
if kept and kept[0] == cert_id:
    _, version, result = kept
    _show(result)
    text = (f"Partea plătitorului — certificatul {rec.serialCode} {rec.serialNo}\n\n" + explanation_text(result))
    d1, d2 = st.columns(2)
    d1.download_button("Descarcă explicația (text, pentru tipărire)", text.encode("utf-8"),
                       file_name=f"platitor-{rec.serialCode}-{rec.serialNo}.txt", mime="text/plain; charset=utf-8")
    if d2.button("Completează partea plătitorului în certificat"):
        try:
            saved = store.update_certificate(cert_id, result.apply(rec), version, me)
            store.delete_draft(me, draft_key)
            st.session_state.pop("payer_result", None)
            st.session_state["payer_flash"] = (f"Partea plătitorului a fost completată în certificatul "
                                               f"{saved.record.serialCode} {saved.record.serialNo}.")
            st.rerun()
        except ConflictError as exc:
            st.error(f"Conflict: {exc}")
        except FormprocError as exc:
            common.fail(exc)
if flash := st.session_state.pop("payer_flash", None):
    st.success(flash)
