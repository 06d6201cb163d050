from datetime import timedelta

import pandas as pd
import streamlit as st

from listening import reports, sessions
from listening.core import clock
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_number, join_list
from listening.models import Language, Mode, Outcome, Role
from listening.residents.communities import name_of
from ui import shell
from ui.format import label

account = shell.require(Role.coordinator)
st.title(_("Reports"))
st.caption(_("Logged sessions without residents' names, numbers or the volunteers' notes."))

columns = st.columns(2)
start = columns[0].date_input(_("From"), value=clock.today() - timedelta(days=90), key="report_start")
end = columns[1].date_input(_("To"), value=clock.today(), key="report_end")

try:
    with session_scope() as session:
        report = reports.session_report(session, actor=account, start=start, end=end)
        hours = sessions.hour_totals(session, actor=account, start=start, end=end)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

held = report.held
row = st.columns(4)
row[0].metric(_("Sessions held"), format_number(len(held)))
row[1].metric(_("Listening hours"), format_number(round(held["hours"].sum(), 1)))
row[2].metric(_("Residents heard"), format_number(report.residents_heard))
row[3].metric(_("Not held (no-show or no answer)"), format_number(len(report.sessions) - len(held)))

topics = reports.topic_counts(report)
# Communities by name, in the viewer's language, on the page and in the export alike.
community = reports.by_community(report)
community = community.assign(community=community["community"].map(name_of)).rename(columns={
    "community": _("Community"), "sessions": _("Sessions"), "hours": _("Hours"),
    "mood_change": _("Average mood change")})
left, right = st.columns(2)
with left:
    st.subheader(_("What residents talked about"))
    if topics.empty:
        st.caption(_("No sessions in this period."))
    else:
        st.bar_chart(topics.rename(index=lambda code: _(sessions.TOPIC_LABELS.get(code, code))),
                     horizontal=True, x_label=_("Sessions"), y_label="")
with right:
    st.subheader(_("By community"))
    st.dataframe(community, hide_index=True, width="stretch")

st.subheader(_("Volunteer hours"))
hours_frame = pd.DataFrame(
    [{_("Volunteer"): h.full_name, _("Sessions"): h.sessions, _("Hours"): h.hours,
      _("Sessions with a risk tick"): h.heavy_sessions} for h in hours])
st.dataframe(hours_frame, hide_index=True, width="stretch")

# The export speaks the viewer's language too.
readable = report.sessions.assign(
    mode=report.sessions["mode"].map(lambda v: label(Mode(v))),
    language=report.sessions["language"].map(lambda v: label(Language(v))),
    community=report.sessions["community"].map(name_of),
    outcome=report.sessions["outcome"].map(lambda v: label(Outcome(v))),
    topics=report.sessions["topics"].map(
        lambda t: join_list(_(sessions.TOPIC_LABELS.get(c, c)) for c in t.split(",") if c)),
).rename(columns={"date": _("Date"), "mode": _("Mode"), "language": _("Language"), "community": _("Community"),
                  "volunteer": _("Volunteer"), "outcome": _("Outcome"), "hours": _("Hours"),
                  "mood_before": _("Mood before"), "mood_after": _("Mood after"), "topics": _("Topics"),
                  "follow_up_wanted": _("Follow-up wanted")})
if st.button(_("Prepare the Excel file"), key="prepare_export"):
    with session_scope() as session:
        st.session_state["report_xlsx"] = reports.excel_workbook(session, actor=account, sheets={
            _("Sessions"): readable, _("By community"): community, _("Volunteer hours"): hours_frame})
if "report_xlsx" in st.session_state:
    st.download_button(_("Download Excel"), st.session_state["report_xlsx"],
                       file_name=f"listening-hour-{start}-{end}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_xlsx")
