import streamlit as st

from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _
from listening.core.phones import display
from listening.models import Role
from listening.sessions import visits
from ui import shell
from ui.format import label, local_time
from ui.inert import NAME, md

account = shell.require(Role.volunteer)
st.title(_("Hello, {name}", name=md(account.display_name, max_chars=NAME)))

try:
    with session_scope() as session:
        upcoming, past = visits.my_visits(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

st.subheader(_("My upcoming visits"))
if not upcoming:
    st.caption(_("No visits planned. The coordinator will let you know."))
for visit in upcoming:
    with st.container(border=True):
        st.markdown(f"**{local_time(visit.starts_at, 'full')}** · {label(visit.mode)} · {label(visit.language)}")
        st.markdown(_("Resident: {name} · {phone}", name=md(visit.resident_name), phone=display(visit.resident_phone)))
        if visit.address:
            st.markdown(_("Address: {address}", address=md(visit.address)))
        st.caption(label(visit.status))

st.subheader(_("Recent visits"))
st.dataframe(
    [
        {
            _("When"): local_time(v.starts_at),
            _("Mode"): label(v.mode),
            _("Resident"): v.resident_name,
            _("Status"): label(v.status),
            _("Logged"): "✓" if v.logged else "",
        }
        for v in past
    ],
    hide_index=True,
    width="stretch",
)
