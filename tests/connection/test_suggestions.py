"""An activity suggested in a session log: one SMS with its details, the follow-ups at two and six weeks (local
days), and who may answer them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from listening import sessions
from listening.connection import suggestions
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, NotAllowed
from listening.models import (
    ActivityFollowUp,
    ActivitySuggestion,
    AuditEvent,
    FollowUpAnswer,
    MessageKind,
    OutboundMessage,
    Outcome,
    RecipientKind,
    SessionLog,
)
from listening.sessions.logs import SessionLogInput
from tests import factories
from tests.factories.connection_factories import activity, suggestion
from tests.factories.session_factories import NOW, coordinator, visit


def held(v, **overrides) -> SessionLogInput:
    start = v.starts_at + timedelta(minutes=5)
    values = {"outcome": Outcome.held, "actual_start": start, "actual_end": start + timedelta(minutes=50), "mood_before": 2,
                  "mood_after": 4, "topics": ["loneliness"], "note": "聊了退休后的生活。"}
    values.update(overrides)
    return SessionLogInput(**values)


@pytest.fixture
def centre(session):
    boss = coordinator(session)
    account, chen = factories.volunteer(session)
    chess = activity(session, boss)
    resident = factories.resident(session, name="林阿姨", phone="+8613712340001", consented_at=NOW - timedelta(days=30))
    v = visit(session, volunteers=[chen], resident_row=resident)
    return boss, account, chen, chess, resident, v


def messages(session) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.activity_suggestion)))


def test_a_suggestion_in_the_log_texts_the_resident_the_details_once(session, centre):
    _boss, account, chen, chess, resident, v = centre
    result = sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v, activity_id=chess.id), now=NOW)
    assert result.suggestion is not None
    row = session.exec(select(ActivitySuggestion)).one()
    assert (row.resident_id, row.activity_id, row.visit_id, row.suggested_by, row.suggested_on) == (
        resident.id, chess.id, v.id, chen.id, date(2026, 3, 11))
    [sms] = messages(session)
    assert sms.to_phone == resident.phone and sms.recipient_kind == RecipientKind.resident
    for part in ("象棋搭子", "每周三 19:00", "粤海街道党群服务中心二楼", "免费", get_settings().centre_phone):
        assert part in sms.body
    assert "回复" not in sms.body and "http" not in sms.body and "聊了" not in sms.body
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "activity.suggested")).one()
    assert event.details == {"activity_id": chess.id, "resident_id": resident.id, "visit_id": v.id, "sms": True}


def test_an_english_speaking_resident_gets_the_english_name_and_the_amount(session, centre):
    boss, account, chen, _chess, _resident, _v = centre
    paid = activity(session, boss, name="长者智能手机课", name_en="Smartphone class", free=False, cost="每期 50 元")
    abroad = factories.resident(session, name="Anna", phone="+447700900123", consented_at=NOW - timedelta(days=3),
                                locale="en")
    v = visit(session, volunteers=[chen], resident_row=abroad, starts_at=NOW - timedelta(hours=5))
    sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v, activity_id=paid.id), now=NOW)
    [sms] = messages(session)
    assert "Smartphone class" in sms.body and "cost 每期 50 元" in sms.body and "free" in sms.body


def test_no_sms_without_consent_and_nothing_for_a_session_not_held(session, centre):
    _boss, account, chen, chess, _resident, v = centre
    quiet = factories.resident(session, name="周伯", phone="+8613712340002", consented_at=NOW - timedelta(days=3),
                               sms_consent=False)
    v2 = visit(session, volunteers=[chen], resident_row=quiet, starts_at=NOW - timedelta(hours=5))
    result = sessions.log_session(session, actor=account, visit_id=v2.id, entry=held(v2, activity_id=chess.id),
                                  now=NOW)
    assert result.suggestion.message is None and messages(session) == []
    result = sessions.log_session(session, actor=account, visit_id=v.id,
                                  entry=SessionLogInput(outcome=Outcome.no_show, activity_id=chess.id), now=NOW)
    assert result.suggestion is None
    assert [s.visit_id for s in session.exec(select(ActivitySuggestion))] == [v2.id]


def test_a_retired_activity_never_stops_the_log_or_its_risk(session, centre):
    _boss, account, _chen, chess, _resident, v = centre
    chess.retired_at = NOW - timedelta(minutes=1)
    session.add(chess)
    result = sessions.log_session(session, actor=account, visit_id=v.id,
                                  entry=held(v, activity_id=chess.id, risks={"suicide"}), now=NOW)
    assert result.suggestion is None and result.escalation is not None
    assert session.exec(select(SessionLog)).one().id == result.log.id
    assert session.exec(select(ActivitySuggestion)).all() == [] and messages(session) == []


def test_two_volunteers_on_one_visit_suggesting_the_same_activity_send_one_sms(session, centre):
    _boss, account, chen, chess, _resident, _v = centre
    partner_account, partner = factories.volunteer(session, "partner", name="周敏", phone="+8613900007777")
    v = visit(session, volunteers=[chen, partner], resident_row=factories.resident(
        session, name="何奶奶", phone="+8613712340003", consented_at=NOW - timedelta(days=3)),
        starts_at=NOW - timedelta(hours=5))
    sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v, activity_id=chess.id), now=NOW)
    second = sessions.log_session(session, actor=partner_account, visit_id=v.id, entry=held(v, activity_id=chess.id),
                                  now=NOW)
    assert second.suggestion is None and len(messages(session)) == 1


# -- follow-ups ------------------------------------------------------------------------------------------------


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=get_settings().tz).astimezone(UTC)


@pytest.fixture
def suggested(session, centre):
    boss, account, chen, chess, resident, v = centre
    row = suggestion(session, resident=resident, activity_row=chess, volunteer=chen, visit=v, on=date(2026, 3, 11))
    return boss, account, row


def due_keys(session, actor, today):
    return [(d.suggestion_id, d.weeks) for d in suggestions.follow_ups_due(session, actor=actor, today=today)]


def test_follow_ups_are_due_two_and_six_weeks_later_in_local_days(session, suggested):
    boss, account, row = suggested
    assert due_keys(session, boss, date(2026, 3, 24)) == []  # 13 days
    assert due_keys(session, boss, date(2026, 3, 25)) == [(row.id, 2)]  # 14 days
    assert due_keys(session, boss, date(2026, 4, 21)) == [(row.id, 2)]  # 41 days
    assert due_keys(session, boss, date(2026, 4, 22)) == [(row.id, 2), (row.id, 6)]  # 42 days
    assert due_keys(session, account, date(2026, 4, 22)) == [(row.id, 2), (row.id, 6)]  # the volunteer's own
    # 00:30 in Shenzhen on the 25th is still the 24th in UTC: the local day counts.
    with pytest.raises(IllegalTransition):
        suggestions.record_follow_up(session, actor=boss, suggestion_id=row.id, weeks=2, answer=FollowUpAnswer.went,
                                     now=local(date(2026, 3, 24), 23, 59))
    suggestions.record_follow_up(session, actor=account, suggestion_id=row.id, weeks=2, answer=FollowUpAnswer.went,
                                 now=local(date(2026, 3, 25), 0, 30))
    assert due_keys(session, boss, date(2026, 4, 22)) == [(row.id, 6)]
    [six] = suggestions.follow_ups_due(session, actor=boss, today=date(2026, 4, 22))
    assert six.went_before == FollowUpAnswer.went
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "activity.follow_up_recorded")).one()
    assert event.details == {"weeks": 2, "answer": "went"} and event.actor_id == account.id


def test_a_follow_up_is_recorded_once_and_only_by_its_volunteer_or_a_coordinator(session, suggested):
    boss, account, row = suggested
    other, _ = factories.volunteer(session, "other", name="赵强", phone="+8613900008888")
    later = local(date(2026, 4, 30), 10)
    assert due_keys(session, other, date(2026, 4, 30)) == []
    with pytest.raises(NotAllowed):
        suggestions.record_follow_up(session, actor=other, suggestion_id=row.id, weeks=6,
                                     answer=FollowUpAnswer.went, now=later)
    suggestions.record_follow_up(session, actor=boss, suggestion_id=row.id, weeks=6, answer=FollowUpAnswer.not_went,
                                 now=later)
    with pytest.raises(IllegalTransition):
        suggestions.record_follow_up(session, actor=account, suggestion_id=row.id, weeks=6,
                                     answer=FollowUpAnswer.went, now=later)
    assert session.get(ActivityFollowUp, (row.id, 6)).answer == FollowUpAnswer.not_went


def test_a_residents_suggestions_with_their_answers(session, suggested):
    boss, _account, row = suggested
    suggestions.record_follow_up(session, actor=boss, suggestion_id=row.id, weeks=2, answer=FollowUpAnswer.unknown,
                                 now=local(date(2026, 3, 26), 10))
    [given] = suggestions.resident_suggestions(session, actor=boss, resident_id=row.resident_id)
    assert (given.activity_name, given.answers) == ("象棋搭子", {2: FollowUpAnswer.unknown})

