from datetime import time, timedelta

import streamlit as st

from listening import safeguarding, sessions
from listening.core import clock
from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_duration, format_number, join_list
from listening.models import DebriefStatus, EscalationStatus, HoldDecision, Role, utcnow
from listening.safeguarding import holds
from listening.safeguarding.escalation import SOURCE_BADGES
from ui import actions, shell
from ui.format import label, local_time
from ui.inert import md

account = shell.require(Role.coordinator)
st.title(_("Safeguarding"))


def waited(minutes: float | None) -> str:
    """Minutes as a duration in words ("12 days 8 hours"); "–" when there is none yet."""
    return format_duration(timedelta(minutes=minutes)) if minutes is not None else "–"


def at_time(value) -> str:
    return local_time(value, "short")


def step_line(step: safeguarding.AlertStep) -> str:
    name = md(step.coordinator_name)
    if step.skipped is not None:
        return _("Not alerted {name}: {reason}", name=name, reason=_(safeguarding.SKIP_LABELS[step.skipped]))
    status = label(step.status) if step.status is not None else "–"
    if step.round == 0:
        return _("Alerted {name} at {when} ({status})", name=name, when=at_time(step.at), status=status)
    return _("Re-alerted {name} at {when} ({status})", name=name, when=at_time(step.at), status=status)


def reveal(e: safeguarding.EscalationView, person: str, contact: safeguarding.Contact, where) -> None:
    """The masked number, and the full one only after the click (audited by the service)."""
    title = _("Resident") if person == "resident" else _("Volunteer")
    where.markdown(f"**{title}:** {md(contact.name)} · {md(contact.phone_masked)}")
    if where.button(_("Reveal the number to call"), key=f"reveal_{person}_{e.id}"):
        try:
            with session_scope() as session:
                where.code(safeguarding.reveal_phone(session, actor=account, escalation_id=e.id, person=person))
        except ServiceError as error:
            shell.show_error(error)


def hold_card(e: safeguarding.EscalationView) -> None:
    """The volunteer held by this escalation: their upcoming visits, and the coordinator's decision."""
    hold = held.get(e.id)
    if hold is None:
        return
    if hold.decided_at is not None:
        st.caption(_("Hold decided at {when}: {decision}", when=at_time(hold.decided_at), decision=label(hold.decision)))
        return
    shown = open_holds.get(hold.id)
    visits = shown.visits if shown else []
    st.markdown("**" + _("Visits held until you decide: {n}", n=len(visits)) + "** · "
                + md(shown.volunteer_name if shown else "?"))
    if visits:
        st.caption(join_list(at_time(v.starts_at) for v in visits))
    row = st.columns([3, 1], vertical_alignment="bottom")
    decision = row[0].selectbox(_("Decision on the held visits"), list(HoldDecision), format_func=label,
                                index=None, placeholder=_("Choose"), key=f"hold_{hold.id}")
    if row[1].button(_("Decide"), key=f"decide_{hold.id}"):
        actions.run(holds.decide_hold, actor=account, hold_id=hold.id, decision=decision,
                    success=_("Decision recorded."))


