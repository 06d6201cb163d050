import streamlit as st

from listening.core.i18n import _
from listening.staff import invites
from ui import actions, shell

st.title(_("Set your password"))
st.caption(_("A coordinator gave you a one-time code by SMS or on paper. Enter it with your username (or the phone "
             "number the centre has for you) and choose a password."))

with st.form("set_password", clear_on_submit=False):
    login = st.text_input(_("Username or phone number"), key="set_login")
    code = st.text_input(_("One-time code"), max_chars=12, key="set_code")
    password = st.text_input(_("New password"), type="password", key="set_password")
    again = st.text_input(_("New password again"), type="password", key="set_password_again")
    submitted = st.form_submit_button(_("Set the password"), type="primary")

if submitted:
    done = actions.run(invites.set_password_with_code, login=login, code=code, password=password,
                       password_again=again, address=shell.client_address(), rerun=False,
                       success=_("Your password is set. You can sign in now."))
    if done is not None:
        shell.link("pages/sign_in.py", _("Sign in"), icon=":material/login:")
