import streamlit as st

from listening.core.i18n import _, ngettext
from listening.models import Role
from listening.staff import passwords
from ui import actions, shell
from ui.inert import NAME, md

account = shell.require(Role.coordinator, Role.volunteer)
st.title(_("My account"))
st.markdown(_("**Name:** {name}", name=md(account.display_name, max_chars=NAME)))
st.markdown(_("**Username:** {username}", username=md(account.username)))
st.markdown(_("**Role:** {role}", role=shell.role_label(account.role)))

st.subheader(_("Change your password"))
with st.form("change_password", clear_on_submit=True):
    current = st.text_input(_("Current password"), type="password", key="current_password")
    new = st.text_input(_("New password"), type="password", key="new_password")
    again = st.text_input(_("New password again"), type="password", key="new_password_again")
    submitted = st.form_submit_button(_("Change the password"), type="primary")

if submitted:
    actions.run(passwords.change_password, actor=account, current=current, new=new, new_again=again,
                keep_token=st.session_state.get(shell.TOKEN_KEY), rerun=False,
                success=lambda others: ngettext(
                    "Your password is changed. {n} other browser was signed out.",
                    "Your password is changed. {n} other browsers were signed out.", others)
                if others else _("Your password is changed."))
