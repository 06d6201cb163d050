from datetime import timedelta

import pandas as pd
import streamlit as st

from listening import reports, sessions
from listening.core import clock
from listening.core.db import read_scope, session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, format_number, join_list
from listening.models import ActivityKind, Language, LeaveReason, Mode, Outcome, Role
from listening.reports import feedback as outcomes
from listening.residents.communities import name_of
from ui import shell
from ui.cache import ENTRIES, data_version
from ui.format import label, status_chart


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def figures(version: str, actor_id: int, start, end, _account):
    """The period's figures and hours, aggregated in SQL; cached until the next write (ui/cache.py)."""
    with read_scope() as session:
        return (reports.session_figures(session, actor=_account, start=start, end=end),
                sessions.hour_totals(session, actor=_account, start=start, end=end))


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def after_sessions(version: str, actor_id: int, start, end, _account):
    """The rest of the period's figures (connections, feedback, volunteers joining and leaving), cached like
    `figures`: a year of them is five aggregates, and a click that changes nothing should not run them again."""
    with read_scope() as session:
        return (reports.connection_figures(session, actor=_account, start=start, end=end),
                outcomes.feedback_figures(session, actor=_account, start=start, end=end),
                outcomes.feedback_by_month(session, actor=_account, start=start, end=end),
                reports.attrition(session, actor=_account, start=start, end=end),
                reports.time_to_first_session(session, actor=_account, joined_from=start, joined_to=end))


@st.cache_data(max_entries=ENTRIES, ttl=300, show_spinner=False)
def weekly(version: str, actor_id: int, today, _account):
    """Requests per week of the last 12, until the next write (the week moves on with the clock alone)."""
    with read_scope() as session:
        return reports.requests_by_week(session, actor=_account)


account = shell.require(Role.coordinator)
st.title(_("Reports"))
st.caption(_("Logged sessions without residents' names, numbers or the volunteers' notes."))

columns = st.columns(2)
start = columns[0].date_input(_("From"), value=clock.today() - timedelta(days=90), key="report_start")
end = columns[1].date_input(_("To"), value=clock.today(), key="report_end")