def card(e: safeguarding.EscalationView) -> None:
    with st.container(border=True):
        risks = join_list(_(r) for r in safeguarding.risk_label_ids(set(e.risk_kinds)))
        st.markdown(f"**#{e.id}** · {risks} · " + _("raised {ago} ago ({when})", ago=waited(e.minutes_open),
                                                       when=at_time(e.raised_at)))
        details = [_("From {source}", source=_(safeguarding.SOURCE_LABELS[e.source]))]
        if e.status == EscalationStatus.open:
            details.insert(0, "🆘 " + _("not acknowledged"))
        st.caption(" · ".join(details))
        if e.source in SOURCE_BADGES:
            st.warning(_(SOURCE_BADGES[e.source]), icon="⚠️")
        hold_card(e)
        people = st.columns(2)
        if e.resident:
            reveal(e, "resident", e.resident, people[0])
        if e.volunteer:
            reveal(e, "volunteer", e.volunteer, people[1])
        if e.request_id:
            shell.link("pages/triage.py", _("Open request #{id}", id=e.request_id), icon=":material/inbox:",
                       request=e.request_id)
        steps = [step_line(s) for s in e.steps]
        if e.acknowledged_at:
            steps.append(_("Acknowledged by {name} at {when}", name=md(e.acknowledged_by or "?"),
                           when=at_time(e.acknowledged_at)))
        steps += [_("{outcome}: {name}, {when}", outcome=_(safeguarding.OUTCOME_LABELS[o.kind]),
                    name=md(o.recorded_by), when=at_time(o.recorded_at)) for o in e.outcomes]
        if e.closed_at:
            steps.append(_("Closed by {name} at {when}", name=md(e.closed_by or "?"), when=at_time(e.closed_at)))
        if steps:
            st.markdown("  \n".join(f"{n}. {line}" for n, line in enumerate(steps, start=1)))
        if e.status == EscalationStatus.open and not e.reached:
            st.error(_("No alert has reached a coordinator by SMS. Please phone the coordinators yourself."))
        if e.status == EscalationStatus.open:
            if st.button(_("Acknowledge: I am taking this on"), key=f"ack_{e.id}", type="primary"):
                actions.run(safeguarding.acknowledge, actor=account, escalation_id=e.id,
                            success=_("Escalation #{id} acknowledged.", id=e.id))
        elif e.status == EscalationStatus.acknowledged:
            recorded = {o.kind for o in e.outcomes}
            choices = [k for k in safeguarding.OUTCOME_LABELS if k not in recorded]
            if choices:
                row = st.columns([3, 1], vertical_alignment="bottom")
                outcome = row[0].selectbox(_("What came of it"), choices, key=f"outcome_{e.id}",
                                           format_func=lambda k: _(safeguarding.OUTCOME_LABELS[k]),
                                           placeholder=_("Choose"))
                if row[1].button(_("Record the outcome"), key=f"record_outcome_{e.id}"):
                    actions.run(safeguarding.record_outcome, actor=account, escalation_id=e.id, kind=outcome,
                                success=_("Outcome recorded."))
            action = st.text_area(_("Action taken"), value=e.action_taken or "", key=f"action_{e.id}",
                                  max_chars=safeguarding.ACTION_MAX)
            buttons = st.columns(2)
            if buttons[0].button(_("Save the action"), key=f"save_{e.id}"):
                actions.run(safeguarding.record_action, actor=account, escalation_id=e.id, action_taken=action,
                            success=_("Action saved."))
            if buttons[1].button(_("Close the escalation"), key=f"close_{e.id}"):
                actions.run(safeguarding.close, actor=account, escalation_id=e.id, action_taken=action,
                            success=_("Escalation #{id} closed.", id=e.id))
        elif e.action_taken:
            st.text(e.action_taken)


actions.show_flash()

now = utcnow()
today = clock.today(now)
with session_scope() as session:
    escalations = safeguarding.open_escalations(session, actor=account, now=now)
    closed = safeguarding.recently_closed(session, actor=account, now=now)
    times = safeguarding.response_times(session, actor=account, now=now)
    debriefs = safeguarding.open_debriefs(session, actor=account)
    load = sessions.heavy_load(session, actor=account, now=now)
    rota = safeguarding.duty_rota(session, actor=account, now=now)
    coordinators = safeguarding.coordinators(session, actor=account)
    cover = safeguarding.coverage(session, actor=account, now=now)
    held = holds.holds_by_escalation(session, [e.id for e in [*escalations, *closed]])
    open_holds = {h.id: h for h in holds.open_holds(session, actor=account, now=now)}

row = st.columns(4)
row[0].metric(_("Open escalations"), format_number(len(escalations)))
row[1].metric(_("Not yet acknowledged"), format_number(sum(e.status == EscalationStatus.open for e in escalations)))
row[2].metric(_("Median time to acknowledge"), waited(times.median_minutes),
              help=_("Raised to acknowledged, over the last 90 days ({n} acknowledged).", n=times.acknowledged))
row[3].metric(_("Longest time to acknowledge"), waited(times.max_minutes))

if cover.reachable == 0:
    st.error(_("No coordinator can receive safeguarding SMS now: add a phone number, or check the SMS page."))
for name, problem in cover.on_duty:
    if problem is not None:
        st.warning(_("{name} is on duty but cannot receive safeguarding SMS ({reason}); alerts go to the other "
                     "coordinators.", name=md(name), reason=_(safeguarding.SKIP_LABELS[problem])))

tab_escalations, tab_debriefs, tab_load, tab_hours, tab_rota = st.tabs(
    [_("Escalations"), _("Debriefs"), _("Heavy sessions"), _("Volunteer hours"), _("Duty rota")]
)

with tab_escalations:
    if not escalations:
        st.caption(_("No open escalations."))
    for e in escalations:  # unacknowledged first, then the most severe, then the newest
        card(e)
    if closed:
        with st.expander(_("Closed in the last 30 days ({n})", n=len(closed))):
            for e in closed:
                card(e)

