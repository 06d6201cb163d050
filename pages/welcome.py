"""Public, the first page a signed-out visitor sees: a resident's way in (what a listening hour is, that it is
free, how to ask, the centre's phone and address), with the staff sign-in beside it. On a phone the sidebar is
collapsed, so everything a resident needs is here in the main area."""

import streamlit as st

from listening.core.config import get_settings
from listening.core.i18n import _
from listening.safeguarding import hotlines
from ui import shell

settings = get_settings()
st.title(_("Listening Hour"))
st.subheader(_("Someone from your community who listens to you, for an hour, free"))

resident, staff = st.columns([3, 1], gap="large")
with resident:
    st.markdown(_("A trained volunteer from your neighbourhood listens to you for an hour, without judging: at "
                  "the community centre, by phone or at your home. You do not need an account."))
    st.info(_("The service is free. No volunteer will ever ask you for money, gifts or investments."), icon="🆓")
    if st.button(_("Ask for a listening hour"), type="primary", icon=":material/chat:", width="stretch",
                 key="welcome_ask"):
        st.switch_page("pages/request.py")
    st.markdown(_("Fill in a short form with your phone number and the times that suit you. A coordinator then "
                  "calls or texts you to arrange the visit."))
    with st.container(border=True):
        st.markdown("**" + _("Rather ask by phone, or come by?") + "**")
        st.markdown(_("Call the centre: **{phone}**", phone=settings.centre_phone))
        st.markdown(_("Address: {address}", address=settings.centre_address))
    st.caption(_("Listening volunteers are not a crisis service. If you are in danger now, call {numbers}.",
                 numbers=" · ".join(f"{line.number} {line.name}" for line in hotlines())))
    shell.link("pages/about.py", _("About the programme"), icon=":material/info:")

with staff:
    with st.container(border=True):
        st.markdown("**" + _("Volunteers and coordinators") + "**")
        shell.link("pages/sign_in.py", _("Staff sign-in"), icon=":material/login:")
    with st.container(border=True):
        st.markdown("**" + _("Would you like to listen?") + "**")
        st.markdown(_("Neighbours who listen are trained and supervised by the centre."))
        shell.link("pages/apply.py", _("Become a volunteer"), icon=":material/volunteer_activism:")
