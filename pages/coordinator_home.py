import streamlit as st

from listening import reports
from listening.connection import journeys, suggestions
from listening.core import clock
from listening.core.db import read_scope
from listening.core.i18n import _, format_number, join_list, ngettext
from listening.feedback import followups
from listening.models import Role
from listening.residents import signals
from listening.supervision import overdue
from ui import actions, pager, shell
from ui.cache import ENTRIES, data_version
from ui.connections import signal_list
from ui.inert import NAME, md

CARE_PAGE = 10  # volunteers to look after shown at once
account = shell.require(Role.coordinator)
st.title(_("Good to see you, {name}", name=md(account.display_name, max_chars=NAME)))



@st.cache_data(max_entries=ENTRIES, ttl=300, show_spinner=False)
def figures(version: str, actor_id: int, today, _account):
    """The home page's figures, cached until the next write (ui/cache.py), for five minutes at most: "the next
    7 days" and "the oldest wait" move on with the clock alone."""
    with read_scope() as session:
        return reports.coordinator_overview(session, actor=_account)


overview = figures(data_version(), account.id, clock.today(), account)

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

with read_scope() as session:
    after_visits = followups.waiting(session, actor=account)
if after_visits.any:
    # After being heard: what residents' answers and complaints ask of a coordinator now.
    with st.container(border=True):
        st.markdown(" · ".join([
            _("Feedback follow-ups: {n}", n=after_visits.follow_ups), _("Feedback calls: {n}", n=after_visits.calls),
            _("Volunteers held: {n}", n=after_visits.holds), _("Open complaints: {n}", n=after_visits.complaints)]))
        links = st.columns(3)
        with links[0]:
            shell.link("pages/feedback.py", _("Open the feedback page"), icon=":material/reviews:")
        with links[1]:
            shell.link("pages/complaints.py", _("Open the complaints"), icon=":material/feedback:")
        if after_visits.holds:
            with links[2]:
                shell.link("pages/safeguarding.py", _("Decide on held visits"), icon=":material/health_and_safety:")

# The weekly chart is on Reports: the home opens after every sign-in, and a chart's library costs a small
# machine's browser up to a second on the first one.
shell.link("pages/reports.py", _("Requests per week, and the other figures: Reports"), icon=":material/bar_chart:")

@st.cache_data(max_entries=ENTRIES, ttl=300, show_spinner=False)
def needing_care(version: str, actor_id: int, today, _account):
    """Cached like the figures: a district's listeners' last supervision and sessions, read until the next write."""
    with read_scope() as session:
        return overdue.volunteers_needing_care(session, actor=_account)


st.subheader(_("Volunteers to look after"))
actions.show_flash()
to_look_after = needing_care(data_version(), account.id, clock.today(), account)
if not to_look_after:
    st.caption(_("Every listening volunteer has a supervisor, recent supervision and recent sessions."))
else:
    st.caption(ngettext("{n} volunteer to look after, the longest overdue first.",
                        "{n} volunteers to look after, the longest overdue first.", len(to_look_after)))
for row in pager.show(to_look_after, key="care_page", size=CARE_PAGE).items:  # a card and a button each
    with st.container(border=True):
        cols = st.columns([3, 1])
        reasons = []
        if row.supervision_overdue:
            reasons.append(ngettext("no supervision for {n} day", "no supervision for {n} days", row.supervision_days))
        if row.session_overdue:
            reasons.append(ngettext("no listening session for {n} day", "no listening session for {n} days",
                                    row.session_days))
        if row.supervisor is None:
            reasons.append(_("no supervisor"))
        cols[0].markdown(f"**{md(row.full_name, max_chars=NAME)}** · {join_list(reasons)}")
        cols[0].caption(_("Supervisor: {name}", name=md(row.supervisor or _("none"), max_chars=NAME)))
        if (row.supervision_overdue or row.session_overdue) and cols[1].button(
                _("Send a reminder SMS"), key=f"remind_{row.volunteer_id}", icon=":material/sms:"):
            actions.run(overdue.send_reminder, actor=account, volunteer_id=row.volunteer_id,
                        success=lambda message: _("Reminder queued.") if message
                        else ("info", _("A reminder already went out today.")))



@st.cache_data(max_entries=ENTRIES, ttl=300, show_spinner=False)
def connections(version: str, actor_id: int, today, _account):
    """Follow-ups and reviews due, and the signals: cached like the figures (signals read weeks of sessions)."""
    with read_scope() as session:
        return (suggestions.follow_ups_due(session, actor=_account), journeys.reviews_due(session, actor=_account),
                signals.signals(session, actor=_account))


st.subheader(_("Back to real people"))
due, reviews, found = connections(data_version(), account.id, clock.today(), account)
if due:
    st.markdown(ngettext("{n} activity follow-up is due.", "{n} activity follow-ups are due.", len(due)))
    shell.link("pages/activities.py", _("Open the follow-ups"), icon=":material/diversity_3:")
else:
    st.caption(_("No activity follow-up is due."))
st.markdown("**" + _("Journey reviews due") + "**")
if not reviews:
    st.caption(_("No journey plan has reached its review."))
for review in reviews:
    st.markdown("- " + _("{name}: {n} sessions since the plan (review after {review})",
                         name=md(review.resident_name, max_chars=NAME), n=review.sessions_since,
                         review=review.review_after))
st.markdown("**" + _("Signals for a review") + "**")
signal_list(found)
