"""Screens' pieces for the way back to real people: follow-ups to answer, signals to read, a resident's journey.

Shared by the coordinator's home, the activities page, the volunteer's home and the request detail, so that each
page stays a few lines: a read, then these.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from listening.connection import journeys, suggestions
from listening.core import clock
from listening.core.db import read_scope
from listening.core.i18n import N_, _, format_date, join_list
from listening.models import FOLLOW_UP_WEEKS, Account, FollowUpAnswer
from listening.residents import signals as resident_signals
from ui import actions
from ui.inert import NAME, md

# What the buttons say at each checkpoint: at six weeks "went" means "still goes".
ANSWER_TEXT = {
    2: {FollowUpAnswer.went: N_("went"), FollowUpAnswer.not_went: N_("did not go"),
        FollowUpAnswer.unknown: N_("not known")},
    6: {FollowUpAnswer.went: N_("still goes"), FollowUpAnswer.not_went: N_("does not go any more"),
        FollowUpAnswer.unknown: N_("not known")},
}


def _answer_text(weeks: int, answer: FollowUpAnswer) -> str:
    return _(ANSWER_TEXT[weeks][answer])


def follow_up_list(account: Account, due: list[suggestions.DueFollowUp], *, key: str) -> None:
    """Each due follow-up with its three answers; one click records one (audited)."""
    if not due:
        st.caption(_("No follow-up is due: each comes two and six weeks after an activity was suggested."))
        return
    for row in due:
        with st.container(border=True):
            st.markdown(f"**{md(row.resident_name, max_chars=NAME)}** · {md(row.activity_name)} · "
                        + _(suggestions.CHECKPOINT_LABELS[row.weeks]))
            details = [_("suggested on {date} by {name}", date=format_date(row.suggested_on),
                         name=md(row.volunteer_name, max_chars=NAME)),
                       _("due since {date}", date=format_date(row.due_on))]
            if row.went_before is not None:
                details.append(_("at two weeks: {answer}", answer=_answer_text(2, row.went_before)))
            st.caption(join_list(details))
            columns = st.columns(3)
            for column, answer in zip(columns, FollowUpAnswer, strict=True):
                if column.button(_answer_text(row.weeks, answer), key=f"{key}_{row.suggestion_id}_{row.weeks}_{answer}"):
                    actions.run(suggestions.record_follow_up, actor=account, suggestion_id=row.suggestion_id,
                                weeks=row.weeks, answer=answer, success=_("Follow-up recorded."))


def signal_text(signal: resident_signals.Signal) -> str:
    figures = {**signal.figures, "name": md(signal.figures.get("name", ""), max_chars=NAME)}
    return _(resident_signals.SIGNAL_TEXT[signal.kind], **figures)


def signal_list(found: list[resident_signals.Signal], *, with_names: bool = True) -> None:
    if not found:
        st.caption(_("No signal: no resident's sessions rise fast, fall at night, stay with one volunteer on "
                     "request, or mention paid companionship."))
        return
    st.caption(_(resident_signals.PROMPT))
    for signal in found:
        name = f"**{md(signal.resident_name, max_chars=NAME)}** · " if with_names else ""
        st.markdown(f"- {name}{signal_text(signal)}")


def journey_section(account: Account, *, resident_id: int) -> None:
    """The request detail's journey: the resident's plan (or a form to make one), its review, their activities and
    the signals about them."""
    with read_scope() as session:
        plan = journeys.plan_for(session, actor=account, resident_id=resident_id)
        given = suggestions.resident_suggestions(session, actor=account, resident_id=resident_id)
        found = resident_signals.signals(session, actor=account, resident_ids=[resident_id])
    st.markdown("**" + _("Journey") + "**")
    actions.show_flash()
    if plan is not None:
        st.markdown(_("Goals the resident chose: {goals}", goals=join_list(md(g) for g in plan.goals)))
        facts = [_("{n} of {review} sessions held before the review", n=plan.sessions_since,
                   review=plan.review_after)]
        if plan.planned_sessions:
            facts.append(_("planned: {n} sessions", n=plan.planned_sessions))
        if plan.planned_last_on:
            facts.append(_("planned last session: {date}", date=format_date(plan.planned_last_on)))
        if plan.reviewed_on:
            facts.append(_("last reviewed {date}", date=format_date(plan.reviewed_on)))
        st.caption(join_list(facts))
        if plan.review_due:
            st.info(_("The plan's review is due: talk it over with the resident."))
        if st.button(_("The plan was reviewed with the resident"), key=f"journey_review_{resident_id}"):
            actions.run(journeys.record_review, actor=account, resident_id=resident_id,
                        success=_("Review recorded; the count of sessions starts again."))
    with st.expander(_("Change the journey plan") if plan else _("Make a journey plan with the resident")):
        with st.form(f"journey_{resident_id}"):
            goals = st.text_area(_("Goals the resident chose, one a line (e.g. join one group, call my sister "
                                   "weekly)"), value="\n".join(plan.goals) if plan else "",
                                 key=f"journey_goals_{resident_id}")
            columns = st.columns(3)
            review_after = columns[0].number_input(
                _("Review after this many sessions"), min_value=1, max_value=52, step=1,
                value=plan.review_after if plan else journeys.DEFAULT_REVIEW_AFTER, key=f"journey_review_after_{resident_id}")
            planned = columns[1].number_input(_("Planned number of sessions (0: not set)"), min_value=0,
                                              max_value=200, step=1, value=(plan.planned_sessions or 0) if plan else 0,
                                              key=f"journey_planned_{resident_id}")
            last_on = columns[2].date_input(_("Planned last session (optional)"),
                                            value=plan.planned_last_on if plan else None,
                                            min_value=clock.today(), max_value=clock.today() + timedelta(days=730),
                                            key=f"journey_last_{resident_id}")
            saved = st.form_submit_button(_("Save the plan"))
        if saved:
            actions.run(journeys.save_plan, actor=account, resident_id=resident_id, goals=goals.splitlines(),
                        review_after=int(review_after), planned_sessions=int(planned) or None,
                        planned_last_on=last_on, success=_("Journey plan saved."))
    if given:
        st.markdown("**" + _("Activities suggested") + "**")
        st.dataframe([{_("Suggested on"): format_date(g.suggested_on), _("Activity"): g.activity_name,
                       _("By"): g.volunteer_name,
                       **{_("After {n} weeks", n=w): _answer_text(w, g.answers[w]) if w in g.answers else "–"
                          for w in FOLLOW_UP_WEEKS}} for g in given], hide_index=True, width="stretch")
    st.markdown("**" + _("Signals for a review") + "**")
    signal_list(found, with_names=False)
