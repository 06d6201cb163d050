"""Listening Hour (倾听一小时): page config, language, sign-in gate, and the pages this role may see."""

import streamlit as st

from ui import shell

st.set_page_config(page_title="倾听一小时 · Listening Hour", page_icon="🫶", layout="wide")

shell.choose_language()
signed_in = shell.current_account()
st.session_state["account"] = signed_in

navigation = shell.navigation(signed_in)
if signed_in is not None:
    shell.sign_out_button(signed_in)
navigation.run()
