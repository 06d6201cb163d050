from datetime import timedelta

import streamlit as st

from listening.core import clock, phones
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, format_number, ngettext
from listening.matching import proposals
from listening.models import RecipientKind, Role, VisitRole
from listening.volunteers import availability
from ui import actions, pager, shell
from ui.format import label, urgency_text, visit_time
from ui.inert import NAME, md

PROPOSALS_PAGE = 20  # proposal cards shown at once: each has its buttons, a text field and a toggle
account = shell.require(Role.coordinator)
st.title(_("Matching"))
st.caption(_("The matcher serves as many residents as possible, weighted by urgency and waiting time, then keeps "
             "residents with the volunteer they saw before, then spreads the load. Nothing is sent until you "
             "approve a proposal."))

CALLS, RUNS = "matching_calls", "matching_runs"
actions.show_flash()
if calls := st.session_state.pop(CALLS, None):
    # Quiet hours last until these visits begin: no SMS can tell them in time, so the coordinator phones.
    who = {RecipientKind.resident: _("resident"), RecipientKind.volunteer: _("volunteer")}
    st.warning("\n".join(
        [_("Quiet hours last until these visits begin, so no text message can tell them in time. "
           "Please phone them now:")]
        + ["- " + _("Request #{id}: {who} {name}, {phone}, visit at {when}", id=call.request_id,
                    who=who[call.recipient_kind], name=md(call.name), phone=phones.display(call.phone),
                    when=visit_time(call.starts_at))
           for call in calls]), icon="☎️")


def with_phone_calls(message):
    """The step's message, keeping for the rerun the phone calls quiet hours make necessary (if any)."""
    def flash(outcome):
        if calls := list(getattr(outcome, "phone_calls", ())):
            st.session_state[CALLS] = calls
        return message(outcome) if callable(message) else message
    return flash


this_week = availability.week_start_of(clock.today())
week_start = st.selectbox(_("Week"), [this_week + timedelta(weeks=i) for i in range(6)], key="week",
                          format_func=lambda d: _("Week of {date}", date=format_date(d)), placeholder=_("Choose"))

