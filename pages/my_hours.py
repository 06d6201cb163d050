import streamlit as st

from listening import sessions
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, format_number
from listening.models import Role
from ui import shell
from ui.format import local_time

account = shell.require(Role.volunteer)
st.title(_("My hours"))
st.caption(_("Counted from the start and end times in your session logs."))

try:
    with session_scope() as session:
        months = sessions.my_hours_by_month(session, actor=account)
        resting_until = sessions.my_rest_until(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

if resting_until:
    st.info(_("You are resting from new visits until {when}, after a heavy session. Thank you for your care.",
              when=local_time(resting_until, "short")))

row = st.columns(2)
row[0].metric(_("Sessions held"), format_number(sum(m.sessions for m in months)))
row[1].metric(_("Hours listened"), format_number(round(sum(m.hours for m in months), 1)))

if not months:
    st.caption(_("No sessions logged yet."))
else:
    st.dataframe(
        [
            {
                _("Month"): format_date(m.month, "yyyy-MM"),
                _("Sessions"): m.sessions,
                _("Hours"): m.hours,
            }
            for m in months
        ],
        hide_index=True,
        width="stretch",
    )
