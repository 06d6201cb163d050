import streamlit as st

from listening.core.config import get_settings
from listening.core.errors import ServiceError
from listening.core.i18n import _
from listening.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from listening.staff import auth
from ui import shell
from ui.inert import NAME, md

st.title(_("Listening Hour"))
st.caption(_("Free listening by trained volunteers of your community centre."))
wanted = shell.page_wanted_before_sign_in()
if wanted:  # a staff page's address, opened signed out: that page follows the sign-in
    st.info(_("Please sign in to open this page."), icon=":material/lock:")

with st.form("sign_in"):
    username = st.text_input(_("Username"), key="username")
    password = st.text_input(_("Password"), type="password", key="password")
    submitted = st.form_submit_button(_("Sign in"), type="primary")

if submitted:
    try:
        account, new_session = auth.sign_in(
            username=username, password=password, address=shell.client_address(),
            device_cookie=st.context.cookies.get(auth.DEVICE_COOKIE),
            browser=st.context.cookies.get(auth.BROWSER_COOKIE))
    except ServiceError as error:
        shell.show_error(error)
        # The same for a wrong password, an unknown username and a throttled attempt, so it says nothing of which.
        st.caption(_("After several wrong attempts, each new attempt from this device has to wait a little longer."))
    else:
        st.session_state[shell.TOKEN_KEY] = new_session.token
        if new_session.ticket:
            # This Streamlit session goes on signed in at once; the browser fetches its HttpOnly cookie in the
            # background on the next run, so a refresh keeps it signed in.
            st.session_state[shell.COOKIE_TICKET_KEY] = new_session.ticket
            shell.go_on_signed_in(account)
        st.success(_("Welcome, {name}.", name=md(account.display_name, max_chars=NAME)))
        st.caption(_("This browser does not keep cookies for this site, so a refresh will sign you out."))
        st.button(_("Continue"), key="continue_signed_in")  # any click reruns into the signed-in pages
        st.stop()

shell.link("pages/set_password.py", _("Have an invitation code? Set your password"), icon=":material/key:")

with st.container(border=True):
    st.markdown(_("Residents do not need an account: ask for a listening hour, or call the centre on {phone}.",
                  phone=get_settings().centre_phone))
    shell.link("pages/request.py", _("Ask for a listening hour"), icon=":material/chat:")

if shell.demo_mode():
    with st.expander(_("Demo accounts"), expanded=True):
        st.caption(_("This is a demonstration with fictional people. Password for every demo account: {password}",
                     password=DEMO_PASSWORD))
        st.table({_("Username"): [a.username for a in DEMO_ACCOUNTS],
                  _("Who"): [_(a.description) for a in DEMO_ACCOUNTS]})