with tab_debriefs:
    if not debriefs:
        st.caption(_("No volunteer is waiting for a debrief."))
    for d in debriefs:
        with st.container(border=True):
            st.markdown(_("**{name}** asked for a debrief on {when}", name=md(d.volunteer_name),
                          when=local_time(d.requested_at, "short")))
            buttons = st.columns(2)
            if buttons[0].button(_("Debrief held"), key=f"debrief_held_{d.id}"):
                actions.run(safeguarding.handle_debrief, actor=account, debrief_id=d.id, outcome=DebriefStatus.held,
                            success=_("Debrief recorded."))
            if buttons[1].button(_("Declined by the volunteer"), key=f"debrief_declined_{d.id}"):
                actions.run(safeguarding.handle_debrief, actor=account, debrief_id=d.id,
                            outcome=DebriefStatus.declined, success=_("Debrief recorded."))

with tab_load:
    st.caption(_("Sessions that raised a risk, in the last 30 days. Check in with whoever carries many."))
    if not load:
        st.caption(_("No heavy sessions in the last 30 days."))
    else:
        st.dataframe(
            [
                {
                    _("Volunteer"): h.full_name,
                    _("Heavy sessions"): h.heavy_sessions,
                    _("Sessions held"): h.sessions,
                    _("Last heavy session"): local_time(h.last_heavy_at, "short"),
                    _("Resting until"): local_time(h.cooling_off_until, "short") if h.cooling_off_until else "",
                    _("Debrief waiting"): "✓" if h.debrief_open else "",
                }
                for h in load
            ],
            hide_index=True,
            width="stretch",
        )

with tab_hours:
    columns = st.columns(2)
    # The last 30 days, not "this month": on the 1st, this month has nothing to show yet.
    start = columns[0].date_input(_("From"), value=today - timedelta(days=29), key="hours_from")
    end = columns[1].date_input(_("To"), value=today, key="hours_to")
    try:
        with session_scope() as session:
            totals = sessions.hour_totals(session, actor=account, start=start, end=end)
    except ServiceError as error:
        shell.show_error(error)
        totals = []
    row = st.columns(3)
    row[0].metric(_("Hours listened"), format_number(round(sum(t.hours for t in totals), 1)))
    row[1].metric(_("Sessions held"), format_number(sum(t.sessions for t in totals)))
    row[2].metric(_("Volunteers who listened"), format_number(len(totals)))
    if totals:
        st.dataframe(
            [{_("Volunteer"): t.full_name, _("Sessions"): t.sessions, _("Hours"): t.hours,
              _("Heavy sessions"): t.heavy_sessions} for t in totals],
            hide_index=True,
            width="stretch",
        )

with tab_rota:
    st.caption(_("Safeguarding alerts go by SMS to the coordinator on duty; when they cannot receive it, or it "
                 "fails, to every other coordinator who can; and again every {interval} until somebody acknowledges.",
                 interval=format_duration(timedelta(minutes=get_settings().safeguarding_realert_minutes))))
    if rota:
        st.dataframe(
            [
                {
                    _("Coordinator"): s.coordinator_name,
                    _("From"): local_time(s.starts_at, "short"),
                    _("To"): local_time(s.ends_at, "short"),
                    _("Can receive SMS"): "✓" if s.sms_problem is None
                    else "⚠️ " + _(safeguarding.SKIP_LABELS[s.sms_problem]),
                }
                for s in rota
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.warning(_("Nobody is on the duty rota for the next two weeks."))
    names = {c.id: c.name for c in coordinators}
    with st.form("add_shift"):
        st.markdown("**" + _("Add a duty shift") + "**")
        columns = st.columns(4)
        who = columns[0].selectbox(_("Coordinator"), list(names), format_func=names.get, key="shift_who",
                                   placeholder=_("Choose"))
        day = columns[1].date_input(_("Date"), value=today, key="shift_day")
        start_time = columns[2].time_input(_("Starts"), value=time(8, 0), key="shift_start")
        hours = columns[3].number_input(_("Hours"), min_value=1, max_value=168, value=12, step=1, key="shift_hours")
        if st.form_submit_button(_("Add the shift")):
            starts_at = clock.local_datetime(day, start_time)
            actions.run(safeguarding.add_duty_shift, actor=account, coordinator_id=who, starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=int(hours)), success=_("Duty shift added."))
