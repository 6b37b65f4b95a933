"""formproc in the browser (Streamlit). A thin shell over the formproc package."""

import streamlit as st

st.set_page_config(page_title="formproc — certificate de concediu medical", layout="wide")
st.title("formproc")
st.write("Certificatul de concediu medical: tipărire, scanare, validare, raportare SIUI.")
