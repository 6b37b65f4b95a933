"""formproc in the browser (Streamlit): sign-in, then the pages of ui/. A thin shell over formproc."""

from __future__ import annotations

import streamlit as st

from formproc import auth
from formproc.errors import FormprocError
from ui import common

st.set_page_config(page_title="formproc — certificate de concediu medical", layout="wide")

PAGES = [
    ("ui/certificat.py", "Certificat", ":material/edit_document:", "certificates"),
    ("ui/platitor.py", "Plătitor", ":material/payments:", "payer"),
    ("ui/tiparire.py", "Tipărire", ":material/print:", "print"),
    ("ui/scanare.py", "Scanare", ":material/document_scanner:", "scan"),
    ("ui/reconciliere.py", "Reconciliere", ":material/compare:", "reconcile"),
    ("ui/raport.py", "Raport lunar", ":material/summarize:", "report"),
    ("ui/feedback.py", "Feedback CAS", ":material/fact_check:", "feedback"),
    ("ui/setari.py", "Nomenclatoare și setări", ":material/settings:", "settings"),
    ("ui/jurnal.py", "Jurnal", ":material/history:", "audit"),
]


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # secrets.toml present but unreadable: local sign-in still works
        return False


def _sign_in_oidc() -> None:
    """Map the OpenID Connect identity to a local user (by e-mail) for the role."""
    if not st.user.is_logged_in:
        if st.button("Autentificare cu contul instituției"):
            st.login()
        return
    email = str(st.user.get("email") or "")
    local = common.store().get_user(email)
    if local is None or not local.active:
        st.error(f"Contul {email} nu are un rol în formproc; cereți administratorului să îl adauge.")
        if st.button("Ieșire"):
            st.logout()
        return
    st.session_state["user"] = {"username": local.username, "role": local.role, "name": local.full_name or ""}
    st.rerun()


def _first_run() -> None:
    """No user yet: create the administrator (and, with one click, the demo data)."""
    st.subheader("Prima pornire: creați contul de administrator")
    with st.form("first_admin"):
        name = st.text_input("Utilizator", value="admin")
        full = st.text_input("Nume și prenume")
        pw = st.text_input("Parolă (minim 8 caractere)", type="password")
        pw2 = st.text_input("Repetați parola", type="password")
        demo = st.checkbox("Încarcă furnizorul demonstrativ și certificatele exemplu", value=True)
        if st.form_submit_button("Creează administratorul"):
            if pw != pw2:
                st.error("Parolele nu coincid.")
                return
            try:
                created = auth.create_user(common.store(), name, pw, "admin", full or None, by=name)
                if demo:
                    common.load_demo(created.username)
            except FormprocError as exc:
                common.fail(exc)
                return
            st.session_state["user"] = {"username": created.username, "role": "admin", "name": full}
            st.rerun()


def _sign_in() -> None:
    st.title("formproc")
    st.caption("Certificatul de concediu medical: tipărire, scanare, validare, raportare SIUI.")
    try:
        if common.store().count_users() == 0:
            _first_run()
            return
    except FormprocError as exc:
        common.fail(exc)
        return
    with st.form("login"):
        name = st.text_input("Utilizator")
        pw = st.text_input("Parolă", type="password")
        if st.form_submit_button("Autentificare"):
            found = auth.authenticate(common.store(), name, pw)
            if found is None:
                st.error("Utilizator sau parolă greșită.")
            else:
                st.session_state["user"] = {"username": found.username, "role": found.role,
                                            "name": found.full_name or ""}
                st.rerun()
    if _oidc_configured():
        _sign_in_oidc()


current = common.user()
if current is None:
    _sign_in()
    st.stop()

pages = [st.Page(path, title=title, icon=icon) for path, title, icon, cap in PAGES if common.can(current["role"], cap)]
with st.sidebar:
    st.write(f"**{current['name'] or current['username']}** · {auth.ROLES.get(current['role'], current['role'])}")
    if st.button("Ieșire", key="logout"):
        st.session_state.clear()
        if _oidc_configured() and st.user.is_logged_in:
            st.logout()
        st.rerun()
st.navigation(pages).run()
