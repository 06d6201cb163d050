"""Pause, return and leave: each audited, illegal moves refused, and nobody away is offered to matching."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.clock import local_date
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.matching import week
from listening.matching.week import volunteer_key
from listening.models import (
    AuditEvent,
    LeaveReason,
    PauseReason,
    VolunteerDeparture,
    VolunteerPause,
    VolunteerStatus,
)
from listening.volunteers import lifecycle
from tests import factories
from tests.matching.test_proposals import NOW, WEEK
from tests.matching.test_proposals import volunteer as listener

TODAY = local_date(NOW)


def matched_ids(session) -> set[str]:
    return {row["id"] for row in week.build_instance(session, week_start=WEEK, now=NOW).data["volunteers"]}


def actions(session) -> list[str]:
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_paused_volunteer_is_not_matched_until_they_return(session):
    coordinator = factories.coordinator(session)
    mentor = listener(session, "导师")
    chen = listener(session, "陈静", mentor=mentor)
    assert volunteer_key(chen.id) in matched_ids(session)

    row = lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.exams,
                          until=TODAY + timedelta(days=21), on=TODAY)
    assert (row.starts_on, row.until_on, chen.status) == (TODAY, TODAY + timedelta(days=21), VolunteerStatus.paused)
    assert volunteer_key(chen.id) not in matched_ids(session)
    assert chen.id in lifecycle.away_volunteer_ids(session)

    with pytest.raises(IllegalTransition):
        lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.holiday, on=TODAY)
    lifecycle.return_from_pause(session, actor=coordinator, volunteer_id=chen.id, on=TODAY + timedelta(days=3))
    assert chen.status == VolunteerStatus.active and row.returned_on == TODAY + timedelta(days=3)
    assert volunteer_key(chen.id) in matched_ids(session)
    with pytest.raises(IllegalTransition):
        lifecycle.return_from_pause(session, actor=coordinator, volunteer_id=chen.id, on=TODAY)
    assert actions(session)[-2:] == ["volunteer.paused", "volunteer.returned"]


def test_an_open_pause_keeps_a_volunteer_out_even_if_the_status_was_set_back_by_hand(session):
    coordinator = factories.coordinator(session)
    mentor = listener(session, "导师")
    chen = listener(session, "陈静", mentor=mentor)
    lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.holiday, on=TODAY)
    chen.status = VolunteerStatus.active  # e.g. an old page that edits the status directly
    session.add(chen)
    session.flush()
    assert volunteer_key(chen.id) not in matched_ids(session)


def test_pause_refuses_a_return_date_not_after_today_and_a_volunteer_account(session):
    coordinator = factories.coordinator(session)
    account, chen = factories.volunteer(session, "chen")
    with pytest.raises(InvalidInput):
        lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.holiday, until=TODAY,
                        on=TODAY)
    with pytest.raises(NotAllowed):
        lifecycle.pause(session, actor=account, volunteer_id=chen.id, reason=PauseReason.holiday, on=TODAY)
    assert session.exec(select(VolunteerPause)).all() == []


def test_leaving_is_final_records_the_reason_and_ends_an_open_pause(session):
    coordinator = factories.coordinator(session)
    mentor = listener(session, "导师")
    chen = listener(session, "陈静", mentor=mentor)
    pause = lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.other, on=TODAY)
    departure = lifecycle.leave(session, actor=coordinator, volunteer_id=chen.id, reason=LeaveReason.moved_away,
                                on=TODAY + timedelta(days=5))
    assert (departure.reason, departure.left_on, chen.status) == (LeaveReason.moved_away, TODAY + timedelta(days=5),
                                                                  VolunteerStatus.left)
    assert pause.returned_on == TODAY + timedelta(days=5)
    assert volunteer_key(chen.id) not in matched_ids(session)
    for move in (lambda: lifecycle.leave(session, actor=coordinator, volunteer_id=chen.id, reason=LeaveReason.other),
                 lambda: lifecycle.pause(session, actor=coordinator, volunteer_id=chen.id, reason=PauseReason.other),
                 lambda: lifecycle.return_from_pause(session, actor=coordinator, volunteer_id=chen.id)):
        with pytest.raises(IllegalTransition):
            move()
    assert len(session.exec(select(VolunteerDeparture)).all()) == 1
    assert actions(session)[-1] == "volunteer.left"


def test_a_held_volunteer_is_not_matched_until_a_coordinator_decides(session):
    from listening.safeguarding import holds

    coordinator = factories.coordinator(session)
    mentor = listener(session, "导师")
    chen = listener(session, "陈静", mentor=mentor)
    hold = holds.hold_volunteer(session, volunteer_id=chen.id, escalation_id=None, now=NOW)
    assert volunteer_key(chen.id) not in matched_ids(session)
    holds.decide_hold(session, actor=coordinator, hold_id=hold.id, decision="release", now=NOW)
    assert volunteer_key(chen.id) in matched_ids(session)
