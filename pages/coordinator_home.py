import streamlit as st

from listening import reports
from listening.core.db import session_scope
from listening.core.i18n import _, format_number, ngettext
from listening.models import Role
from ui import shell
from ui.format import status_chart
from ui.inert import NAME, md

account = shell.require(Role.coordinator)
st.title(_("Good to see you, {name}", name=md(account.display_name, max_chars=NAME)))

with session_scope() as session:
    overview = reports.coordinator_overview(session, actor=account)
    by_week = reports.requests_by_week(session, actor=account)

row = st.columns(4)
row[0].metric(_("Open requests"), format_number(overview.open_requests))
row[1].metric(_("Waiting for a match"), format_number(overview.waiting_for_match),
              help=ngettext("The oldest has waited {n} day.", "The oldest has waited {n} days.",
                            overview.oldest_wait_days))
row[2].metric(_("Urgent open requests"), format_number(overview.urgent_open))
row[3].metric(_("Visits in the next 7 days"), format_number(overview.visits_next_7_days))
row = st.columns(4)
row[0].metric(_("Sessions in the last 30 days"), format_number(overview.sessions_last_30_days))
row[1].metric(_("Listening hours in the last 30 days"), format_number(overview.hours_last_30_days))
row[2].metric(_("Active volunteers"), format_number(overview.active_volunteers),
              help=_("Trained and not paused: they can be matched today.") + " " + ngettext(
                  "{n} more is an applicant, in training, or needs a module renewed.",
                  "{n} more are applicants, in training, or need a module renewed.",
                  overview.volunteers_in_training))
row[3].metric(_("Open safeguarding escalations"), format_number(overview.open_escalations))
if overview.failed_messages:
    st.warning(ngettext("{n} text message failed to send.", "{n} text messages failed to send.",
                        overview.failed_messages))

st.subheader(_("Requests per week"))
if by_week.empty:
    st.caption(_("No requests in the last 12 weeks."))
else:
    chart, colours = status_chart(by_week, index="week", value="requests")
    chart.index = chart.index.map(str)  # ISO dates: sort correctly and read the same in both languages
    st.bar_chart(chart, color=colours, x_label=_("Week starting"), y_label=_("Number of requests"))
