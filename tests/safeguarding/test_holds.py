"""A "yes" to money or private contact holds the volunteer's upcoming visits: no SMS about them, not offered by
matching, shown as held; a coordinator's decision releases them, cancels them, or cancels them and pauses the
volunteer. Every step is audited, without the resident's words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import (
    AuditEvent,
    HoldDecision,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RequestStatus,
    Visit,
    VisitStatus,
    Volunteer,
    VolunteerHold,
    VolunteerStatus,
    utcnow,
)
from listening.residents import lifecycle
from listening.safeguarding import holds
from listening.sms import outbox, reminders
from listening.sms.inbound import handle_inbound
from listening.volunteers.lifecycle import away_volunteer_ids
from tests import factories
from tests.factories.session_factories import coordinator, visit
from tests.feedback.helpers import ABROAD, held_visit, resident


@pytest.fixture
def volunteer(session):
    return factories.volunteer(session)


def upcoming(session, volunteer_row, *, days: int = 3, status: VisitStatus = VisitStatus.scheduled) -> Visit:
    """Another resident's visit with the same volunteer in `days`, its SMS queued as booking does."""
    other = resident(session, phone=f"+8529876543{days}")
    v = visit(session, volunteers=[volunteer_row], resident_row=other, status=status,
              starts_at=utcnow() + timedelta(days=days))
    if status != VisitStatus.proposed:
        reminders.on_visit_scheduled(session, visit=v)
    session.flush()
    return v


def messages(session, visit_id: int) -> dict[str, tuple[MessageStatus, str | None]]:
    return {m.dedupe_key: (m.status, m.error_message)
            for m in session.exec(select(OutboundMessage).where(OutboundMessage.visit_id == visit_id))}


def scam_answer(session, volunteer) -> VolunteerHold:
    held_visit(session, who=resident(session), volunteer=volunteer)
    handle_inbound(session, message_sid="SM-yes", from_phone=ABROAD, body="5 1")
    return session.exec(select(VolunteerHold)).one()


def test_a_yes_holds_the_volunteers_upcoming_visits_and_their_sms(session, volunteer):
    later = upcoming(session, volunteer[1])
    queued = messages(session, later.id)
    assert queued and all(status == MessageStatus.queued for status, _ in queued.values())
    hold = scam_answer(session, volunteer)
    assert hold.volunteer_id == volunteer[1].id and hold.decided_at is None and hold.escalation_id is not None
    assert set(messages(session, later.id).values()) == {(MessageStatus.not_sent, outbox.VISIT_HELD)}
    assert holds.held_visit_ids(session) == {later.id}
    assert volunteer[1].id in away_volunteer_ids(session)  # matching offers them nobody
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "volunteer.held")).one()
    assert event.details == {"escalation_id": hold.escalation_id, "visit_ids": [later.id], "messages": len(queued)}


def test_a_visit_booked_while_held_sends_nothing_about_it(session, volunteer):
    coord = coordinator(session)
    proposed = upcoming(session, volunteer[1], status=VisitStatus.proposed)
    scam_answer(session, volunteer)
    lifecycle.schedule(session, actor=coord, request_id=proposed.request_id)
    rows = messages(session, proposed.id)
    assert rows and set(rows.values()) == {(MessageStatus.not_sent, outbox.VISIT_HELD)}


def test_a_second_yes_about_the_same_volunteer_joins_the_open_hold(session, volunteer):
    first = scam_answer(session, volunteer)
    again = holds.hold_volunteer(session, volunteer_id=volunteer[1].id, escalation_id=None)
    assert again.id == first.id and factories.count(session, VolunteerHold) == 1


def test_release_lets_the_visits_go_ahead_with_their_sms_queued_again(session, volunteer):
    coord = coordinator(session)
    later = upcoming(session, volunteer[1])
    hold = scam_answer(session, volunteer)
    holds.decide_hold(session, actor=coord, hold_id=hold.id, decision="release")
    assert all(status == MessageStatus.queued for status, _ in messages(session, later.id).values())
    assert session.get(Visit, later.id).status == VisitStatus.scheduled
    assert volunteer[1].id not in away_volunteer_ids(session) and holds.held_visit_ids(session) == set()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "volunteer.hold_decided")).one()
    assert event.actor_id == coord.id and event.details["decision"] == "release"
    assert event.details["visit_ids"] == [later.id]


def test_cancel_visits_puts_their_requests_back_in_the_queue(session, volunteer):
    coord = coordinator(session)
    later = upcoming(session, volunteer[1])
    proposed = upcoming(session, volunteer[1], days=4, status=VisitStatus.proposed)
    hold = scam_answer(session, volunteer)
    holds.decide_hold(session, actor=coord, hold_id=hold.id, decision=HoldDecision.cancel_visits)
    assert session.get(Visit, later.id).status == VisitStatus.cancelled
    assert session.get(Visit, proposed.id).status == VisitStatus.cancelled
    assert session.get(ListeningRequest, later.request_id).status == RequestStatus.new
    assert session.get(ListeningRequest, proposed.request_id).status == RequestStatus.new
    cancellations = session.exec(select(OutboundMessage).where(OutboundMessage.visit_id == later.id,
                                                               OutboundMessage.kind == MessageKind.cancellation)).all()
    assert cancellations and all("骗" not in m.body and "安全" not in m.body for m in cancellations)
    assert session.get(Volunteer, volunteer[1].id).status == VolunteerStatus.active


def test_cancel_and_pause_also_pauses_the_volunteer(session, volunteer):
    coord = coordinator(session)
    hold = scam_answer(session, volunteer)
    holds.decide_hold(session, actor=coord, hold_id=hold.id, decision=HoldDecision.cancel_and_pause)
    assert session.get(Volunteer, volunteer[1].id).status == VolunteerStatus.paused
    assert volunteer[1].id in away_volunteer_ids(session)  # paused now, no longer held


def test_a_hold_is_decided_once_by_a_coordinator(session, volunteer):
    coord = coordinator(session)
    hold = scam_answer(session, volunteer)
    with pytest.raises(NotAllowed):
        holds.decide_hold(session, actor=volunteer[0], hold_id=hold.id, decision="release")
    with pytest.raises(InvalidInput):
        holds.decide_hold(session, actor=coord, hold_id=hold.id, decision="forgive")
    holds.decide_hold(session, actor=coord, hold_id=hold.id, decision="release")
    with pytest.raises(IllegalTransition):
        holds.decide_hold(session, actor=coord, hold_id=hold.id, decision="cancel_visits")
    assert holds.open_holds(session, actor=coord) == []


def test_open_holds_list_the_volunteer_and_their_held_visits(session, volunteer):
    coord = coordinator(session)
    later = upcoming(session, volunteer[1])
    hold = scam_answer(session, volunteer)
    [shown] = holds.open_holds(session, actor=coord)
    assert (shown.id, shown.volunteer_name, [v.id for v in shown.visits]) == (hold.id, "陈静", [later.id])
    assert holds.holds_by_escalation(session, [hold.escalation_id])[hold.escalation_id].id == hold.id


def test_the_week_calendar_shows_a_held_visit_as_held(session, volunteer):
    from listening.core import clock
    from listening.sessions import calendar

    coord = coordinator(session)
    later = upcoming(session, volunteer[1], days=1)
    scam_answer(session, volunteer)
    week = calendar.week_visits(session, actor=coord, week_start=clock.local_date(later.starts_at))
    shown = {v.visit_id: v.held for _, visits in week.days for v in visits}
    assert shown[later.id] is True
