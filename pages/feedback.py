"""Coordinator: feedback after visits. Calls to make (residents asked by phone: a +86 number or no SMS) with
their two answers, and the follow-ups a low score or a "yes" opened, closed with an outcome."""

import streamlit as st

from listening.core.db import session_scope
from listening.core.i18n import _, format_number
from listening.core.paging import page_number
from listening.feedback import asking, followups
from listening.models import FollowUpOutcome, Role, utcnow
from ui import actions, pager, shell
from ui.format import label, local_time
from ui.inert import md

CALLS_PAGE, CALLS_PAGE_KEY = 20, "feedback_calls_page"  # call cards shown at once, each with its answers
account = shell.require(Role.coordinator)
st.title(_("Feedback"))
st.caption(_("After each visit held, the resident is asked two questions: did they feel listened to (1-5), and "
             "did anyone ask them for money, gifts, investment or to talk outside the programme. A score of {low} "
             "or less, or a yes, opens a follow-up here; a yes is also a safeguarding escalation and holds the "
             "volunteer's other visits.", low=asking.LOW_SCORE))
actions.show_flash()

now = utcnow()
with session_scope() as session:
    waiting = followups.waiting(session, actor=account)  # the counts: a district has thousands of calls waiting
    number = page_number(int(st.session_state.get(CALLS_PAGE_KEY, 1)), waiting.calls, CALLS_PAGE)
    calls = asking.calls_to_make(session, actor=account, limit=CALLS_PAGE, offset=(number - 1) * CALLS_PAGE, now=now)
    open_follow_ups = followups.open_follow_ups(session, actor=account, now=now)

row = st.columns(2)
row[0].metric(_("Feedback calls to make"), format_number(waiting.calls))
row[1].metric(_("Follow-ups open"), format_number(waiting.follow_ups))

tab_calls, tab_follow_ups = st.tabs([_("Calls to make"), _("Follow-ups")])

with tab_calls:
    st.caption(_("These residents cannot answer by SMS (a +86 number, or no text messages): phone them, ask the two "
                 "questions, and record the answers."))
    if not calls:
        st.caption(_("No feedback call is waiting."))
    pager.choose(waiting.calls, key=CALLS_PAGE_KEY, size=CALLS_PAGE)
    for call in calls:
        with st.container(border=True):
            st.markdown(f"**{md(call.resident_name)}** · {md(call.phone)} · "
                        + _("visit on {when}", when=local_time(call.visit_starts_at, "short")))
            columns = st.columns([2, 3, 1], vertical_alignment="bottom")
            score = columns[0].selectbox(_("Felt listened to (1-5)"), [1, 2, 3, 4, 5], index=None,
                                         placeholder=_("Choose"), key=f"score_{call.feedback_id}")
            asked = columns[1].radio(_("Asked for money, gifts, investment or private contact?"), [True, False],
                                     format_func=lambda v: _("yes") if v else _("no"), index=None, horizontal=True,
                                     key=f"asked_{call.feedback_id}")
            if columns[2].button(_("Save"), key=f"save_{call.feedback_id}"):
                actions.run(asking.record_by_phone, actor=account, feedback_id=call.feedback_id, score=score,
                            asked_for_money_or_contact=asked, success=_("Answers recorded."))

with tab_follow_ups:
    if not open_follow_ups:
        st.caption(_("No follow-up is open: no low score and no report of money or private contact."))
    for item in open_follow_ups:
        with st.container(border=True):
            answer = _("yes") if item.asked_for_money_or_contact else _("no")
            st.markdown(f"**{md(item.resident_name)}** · {md(item.phone_masked)} · "
                        + _("score {score}; asked for money or contact: {answer}", score=item.score, answer=answer))
            st.caption(_("Visit on {when} with {volunteer}; answered {channel}",
                         when=local_time(item.visit_starts_at, "short"), volunteer=md(item.volunteer_name or "–"),
                         channel=label(item.channel)))
            if item.escalation_id:
                shell.link("pages/safeguarding.py", _("Escalation #{id}", id=item.escalation_id),
                           icon=":material/health_and_safety:")
            columns = st.columns([3, 1], vertical_alignment="bottom")
            outcome = columns[0].selectbox(_("How it ended"), list(FollowUpOutcome), format_func=label, index=None,
                                           placeholder=_("Choose"), key=f"outcome_{item.feedback_id}")
            if columns[1].button(_("Close the follow-up"), key=f"close_{item.feedback_id}"):
                actions.run(followups.close_follow_up, actor=account, feedback_id=item.feedback_id, outcome=outcome,
                            success=_("Follow-up closed."))