try:
    version = data_version()
    found, hours = figures(version, account.id, start, end, account)
    connected, heard, monthly, leavers, first = after_sessions(version, account.id, start, end, account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

row = st.columns(4)
row[0].metric(_("Sessions held"), format_number(found.held))
row[1].metric(_("Listening hours"), format_number(found.hours))
row[2].metric(_("Residents heard"), format_number(found.residents_heard))
row[3].metric(_("Not held (no-show or no answer)"), format_number(found.not_held))

st.subheader(_("Requests per week"))
by_week = weekly(version, account.id, clock.today(), account).copy()  # the cached frame is shared
if by_week.empty:
    st.caption(_("No requests in the last 12 weeks."))
else:
    chart, colours = status_chart(by_week, index="week", value="requests")
    chart.index = chart.index.map(str)  # ISO dates: sort correctly and read the same in both languages
    st.bar_chart(chart, color=colours, x_label=_("Week starting"), y_label=_("Number of requests"))

topics = found.topics
# Communities by name, in the viewer's language, on the page and in the export alike.
community = found.by_community
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

st.subheader(_("Back to real people: residents connected to community activities"))
row = st.columns(3)
row[0].metric(_("Residents given an activity"), format_number(connected.residents_suggested))
row[1].metric(_("Residents who went"), format_number(connected.residents_connected),
              help=_("A follow-up after two or six weeks says they went."))
row[2].metric(_("Still going after six weeks"), format_number(connected.residents_still_attending))
if connected.empty_reason:
    st.caption(_(connected.empty_reason))
else:
    chart = connected.by_kind.set_index("kind")[["went", "still_attending"]]
    chart = chart.rename(index=lambda kind: label(ActivityKind(kind)),
                         columns={"went": _("Went"), "still_attending": _("Still going after six weeks")})
    st.bar_chart(chart, stack=False, x_label=_("Kind of activity"), y_label=_("Residents"))


def readable(report: reports.SessionReport) -> pd.DataFrame:
    """The export's session table in the viewer's language."""
    frame = report.sessions

    def translated(column: str, text) -> pd.Series:  # once per distinct value, not once per session
        return frame[column].map({value: text(value) for value in frame[column].unique()})

    return frame.assign(
        mode=translated("mode", lambda v: label(Mode(v))),
        language=translated("language", lambda v: label(Language(v))),
        community=translated("community", name_of),
        outcome=translated("outcome", lambda v: label(Outcome(v))),
        topics=translated("topics", lambda t: join_list(_(sessions.TOPIC_LABELS.get(c, c)) for c in t.split(",") if c)),
    ).rename(columns={"date": _("Date"), "mode": _("Mode"), "language": _("Language"), "community": _("Community"),
                      "volunteer": _("Volunteer"), "outcome": _("Outcome"), "hours": _("Hours"),
                      "mood_before": _("Mood before"), "mood_after": _("Mood after"), "topics": _("Topics"),
                      "follow_up_wanted": _("Follow-up wanted")})


# The per-session table is read and built only when the file is asked for, never on an ordinary run.
if st.button(_("Prepare the Excel file"), key="prepare_export"):
    with session_scope() as session:
        report = reports.session_report(session, actor=account, start=start, end=end)
        st.session_state["report_xlsx"] = reports.excel_workbook(session, actor=account, sheets={
            _("Sessions"): readable(report), _("By community"): community, _("Volunteer hours"): hours_frame})
if "report_xlsx" in st.session_state:
    st.download_button(_("Download Excel"), st.session_state["report_xlsx"],
                       file_name=f"listening-hour-{start}-{end}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_xlsx")

st.subheader(_("After being heard: feedback, complaints and scam reports"))
row = st.columns(4)
row[0].metric(_("Feedback answers"), format_number(heard.answers),
              help=_("Low scores: {low}; said someone asked for money or private contact: {yes}.",
                     low=heard.low_scores, yes=heard.asked_for_money_or_contact))
row[1].metric(_("Average score (1-5)"), "–" if heard.average_score is None else format_number(heard.average_score))
row[2].metric(_("Complaints received"), format_number(heard.complaints),
              help=_("Median days from received to closed, of the {n} closed in the period.", n=heard.complaints_closed))
row[3].metric(_("Scam or misconduct reports"), format_number(heard.scam_reports))
st.markdown("**" + _("Median days to handle a complaint") + ":** "
            + ("–" if heard.median_handling_days is None else format_number(heard.median_handling_days)))
st.markdown("**" + _("Feedback score per month") + "**")
if monthly.empty:
    st.caption(_("No feedback was answered in this period: residents are asked after each visit held, and nobody "
                 "answered between {start} and {end}.", start=format_date(start), end=format_date(end)))
else:
    st.bar_chart(monthly.assign(month=monthly["month"].map(lambda m: format_date(m, "yyyy-MM")))
                 .set_index("month")["average_score"].rename(_("Average score (1-5)")),
                 x_label=_("Month"), y_label=_("Average score (1-5)"))
    st.dataframe(monthly.assign(month=monthly["month"].map(lambda m: format_date(m, "yyyy-MM")))
                 .rename(columns={"month": _("Month"), "answers": _("Feedback answers"),
                                  "average_score": _("Average score (1-5)")}), hide_index=True, width="stretch")

st.subheader(_("Volunteers joining and leaving"))
row = st.columns(3)
row[0].metric(_("Volunteers who left"), format_number(int(leavers["left"].sum())))
row[1].metric(_("Median days from joining to a first session"),
              "–" if first.median_days is None else format_number(first.median_days),
              help=_("Volunteers who joined in the period and have held a session: {n}.", n=first.with_session))
row[2].metric(_("Joined, no session yet"), format_number(first.still_waiting))
if not leavers.empty:
    st.dataframe(leavers.assign(month=leavers["month"].map(lambda m: format_date(m, "yyyy-MM")),
                                reason=leavers["reason"].map(lambda r: label(LeaveReason(r))))
                 .rename(columns={"month": _("Month"), "reason": _("Reason"), "left": _("Left")}),
                 hide_index=True, width="stretch")

st.subheader(_("Hours for the volunteer platforms"))
st.caption(_("One row per held session: name, mobile number, date, start, end, hours and activity, as the "
             "platforms' batch entry expects. The file holds full phone numbers: keep it safe."))
if st.button(_("Prepare the platform files"), key="prepare_platform"):
    with session_scope() as session:
        platform = reports.platform_hours(session, actor=account, start=start, end=end)
        st.session_state["platform_csv"] = reports.platform_csv(session, actor=account, frame=platform)
        st.session_state["platform_xlsx"] = reports.excel_workbook(
            session, actor=account, sheets={_("Volunteer hours"): reports.with_headers(platform)})
if "platform_csv" in st.session_state:
    cols = st.columns(2)
    cols[0].download_button(_("Download CSV"), st.session_state["platform_csv"],
                            file_name=f"volunteer-hours-{start}-{end}.csv", mime="text/csv", key="download_platform_csv")
    cols[1].download_button(_("Download Excel"), st.session_state["platform_xlsx"],
                            file_name=f"volunteer-hours-{start}-{end}.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key="download_platform_xlsx")
