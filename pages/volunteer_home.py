import streamlit as st

from listening.connection import suggestions
from listening.core.db import read_scope, session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, ngettext
from listening.core.phones import display
from listening.models import Role
from listening.sessions import visits
from listening.supervision import sessions as supervision
from ui import actions, shell
from ui.connections import follow_up_list
from ui.format import label, visit_time
from ui.inert import NAME, md

account = shell.require(Role.volunteer)
st.title(_("Hello, {name}", name=md(account.display_name, max_chars=NAME)))

try:
    with session_scope() as session:
        upcoming, past = visits.my_visits(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()


def phone_text(visit: visits.VolunteerVisit) -> str:
    """A number to tap and call inside the contact window; the masked number (not a link) outside it."""
    if visit.phone_callable:
        return f"[📞 {display(visit.resident_phone)}](tel:{visit.resident_phone})"
    return md(visit.resident_phone)


to_log = [v for v in past if v.needs_log] + [v for v in upcoming if v.needs_log]
if to_log:
    with st.container(border=True):
        st.markdown("**" + ngettext("{n} visit is waiting for its session log",
                                    "{n} visits are waiting for their session logs", len(to_log)) + "**")
        for visit in to_log:
            cols = st.columns([3, 1])
            cols[0].markdown(f"{visit_time(visit.starts_at)} · {label(visit.mode)} · {md(visit.resident_name)}")
            with cols[1]:
                shell.link("pages/log_session.py", _("Log this visit"), icon=":material/edit_note:",
                           visit=visit.visit_id)

with read_scope() as session:
    due = suggestions.follow_ups_due(session, actor=account)
if due:
    st.subheader(_("Activities I suggested: did they go?"))
    actions.show_flash()
    follow_up_list(account, due, key="my_follow_ups")

st.subheader(_("My upcoming visits"))
if not upcoming:
    st.caption(_("No visits planned. The coordinator will let you know."))
for visit in upcoming:
    with st.container(border=True):
        st.markdown(f"**{visit_time(visit.starts_at)}** · {label(visit.mode)} · {label(visit.language)}")
        st.markdown(_("Resident: {name} · {phone}", name=md(visit.resident_name), phone=phone_text(visit)))
        if visit.address:
            st.markdown(_("Address: {address}", address=md(visit.address)))
        if not visit.phone_callable:
            st.caption(_("The number can be called from 24 hours before the visit."))
        st.caption(label(visit.status))

st.subheader(_("Recent visits"))
st.dataframe(
    [
        {
            _("When"): visit_time(v.starts_at),
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

st.subheader(_("My supervision"))
with read_scope() as session:
    record = supervision.my_supervision(session, actor=account)
st.markdown(_("Supervisor: {name}", name=md(record.supervisor or _("not assigned yet"), max_chars=NAME)))
if not record.entries:
    st.caption(_("No supervision sessions recorded yet."))
else:
    st.dataframe(
        [{_("Date"): format_date(e.held_on), _("Kind"): label(e.kind), _("Supervisor"): e.supervisor,
          _("Attended"): "✓" if e.attended else "✗"} for e in record.entries],
        hide_index=True, width="stretch")
