"""The week's visits by day: every visit for a coordinator, their own for a volunteer."""

from datetime import timedelta

import streamlit as st

from listening.core import clock
from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, format_short_date, format_time, ngettext
from listening.models import Role
from listening.sessions import calendar
from listening.volunteers import availability
from ui import shell
from ui.format import label

account = shell.require(Role.coordinator, Role.volunteer)
st.title(_("Week calendar") if account.role == Role.coordinator else _("My week"))

WEEK = "calendar_week"
this_week = availability.week_start_of(clock.today())
week_start = st.session_state.setdefault(WEEK, this_week)
cols = st.columns([1, 1, 1, 3])
if cols[0].button(_("← Previous week"), key="calendar_previous"):
    week_start = st.session_state[WEEK] = week_start - timedelta(weeks=1)
if cols[1].button(_("This week"), key="calendar_this", disabled=week_start == this_week):
    week_start = st.session_state[WEEK] = this_week
if cols[2].button(_("Next week →"), key="calendar_next"):
    week_start = st.session_state[WEEK] = week_start + timedelta(weeks=1)

try:
    with session_scope() as session:
        week = calendar.week_visits(session, actor=account, week_start=week_start)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

st.subheader(_("Week of {date}", date=format_date(week.week_start)))
st.caption(ngettext("{n} visit this week", "{n} visits this week", week.count))
tz = get_settings().tz
today = clock.today()
for day, visits in week.days:
    heading = format_short_date(day) + (" · " + _("today") if day == today else "")
    st.markdown(f"**{heading}**")
    if not visits:
        st.caption(_("No visits"))
        continue
    st.dataframe(
        [
            {
                _("Time"): f"{format_time(v.starts_at, tz, 'HH:mm')}-{format_time(v.ends_at, tz, 'HH:mm')}",
                _("Resident"): v.resident_name,
                _("Volunteers"): " + ".join(v.volunteer_names),
                _("Mode"): label(v.mode),
                _("Status"): label(v.status) + (" · ⏸ " + _("held until a coordinator decides") if v.held else ""),
            }
            for v in visits
        ],
        hide_index=True,
        width="stretch",
        key=f"calendar_{day.isoformat()}",
    )
