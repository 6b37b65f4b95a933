"""Nomenclatoare și setări: SIUI catalogs, provider data, users, printer profiles, templates, demo data."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import streamlit as st

from formproc import auth
from formproc.errors import FormprocError, InputError
from formproc.files import write_atomic
from formproc.layout import list_templates
from formproc.render.profile import PrinterProfile, dumps_profile, parse_profile, profile_path
from formproc.report.provider import Provider
from formproc.report.siui_client import DEFAULT_ENDPOINT, SETTING_KEY, endpoint
from ui import common

current = common.require("settings")
store = common.store()
me = current["username"]
st.title("Nomenclatoare și setări")

tab_cat, tab_prov, tab_users, tab_print, tab_tpl, tab_demo = st.tabs(
    ["Nomenclatoare SIUI", "Furnizor", "Utilizatori", "Imprimante", "Formulare", "Date demonstrative"])

with tab_cat:
    st.write("Importați fișierul de nomenclatoare (NomenclaturesCM) sau de personalizare (PersonalizedFileCM) "
             "primit de la CAS.")
    upload = st.file_uploader("Fișier XML SIUI", type=["xml"], key="siui_file")
    if upload is not None and st.button("Importă nomenclatorul"):
        from formproc.catalogs.siui import import_file

        data = upload.getvalue()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(data)
            try:
                summary = import_file(str(path))
                store.add_catalog_import(summary.get("file", "siui"), upload.name, [summary], me)
                st.success(f"Importat: {summary.get('imported')}")
            except FormprocError as exc:
                common.fail(exc)
    st.dataframe([{"Tip": c.kind, "Fișier": c.source, "Importat la (UTC)": c.imported_at, "De": c.imported_by}
                  for c in store.list_catalog_imports()], hide_index=True, width="stretch")

with tab_prov:
    provider = store.provider()
    with st.form("provider"):
        values = {
            "providerCode": st.text_input("Cod furnizor (SIUI)", provider.get("providerCode", "")),
            "providerName": st.text_input("Denumire furnizor", provider.get("providerName", "")),
            "insuranceHouse": st.text_input("Casa de asigurări (ex. CAS-IS)", provider.get("insuranceHouse", "")),
            "conventionNo": st.text_input("Nr. convenție", provider.get("conventionNo", "")),
            "cui": st.text_input("C.U.I.", provider.get("cui", "") or ""),
            "workPlace": st.text_input("Punct de lucru (opțional)", provider.get("workPlace", "") or ""),
            "AppKey": st.text_input("AppKey (opțional)", provider.get("AppKey", "") or ""),
        }
        if st.form_submit_button("Salvează datele furnizorului"):
            cleaned = {k: v.strip() for k, v in values.items() if v.strip()}
            try:
                Provider.from_dict(cleaned, "furnizor")
                store.set_setting("provider", cleaned, me)
                st.success("Datele furnizorului au fost salvate.")
            except FormprocError as exc:
                common.fail(exc)

    st.write("**Serviciul web SIUI** (SiuiWS) prin care pagina Raport lunar trimite raportările și preia "
             "răspunsul CAS.")
    configured = store.get_setting(SETTING_KEY)
    with st.form("siui_endpoint"):
        address = st.text_input("Adresa serviciului SIUI", configured or "", placeholder=DEFAULT_ENDPOINT)
        if st.form_submit_button("Salvează adresa SIUI"):
            try:
                store.set_setting(SETTING_KEY, endpoint(address.strip()) if address.strip() else None, me)
                st.success("Adresa serviciului SIUI a fost salvată.")
            except FormprocError as exc:
                common.fail(exc)
    if os.environ.get("FORMPROC_SIUI_ENDPOINT"):
        st.info(f"FORMPROC_SIUI_ENDPOINT este setat și are prioritate: {os.environ['FORMPROC_SIUI_ENDPOINT']}")
    else:
        st.caption(f"Adresa folosită: {store.get_setting(SETTING_KEY) or DEFAULT_ENDPOINT}")

with tab_users:
    st.dataframe([{"Utilizator": u.username, "Nume": u.full_name, "Rol": auth.ROLES.get(u.role, u.role),
                   "Activ": u.active, "Parolă locală": bool(u.password_hash)} for u in store.list_users()],
                 hide_index=True, width="stretch")
    with st.form("new_user", clear_on_submit=True):
        st.write("Utilizator nou (pentru OpenID Connect: numele este adresa de e-mail, parola poate lipsi)")
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input("Utilizator")
        full = c2.text_input("Nume și prenume")
        role = c3.selectbox("Rol", list(auth.ROLES), format_func=auth.ROLES.get)
        pw = c4.text_input("Parolă", type="password")
        if st.form_submit_button("Adaugă utilizatorul"):
            try:
                auth.create_user(store, name, pw or None, role, full or None, by=me)
                st.success(f"Utilizatorul {name} a fost creat.")
            except FormprocError as exc:
                common.fail(exc)
    users = [u.username for u in store.list_users()]
    with st.form("edit_user"):
        st.write("Modificare utilizator")
        c1, c2, c3, c4 = st.columns(4)
        who = c1.selectbox("Utilizator", users)
        new_role = c2.selectbox("Rol nou", [None, *auth.ROLES], format_func=lambda r: "neschimbat" if r is None
                                else auth.ROLES[r])
        active = c3.selectbox("Stare", [None, True, False],
                              format_func=lambda v: {None: "neschimbată", True: "activ", False: "dezactivat"}[v])
        new_pw = c4.text_input("Parolă nouă", type="password")
        if st.form_submit_button("Aplică"):
            try:
                if new_role:
                    auth.set_role(store, who, new_role, by=me)
                if active is not None:
                    store.update_user(who, me, active=active)
                if new_pw:
                    auth.set_password(store, who, new_pw, by=me)
                st.success(f"Utilizatorul {who} a fost actualizat.")
            except FormprocError as exc:
                common.fail(exc)

with tab_print:
    st.write("Profilul unei imprimante corectează poziția tiparului (deplasare, scară, rotație, ajustări pe câmp), "
             "măsurată cu pagina de calibrare din pagina Tipărire.")
    names = store.list_printer_profiles()
    pick = st.selectbox("Profil", [None, *names], format_func=lambda n: "＋ profil nou" if n is None else n)
    data = store.get_printer_profile(pick) if pick else PrinterProfile(name="imprimanta-noua").model_dump(mode="json")
    text = st.text_area("Profil (JSON)", dumps_profile(PrinterProfile.model_validate(data)), height=260,
                        key=f"profile_{pick}")
    if st.button("Salvează profilul"):
        try:
            profile = parse_profile(text, "profil")
            if not re.match(r"^[A-Za-z0-9._ -]{1,60}$", profile.name):
                raise InputError("numele profilului: litere, cifre, spațiu, . _ -")
            store.save_printer_profile(profile.name, profile.model_dump(mode="json"), me)
            path = profile_path(profile.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, dumps_profile(profile))
            st.success(f"Profilul {profile.name} a fost salvat (și în {path}).")
        except FormprocError as exc:
            common.fail(exc)

with tab_tpl:
    from formproc.scan.register import reference_file

    st.write("Formularele cunoscute (machetele din templates/): fiecare descrie pozițiile câmpurilor în mm. "
             "Scanarea aliniază fiecare pagină după o referință: formularul generat din machetă sau, mai precis, "
             "scanarea unui formular necompletat din carnetul dvs.")
    templates = list_templates()

    def _reference(name: str) -> str:
        path = reference_file(name)
        if not path.is_file():
            return "formularul generat din machetă"
        info = store.get_setting(f"scan.reference.{name}") or {}
        score = f", scor de aliniere {info['score']:.2f}" if "score" in info else ""
        return f"scanarea unui formular real ({info.get('file', path.name)}{score})"

    with st.form("reference", clear_on_submit=True):
        st.write("Înregistrați ca referință scanarea unui formular **necompletat** din carnet (PNG, JPEG, TIFF sau "
                 "PDF, cel puțin 200 dpi).")
        which = st.selectbox("Formular", templates, key="ref_template")
        blank = st.file_uploader("Scanarea formularului necompletat", type=["png", "jpg", "jpeg", "tif", "tiff", "pdf"],
                                 key="ref_file")
        if st.form_submit_button("Înregistrează referința") and blank is not None:
            import hashlib

            from formproc.layout import load_template
            from formproc.scan.load import load_image_bytes
            from formproc.scan.register import save_reference

            try:
                page = load_image_bytes(blank.getvalue(), blank.name)[0]
                score = save_reference(load_template(which), page.image)
                store.set_setting(f"scan.reference.{which}", {"file": blank.name, "score": round(score, 3),
                                                              "sha256": hashlib.sha256(blank.getvalue()).hexdigest()},
                                  me, reason="scanned")
                st.success(f"Referința formularului {which} este acum scanarea {blank.name} "
                           f"(scor de aliniere {score:.2f}).")
            except FormprocError as exc:
                common.fail(exc)
    own = [name for name in templates if reference_file(name).is_file()]
    if own:
        back = st.selectbox("Formular cu referință scanată", own, key="ref_reset")
        if st.button("Revino la formularul generat din machetă"):
            reference_file(back).unlink(missing_ok=True)
            store.set_setting(f"scan.reference.{back}", None, me)
            st.success(f"Formularul {back} se aliniază din nou după formularul generat din machetă.")
    st.dataframe([{"Formular": name, "Referința de aliniere folosită": _reference(name)} for name in templates],
                 hide_index=True, width="stretch")

with tab_demo:
    st.write("Furnizorul demonstrativ (samples/provider.json), un carnet CCMAT 4512301-4512350 și certificatele "
             "exemplu (samples/records.json).")
    if st.button("Încarcă datele demonstrative"):
        try:
            added = common.load_demo(me)
            st.success(f"Date demonstrative încărcate: {added['certificates']} certificate noi.")
        except FormprocError as exc:
            common.fail(exc)