if st.button(_("Run matching for this week"), type="primary", key="run"):
    with st.status(_("Matching…"), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            with session_scope() as session:
                run = proposals.run_matching(session, actor=account, week_start=week_start,
                                             progress=lambda fraction, message: bar.progress(fraction, _(message)))
        except ServiceError as error:
            status.update(label=_("Matching stopped"), state="error")
            shell.show_error(error)
            st.stop()
        st.session_state.setdefault(RUNS, {})[week_start] = run
        status.update(label=_("{n} proposals made in {seconds} s", n=len(run.proposed),
                              seconds=format_number(run.seconds)), state="complete", expanded=False)

try:
    with session_scope() as session:
        pending = proposals.proposals(session, actor=account, week_start=week_start)
except ServiceError as error:
    shell.show_error(error)
    st.stop()


def gain(better: int | float, than: int | float):
    """A metric's delta, none when there is no difference (Streamlit shows a bare "0" badge otherwise)."""
    return (better - than) or None


run = st.session_state.get(RUNS, {}).get(week_start)
if run is not None:
    cols = st.columns(4)
    cols[0].metric(_("Matched in this run"), _("{matched} of {requests}", matched=run.optimum.served,
                                                 requests=run.requests),
                   delta=gain(run.optimum.served, run.baseline.served),
                   help=_("New requests of the week this run proposed a visit for, out of the new requests it "
                          "could consider. The difference is compared with first come, first served."))
    cols[1].metric(_("Weight served"), format_number(run.optimum.weight),
                   delta=gain(run.optimum.weight, run.baseline.weight),
                   help=_("Urgency × 100 + days waited (up to 30), summed over the requests served"))
    cols[2].metric(_("First come, first served would match"),
                   _("{matched} of {requests}", matched=run.baseline.served, requests=run.requests))
    cols[3].metric(_("Volunteers available"), format_number(run.volunteers))
    st.caption(" · ".join([
        ngettext("This run matched {n} new request", "This run matched {n} new requests", run.optimum.served),
        ngettext("{n} proposal awaits approval this week (from this run and earlier ones)",
                 "{n} proposals await approval this week (from this run and earlier ones)", len(pending)),
        _("Proven optimal by the solver.") if run.proven_optimal
        else _("The solver did not prove this optimal within its time limit.")]))
    if run.conflicts:
        st.warning(_("{n} proposals were taken by another coordinator meanwhile; run matching again.",
                     n=len(run.conflicts)))
    if run.unmatched:
        st.subheader(_("Not matched ({n})", n=len(run.unmatched)))
        st.dataframe([{_("Request"): f"#{item.request_id}", _("Resident"): item.resident_name,
                       _("Why"): item.text(_)} for item in run.unmatched],
                     hide_index=True, width="stretch")

st.subheader(_("Proposals awaiting approval ({n})", n=len(pending)))
if not pending:
    st.caption(_("No proposals for this week. Run matching to make some."))
elif st.button(_("Approve all {n}", n=len(pending)), key="approve_all"):
    actions.run(proposals.approve_all, actor=account, week_start=week_start, success=with_phone_calls(
        lambda outcome: ("success" if not outcome.failed else "warning",
                         _("{approved} approved; {failed} could not be approved (changed meanwhile).",
                           approved=len(outcome.approved), failed=len(outcome.failed)))))


def change_match(proposal) -> None:
    """Two steps, each with only valid choices: the volunteer (or pair), then one of the times they are free."""
    rid = proposal.request_id
    with session_scope() as session:
        options = proposals.change_options(session, actor=account, request_id=rid)
    if not options:
        st.caption(_("No other volunteer fits this request in the wished times."))
        return
    names = {o.volunteer_ids: " + ".join(o.volunteer_names) for o in options}
    groups = list(names)  # the matcher's order: the resident's previous volunteer first
    current = tuple(sorted(v.id for v in proposal.volunteers))
    now_proposed = next((g for g in groups if tuple(sorted(g)) == current), None)
    cols = st.columns(2)
    who = cols[0].selectbox(
        _("1. Volunteer"), groups, index=groups.index(now_proposed) if now_proposed else 0,
        key=f"change_who_{rid}",
        format_func=lambda g: names[g] + (" " + _("(proposed now)") if g == now_proposed else ""))
    times = [o.starts_at for o in options if o.volunteer_ids == who]
    when = cols[1].selectbox(
        _("2. Time (when they are free)"), times, key=f"change_time_{rid}",
        index=times.index(proposal.starts_at) if proposal.starts_at in times else 0, format_func=visit_time)
    if st.button(_("Save the change"), key=f"change_save_{rid}"):
        actions.run(proposals.change, actor=account, request_id=rid, volunteer_ids=list(who), starts_at=when,
                    success=with_phone_calls(_("The proposal for request #{id} is changed.", id=rid)))


for proposal in pager.show(pending, key="proposals_page", size=PROPOSALS_PAGE).items:  # a card and its widgets each
    rid = proposal.request_id
    with st.container(border=True):
        st.markdown(_("**{name}** · request #{id} · {when} · {mode} · {language} · {urgency} · {waiting}",
                      name=md(proposal.resident_name, max_chars=NAME), id=rid, when=visit_time(proposal.starts_at),
                      mode=label(proposal.mode), language=label(proposal.language),
                      urgency=urgency_text(proposal.urgency),
                      waiting=ngettext("waiting {n} day", "waiting {n} days", proposal.waiting_days)))
        for volunteer in proposal.volunteers:
            role = _("partner") if volunteer.role == VisitRole.partner else _("lead")
            st.markdown(f"- **{md(volunteer.name)}** ({role}): " + "; ".join(md(r.text(_)) for r in volunteer.reasons))
        cols = st.columns([1, 1, 3])
        if cols[0].button(_("Approve"), key=f"approve_{rid}", type="primary"):
            actions.run(proposals.approve, actor=account, request_id=rid, success=with_phone_calls(
                _("Request #{id} is scheduled; the text messages are queued.", id=rid)))
        reason = cols[2].text_input(_("Reason for rejecting"), key=f"reject_reason_{rid}",
                                    placeholder=_("e.g. the resident is in hospital this week"))
        if cols[1].button(_("Reject"), key=f"reject_{rid}"):
            actions.run(proposals.reject, actor=account, request_id=rid, reason=reason, success=with_phone_calls(
                _("The proposal for request #{id} is rejected; the request waits for the next run.", id=rid)))
        if st.toggle(_("Change this match"), key=f"change_{rid}"):
            change_match(proposal)
