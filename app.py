"""Listening Hour (倾听一小时): page config, language, sign-in gate, and the pages this role may see.

Everything after the page config runs inside the error boundary (ui/errors.py): an unexpected error shows a
friendly message with an incident id, never a traceback.
"""

import streamlit as st

from listening.core.config import settings_problem
from ui import errors, shell

st.set_page_config(page_title="倾听一小时 · Listening Hour", page_icon="🫶", layout="wide")

if problem := settings_problem():  # serve.py refuses to start on these; `streamlit run app.py` gets a plain page
    st.error("Listening Hour is not configured: " + problem)
    st.stop()

with errors.boundary("shell"):
    shell.house_style()
    shell.choose_language()
    signed_in = shell.current_account()
    st.session_state["account"] = signed_in

    navigation = shell.navigation(signed_in)
    if signed_in is not None:
        shell.fetch_session_cookie()
        shell.sign_out_button(signed_in)
shell.run_guarded(navigation, signed_in)
