"""Risk words, every escalation path (with its SMS in the outbox), the duty rota, the coordinator's steps,
unanswered phone visits, debriefs and the cooling-off rule as matching sees it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from listening import safeguarding, sessions
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import (
    AuditEvent,
    DebriefRequest,
    DebriefStatus,
    DutyShift,
    Escalation,
    EscalationSource,
    EscalationStatus,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    Mode,
    OutboundMessage,
    Outcome,
    RecipientKind,
    SessionLog,
    Visit,
)
from listening.sessions.logs import SessionLogInput
from tests import factories
from tests.factories.session_factories import NOW, coordinator, resident, visit
from tests.rows_fetched import rows_fetched

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NIGHT = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)  # 23:30 in Shenzhen: quiet hours


# ----- risk words ---------------------------------------------------------------------------------------------


# The lexicon, the exceptions and the corpus are tested in test_detection.py.


@pytest.mark.parametrize("text, expected", [
    ("我真的不想活了", {"suicide"}),
    ("我 不 想 活 了", {"suicide"}),  # spaces between the characters
    ("I want to ＫＩＬＬ　ＭＹＳＥＬＦ", {"suicide"}),  # full-width letters and space
    ("Sometimes I think about SUICIDE", {"suicide"}),
    ("He hits me when he drinks", {"abuse"}),
    ("老公家暴，还说要杀了他", {"abuse", "harm_others"}),
    ("胸口痛得厉害", {"medical"}),
    ("今天聊了孙子的近况，情绪比开始时好。", set()),
    ("We ate grapes and talked about the garden.", set()),  # "rape" is not a word inside "grapes"
    ("", set()),
])
def test_detect_risk(text, expected):
    assert safeguarding.detect_risk(text) == expected


# ----- escalation paths ---------------------------------------------------------------------------------------


@pytest.fixture
def people(session):
    duty = coordinator(session, "duty", phone="+8613800000001")
    other = coordinator(session, "other", phone="+8613800000002", locale="en")
    account, volunteer = factories.volunteer(session)
    return duty, other, account, volunteer


def alerts(session) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.safeguarding_alert)
                             .order_by(OutboundMessage.to_phone)))


def _log(session, account, volunteer, *, note="聊了家里的事。", risks=frozenset(), at=NOW, mode=Mode.centre,
         outcome=Outcome.held, resident_row=None):
    v = visit(session, volunteers=[volunteer], starts_at=at - timedelta(hours=2), mode=mode, resident_row=resident_row)
    entry = SessionLogInput(outcome=outcome, actual_start=v.starts_at, actual_end=v.starts_at + timedelta(minutes=50),
                            mood_before=2, mood_after=3, topics=["family"], note=note, risks=set(risks))
    return sessions.log_session(session, actor=account, visit_id=v.id, entry=entry, now=at)


def test_a_risk_tick_opens_an_escalation_and_texts_the_duty_coordinator_even_at_night(session, people):
    duty, other, account, volunteer = people
    session.add(DutyShift(coordinator_id=duty.id, starts_at=NIGHT - timedelta(hours=4),
                          ends_at=NIGHT + timedelta(hours=8)))
    result = _log(session, account, volunteer, note="她说孙子不常来看她。", risks={"suicide"}, at=NIGHT)
    session.commit()
    escalation = session.get(Escalation, result.escalation.id)
    assert (escalation.source, escalation.status, escalation.risk_kinds) == (EscalationSource.session_log,
                                                                             EscalationStatus.open, "suicide")
    assert escalation.session_log_id == result.log.id
    [sms] = alerts(session)
    assert sms.to_phone == duty.phone and sms.recipient_kind == RecipientKind.coordinator
    assert sms.urgent and sms.due_at == NIGHT  # not pushed past quiet hours
    assert sms.status == MessageStatus.queued
    assert f"#{escalation.id}" in sms.body and sms.body.startswith("【倾听一小时】")
    assert "孙子" not in sms.body
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.raised")).one()
    assert event.details["alerted"] == [duty.id] and event.actor_id == account.id


def test_risk_words_in_the_note_open_an_escalation_without_a_tick(session, people):
    duty, other, account, volunteer = people
    result = _log(session, account, volunteer, note="Resident said she wants to end my life type thoughts; 打我")
    assert result.escalation is not None
    assert set(result.escalation.risk_kinds.split(",")) == {"suicide", "abuse"}
    log = session.get(SessionLog, result.log.id)
    assert not (log.risk_suicide or log.risk_abuse)  # the ticks stay the volunteer's own
    assert len(alerts(session)) == 2  # nobody on the rota: every coordinator with a phone


def test_no_risk_no_escalation_and_no_sms(session, people):
    duty, other, account, volunteer = people
    result = _log(session, account, volunteer, note="聊了退休后的安排。")
    assert result.escalation is None and result.debrief is None
    assert alerts(session) == [] and session.exec(select(Escalation)).all() == []


def test_a_request_with_risk_words_raises_through_the_same_path(session, people):
    duty, other, account, volunteer = people
    request = ListeningRequest(resident_id=resident(session).id, mode=Mode.phone, language="zh", topic="最近不想活")
    session.add(request)
    session.flush()
    escalation = safeguarding.raise_escalation(session, source=EscalationSource.request,
                                               risk_kinds=safeguarding.detect_risk(request.topic),
                                               request_id=request.id, now=NOW)
    assert (escalation.source, escalation.risk_kinds, escalation.request_id) == (EscalationSource.request, "suicide",
                                                                                 request.id)
    messages = alerts(session)
    assert [m.to_phone for m in messages] == [duty.phone, other.phone]
    assert all(m.request_id == request.id and m.urgent for m in messages)
    assert "Safeguarding alert" in messages[1].body  # the English coordinator gets English


# ----- the duty rota ------------------------------------------------------------------------------------------


def test_the_rota_picks_the_coordinator_on_duty(session, people):
    duty, other, _, _ = people
    session.add(DutyShift(coordinator_id=other.id, starts_at=NOW - timedelta(hours=1),
                          ends_at=NOW + timedelta(hours=1)))
    session.add(DutyShift(coordinator_id=duty.id, starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=9)))
    assert [a.id for a in safeguarding.alert_recipients(session, at=NOW)] == [other.id]
    assert [a.id for a in safeguarding.alert_recipients(session, at=NOW + timedelta(hours=1))] == [duty.id]


def test_a_duty_coordinator_without_a_phone_falls_back_to_those_with_one(session, people):
    duty, other, _, _ = people
    nophone = coordinator(session, "nophone", phone=None)
    session.add(DutyShift(coordinator_id=nophone.id, starts_at=NOW - timedelta(hours=1),
                          ends_at=NOW + timedelta(hours=1)))
    assert [a.id for a in safeguarding.alert_recipients(session, at=NOW)] == [duty.id, other.id]


def test_with_no_coordinator_phone_the_escalation_is_still_raised(session):
    coordinator(session, "nophone", phone=None)
    escalation = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"abuse"}, now=NOW)
    assert escalation.id and alerts(session) == []
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.raised")).one()
    assert event.details["alerted"] == []


def test_adding_a_duty_shift_is_checked_and_audited(session, people):
    duty, other, account, _ = people
    shift = safeguarding.add_duty_shift(session, actor=duty, coordinator_id=other.id, starts_at=NOW,
                                        ends_at=NOW + timedelta(hours=12))
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "duty_shift.added")).one()
    assert event.entity_id == str(shift.id)
    assert [s.coordinator_name for s in safeguarding.duty_rota(session, actor=duty, now=NOW)] == ["other"]
    with pytest.raises(InvalidInput):
        safeguarding.add_duty_shift(session, actor=duty, coordinator_id=other.id, starts_at=NOW, ends_at=NOW)
    with pytest.raises(InvalidInput):
        safeguarding.add_duty_shift(session, actor=duty, coordinator_id=account.id, starts_at=NOW,
                                    ends_at=NOW + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        safeguarding.add_duty_shift(session, actor=account, coordinator_id=other.id, starts_at=NOW,
                                    ends_at=NOW + timedelta(hours=1))


# ----- acknowledge, act, close --------------------------------------------------------------------------------


def test_acknowledge_record_and_close_are_each_audited(session, people):
    duty, other, account, volunteer = people
    escalation = _log(session, account, volunteer, risks={"abuse"}).escalation
    with pytest.raises(IllegalTransition):
        safeguarding.close(session, actor=duty, escalation_id=escalation.id, action_taken="已处理")
    with pytest.raises(NotAllowed):
        safeguarding.acknowledge(session, actor=account, escalation_id=escalation.id)
    safeguarding.acknowledge(session, actor=duty, escalation_id=escalation.id, now=NOW + timedelta(minutes=12))
    with pytest.raises(IllegalTransition):
        safeguarding.acknowledge(session, actor=other, escalation_id=escalation.id)
    with pytest.raises(InvalidInput):
        safeguarding.close(session, actor=duty, escalation_id=escalation.id)  # no action on record yet
    with pytest.raises(InvalidInput):
        safeguarding.record_action(session, actor=duty, escalation_id=escalation.id, action_taken="  ")
    safeguarding.record_action(session, actor=duty, escalation_id=escalation.id,
                               action_taken="已致电居民，转介社区民警和妇联。")
    safeguarding.close(session, actor=duty, escalation_id=escalation.id, now=NOW + timedelta(hours=2))
    session.commit()
    row = session.get(Escalation, escalation.id)
    assert (row.status, row.acknowledged_by, row.closed_by) == (EscalationStatus.closed, duty.id, duty.id)
    assert row.acknowledged_at == NOW + timedelta(minutes=12)
    events = session.exec(select(AuditEvent)
                          .where(AuditEvent.entity == "escalation", AuditEvent.entity_id == str(row.id))
                          .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["escalation.raised", "escalation.acknowledged", "escalation.action_recorded",
                                          "escalation.closed"]
    assert events[1].details["minutes_to_acknowledge"] == 12.0
    assert "民警" not in json.dumps([e.details for e in events], ensure_ascii=False)
    with pytest.raises(IllegalTransition):
        safeguarding.close(session, actor=duty, escalation_id=row.id, action_taken="again")


def test_open_escalations_unacknowledged_first_and_the_response_times(session, people):
    duty, other, _, _ = people
    first = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"medical"},
                                          now=NOW - timedelta(hours=3))
    second = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"suicide"},
                                           now=NOW - timedelta(hours=1))
    third = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"abuse"},
                                          now=NOW - timedelta(minutes=30))
    safeguarding.acknowledge(session, actor=duty, escalation_id=first.id, now=first.raised_at + timedelta(minutes=10))
    safeguarding.acknowledge(session, actor=duty, escalation_id=second.id, now=second.raised_at + timedelta(minutes=40))
    safeguarding.record_action(session, actor=duty, escalation_id=second.id, action_taken="已联系")
    safeguarding.close(session, actor=duty, escalation_id=second.id)
    listed = safeguarding.open_escalations(session, actor=duty, now=NOW)
    assert [(e.id, e.minutes_open, e.status) for e in listed] == [(third.id, 30, EscalationStatus.open),
                                                                  (first.id, 180, EscalationStatus.acknowledged)]
    assert listed[1].acknowledged_by == "duty"
    times = safeguarding.response_times(session, actor=duty, now=NOW)
    assert (times.raised, times.acknowledged, times.median_minutes, times.max_minutes, times.waiting_now) == (
        3, 2, 25.0, 40.0, 1)


# ----- unanswered phone visits --------------------------------------------------------------------------------


def test_the_coordinator_is_alerted_after_consecutive_unanswered_calls(session, people):
    duty, other, account, volunteer = people
    person = resident(session, name="刘伯")
    first = _log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person,
                 at=NOW - timedelta(days=7))
    assert first.unanswered_alert is None and alerts(session) == []
    second = _log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person)
    alert = second.unanswered_alert
    assert alert is not None and alert.source == EscalationSource.unanswered_calls and alert.risk_kinds == "no_answer"
    assert alert.request_id == session.get(Visit, second.log.visit_id).request_id  # the latest unanswered one
    assert len(alerts(session)) == 2 and all(m.urgent for m in alerts(session))
    # a third unanswered call while the alert is open does not alert again
    third = _log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person,
                 at=NOW + timedelta(days=7))
    assert third.unanswered_alert is None and len(alerts(session)) == 2


def test_an_answered_call_resets_the_count(session, people):
    duty, other, account, volunteer = people
    person = resident(session, name="刘伯")
    _log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person,
         at=NOW - timedelta(days=14))
    _log(session, account, volunteer, mode=Mode.phone, resident_row=person, at=NOW - timedelta(days=7))
    result = _log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person)
    assert result.unanswered_alert is None
    assert sessions.unanswered_run(session, resident_id=person.id)[0] == 1


def test_the_number_of_unanswered_calls_is_a_setting(session, people, monkeypatch):
    monkeypatch.setenv("UNANSWERED_CALL_ALERT_AFTER", "3")
    get_settings.cache_clear()
    try:
        duty, other, account, volunteer = people
        person = resident(session, name="刘伯")
        results = [_log(session, account, volunteer, outcome=Outcome.no_answer, mode=Mode.phone, resident_row=person,
                        at=NOW - timedelta(days=7 * k)) for k in (2, 1, 0)]
        assert [r.unanswered_alert is not None for r in results] == [False, False, True]
    finally:
        monkeypatch.delenv("UNANSWERED_CALL_ALERT_AFTER")
        get_settings.cache_clear()


# ----- wellbeing ----------------------------------------------------------------------------------------------


def test_after_a_risk_tick_the_volunteer_is_offered_a_debrief_and_rests_from_matching(session, people):
    duty, other, account, volunteer = people
    _, colleague = factories.volunteer(session, "colleague", name="林小", phone="+8613900009999")
    result = _log(session, account, volunteer, risks={"suicide"})
    ended = result.log.actual_end
    assert result.debrief.status == DebriefStatus.requested and result.debrief.volunteer_id == volunteer.id
    rest = timedelta(hours=get_settings().cooling_off_hours)
    assert rest == timedelta(hours=72)
    assert sessions.cooling_off_volunteer_ids(session, at=NOW) == {volunteer.id}
    assert sessions.cooling_off_volunteer_ids(session, at=ended + rest - timedelta(minutes=1)) == {volunteer.id}
    assert sessions.cooling_off_volunteer_ids(session, at=ended + rest) == set()
    assert sessions.cooling_off_volunteer_ids(session, at=ended - timedelta(minutes=1)) == set()
    assert sessions.cooling_off_until(session, volunteer_id=volunteer.id, at=NOW) == ended + rest
    # a second heavy session in the same week keeps one open debrief
    again = _log(session, account, volunteer, risks={"abuse"}, at=NOW + timedelta(days=1))
    assert again.debrief.id == result.debrief.id
    assert len(session.exec(select(DebriefRequest)).all()) == 1


def test_a_session_without_risk_does_not_rest_the_volunteer(session, people):
    duty, other, account, volunteer = people
    _log(session, account, volunteer)
    assert sessions.cooling_off_volunteer_ids(session, at=NOW) == set()


def test_the_cooling_off_time_is_a_setting(session, people, monkeypatch):
    duty, other, account, volunteer = people
    ended = _log(session, account, volunteer, risks={"medical"}).log.actual_end
    monkeypatch.setenv("COOLING_OFF_HOURS", "24")
    get_settings.cache_clear()
    try:
        assert sessions.cooling_off_volunteer_ids(session, at=ended + timedelta(hours=23)) == {volunteer.id}
        assert sessions.cooling_off_volunteer_ids(session, at=ended + timedelta(hours=25)) == set()
    finally:
        monkeypatch.delenv("COOLING_OFF_HOURS")
        get_settings.cache_clear()


def test_debriefs_and_heavy_load_for_the_coordinator(session, people):
    duty, other, account, volunteer = people
    colleague_account, colleague = factories.volunteer(session, "colleague", name="林小", phone="+8613900009999")
    _log(session, account, volunteer, risks={"suicide"}, at=NOW - timedelta(days=3))
    _log(session, account, volunteer, note="她说丈夫打我", at=NOW - timedelta(days=1))
    _log(session, colleague_account, colleague, risks={"medical"})
    _log(session, colleague_account, colleague, at=NOW - timedelta(days=2))
    load = sessions.heavy_load(session, actor=duty, now=NOW)
    assert [(h.full_name, h.heavy_sessions, h.sessions) for h in load] == [("陈静", 2, 2), ("林小", 1, 2)]
    assert load[1].cooling_off_until is not None and load[0].debrief_open
    debriefs = safeguarding.open_debriefs(session, actor=duty)
    assert {d.volunteer_name for d in debriefs} == {"陈静", "林小"}
    safeguarding.handle_debrief(session, actor=duty, debrief_id=debriefs[0].id, outcome=DebriefStatus.held)
    with pytest.raises(IllegalTransition):
        safeguarding.handle_debrief(session, actor=duty, debrief_id=debriefs[0].id, outcome=DebriefStatus.declined)
    assert len(safeguarding.open_debriefs(session, actor=duty)) == 1
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "debrief.held")).one().actor_id == duty.id
    with pytest.raises(NotAllowed):
        sessions.heavy_load(session, actor=account)


def test_a_volunteer_can_ask_for_a_debrief(session, people):
    duty, other, account, volunteer = people
    log = _log(session, account, volunteer).log
    debrief = safeguarding.request_debrief(session, actor=account, session_log_id=log.id)
    assert (debrief.volunteer_id, debrief.session_log_id) == (volunteer.id, log.id)
    assert safeguarding.request_debrief(session, actor=account).id == debrief.id


def test_heavy_load_counts_sessions_in_sql_for_the_heavy_load_volunteers_only(session, people):
    """A district's month is 4,000 held sessions: heavy_load counts them per volunteer in SQL (it read every one as
    an object), and only for the volunteers with heavy sessions; the counts are the same."""
    duty, other, account, volunteer = people
    quiet_account, quiet = factories.volunteer(session, "quiet", name="王静", phone="+8613900008888")
    _log(session, account, volunteer, risks={"suicide"}, at=NOW - timedelta(days=3))
    _log(session, account, volunteer, at=NOW - timedelta(days=2))
    _log(session, account, volunteer, at=NOW - timedelta(days=40))  # before the 30 days
    _log(session, quiet_account, quiet, at=NOW - timedelta(days=1))  # no heavy session: not looked at
    with rows_fetched(session) as fetched:
        load = sessions.heavy_load(session, actor=duty, now=NOW)
    assert [(h.full_name, h.heavy_sessions, h.sessions) for h in load] == [("陈静", 1, 2)]
    counted = [[tuple(row) for row in rows] for rows in fetched if rows and not isinstance(rows[0], int)]
    assert [(volunteer.id, 2)] in counted  # the count: one row per heavy-load volunteer, none for 王静
    assert not any(len(row) == 2 and row[0] == quiet.id for rows in counted for row in rows)
