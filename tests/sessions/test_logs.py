"""Session logs: the form's validation (nothing stored on bad input), who may log, and volunteer hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from listening import sessions
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import (
    AuditEvent,
    ListeningRequest,
    Mode,
    Outcome,
    RequestStatus,
    SessionLog,
    Visit,
    VisitStatus,
)
from listening.sessions.logs import SessionLogInput
from tests import factories
from tests.factories.session_factories import NOW, coordinator, visit

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def held(start: datetime, minutes: int = 55, **overrides) -> SessionLogInput:
    values = dict(outcome=Outcome.held, actual_start=start, actual_end=start + timedelta(minutes=minutes),
                  mood_before=2, mood_after=4, topics=["loneliness", "family"], note="聊了家里的近况。")
    values.update(overrides)
    return SessionLogInput(**values)


@pytest.fixture
def volunteer(session):
    return factories.volunteer(session)



def test_a_held_session_is_logged_and_completes_the_request(session, volunteer):
    account, row = volunteer
    v = visit(session, volunteers=[row])
    result = sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at + timedelta(minutes=5)),
                                  now=NOW)
    session.commit()
    log = session.get(SessionLog, result.log.id)
    assert (log.outcome, log.mode, log.mood_before, log.mood_after) == (Outcome.held, Mode.centre, 2, 4)
    assert log.topics == "family,loneliness"  # kept in the fixed order
    assert log.actual_end - log.actual_start == timedelta(minutes=55)
    assert result.escalation is None and result.debrief is None and result.unanswered_alert is None
    assert session.get(Visit, v.id).status == VisitStatus.completed
    assert session.get(ListeningRequest, v.request_id).status == RequestStatus.completed
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "session_log.created")).one()
    assert event.actor_id == account.id and "聊了" not in str(event.details)


BAD_INPUT = [
    ("end before start", lambda s: held(s, minutes=-30), "actual_end", "结束时间必须晚于开始时间。"),
    ("end equals start", lambda s: held(s, minutes=0), "actual_end", "结束时间必须晚于开始时间。"),
    ("over four hours", lambda s: held(s, minutes=4 * 60 + 1), "actual_end", "每次倾听不能超过 4 小时。请检查时间。"),
    ("ends in the future", lambda s: held(s + timedelta(hours=2)), "actual_end", None),
    ("wrong date", lambda s: held(s - timedelta(days=1)), "actual_start", None),
    ("no times", lambda s: held(s, actual_start=None, actual_end=None), "actual_start", None),
    ("naive times", lambda s: held(s.replace(tzinfo=None)), "actual_start", None),
    ("mood 0", lambda s: held(s, mood_before=0), "mood_before", None),
    ("mood 6", lambda s: held(s, mood_after=6), "mood_after", None),
    ("mood missing", lambda s: held(s, mood_after=None), "mood_after", None),
    ("unknown topic", lambda s: held(s, topics=["politics"]), "topics", None),
    ("overlong note", lambda s: held(s, note="很" * 501), "note", None),
    ("unknown risk", lambda s: held(s, risks={"boredom"}), "risks", None),
]


@pytest.mark.parametrize("case, make, field, zh", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(session, volunteer, case, make, field, zh):
    account, row = volunteer
    v = visit(session, volunteers=[row])
    session.commit()
    events_before = factories.count(session, AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        sessions.log_session(session, actor=account, visit_id=v.id, entry=make(v.starts_at), now=NOW)
    session.rollback()
    assert caught.value.field == field
    message = caught.value.translated()
    assert message and message != caught.value.message  # translated into Chinese
    if zh:
        assert message == zh
    assert factories.count(session, SessionLog) == 0
    assert factories.count(session, AuditEvent) == events_before
    assert session.get(ListeningRequest, v.request_id).status == RequestStatus.confirmed


def test_a_note_of_exactly_the_limit_is_accepted(session, volunteer):
    account, row = volunteer
    v = visit(session, volunteers=[row])
    result = sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at, note="好" * 500),
                                  now=NOW)
    assert len(result.log.note) == 500


def test_a_note_is_stored_without_control_or_invisible_characters(session, volunteer):
    account, row = volunteer
    v = visit(session, volunteers=[row])
    note = "聊了\u200b家里的事\x00，\r\n心情好一些\u202e"
    result = sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at, note=note), now=NOW)
    session.commit()
    assert session.get(SessionLog, result.log.id).note == "聊了家里的事，\n心情好一些"


def test_a_session_that_ended_a_minute_ago_is_not_in_the_future(session, volunteer):
    account, row = volunteer
    v = visit(session, volunteers=[row], starts_at=NOW - timedelta(minutes=61))
    sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at, minutes=60), now=NOW)
    assert factories.count(session, SessionLog) == 1


def test_only_the_visits_own_volunteer_may_log_it(session, volunteer):
    account, row = volunteer
    other_account, _ = factories.volunteer(session, "other", name="林小", phone="+8613900009999")
    boss = coordinator(session)
    v = visit(session, volunteers=[row])
    with pytest.raises(NotAllowed):
        sessions.log_session(session, actor=other_account, visit_id=v.id, entry=held(v.starts_at), now=NOW)
    with pytest.raises(NotAllowed):
        sessions.log_session(session, actor=boss, visit_id=v.id, entry=held(v.starts_at), now=NOW)
    assert factories.count(session, SessionLog) == 0


def test_one_log_per_volunteer_per_visit_and_the_partner_logs_too(session, volunteer):
    account, row = volunteer
    partner_account, partner = factories.volunteer(session, "partner", name="林小", phone="+8613900009999")
    v = visit(session, volunteers=[row, partner])
    sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at), now=NOW)
    with pytest.raises(IllegalTransition):
        sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at), now=NOW)
    sessions.log_session(session, actor=partner_account, visit_id=v.id, entry=held(v.starts_at, minutes=50), now=NOW)
    assert factories.count(session, SessionLog) == 2
    assert session.get(ListeningRequest, v.request_id).status == RequestStatus.completed


@pytest.mark.parametrize("status", [VisitStatus.cancelled, VisitStatus.proposed])
def test_a_visit_that_did_not_go_ahead_cannot_be_logged(session, volunteer, status):
    account, row = volunteer
    v = visit(session, volunteers=[row], status=status)
    with pytest.raises(IllegalTransition):
        sessions.log_session(session, actor=account, visit_id=v.id, entry=held(v.starts_at), now=NOW)


def test_a_visit_that_has_not_started_cannot_be_logged(session, volunteer):
    account, row = volunteer
    v = visit(session, volunteers=[row], starts_at=NOW + timedelta(hours=1))
    with pytest.raises(IllegalTransition):
        sessions.log_session(session, actor=account, visit_id=v.id, entry=held(NOW - timedelta(hours=1)), now=NOW)


@pytest.mark.parametrize("outcome, status", [(Outcome.no_show, RequestStatus.no_show),
                                             (Outcome.no_answer, RequestStatus.no_show)])
def test_a_no_show_keeps_no_times_or_moods_and_marks_the_request(session, volunteer, outcome, status):
    account, row = volunteer
    v = visit(session, volunteers=[row], mode=Mode.phone)
    entry = held(v.starts_at, outcome=outcome)  # the form's leftovers are not kept
    log = sessions.log_session(session, actor=account, visit_id=v.id, entry=entry, now=NOW).log
    assert (log.outcome, log.actual_start, log.actual_end, log.mood_before, log.topics) == (outcome, None, None,
                                                                                          None, "")
    assert session.get(ListeningRequest, v.request_id).status == status
    assert session.get(Visit, v.id).status == VisitStatus.no_show


def test_loggable_visits_are_my_started_unlogged_ones(session, volunteer):
    account, row = volunteer
    _, other = factories.volunteer(session, "other", name="林小", phone="+8613900009999")
    mine = visit(session, volunteers=[row], starts_at=NOW - timedelta(hours=3))
    just_started = visit(session, volunteers=[row], starts_at=NOW - timedelta(minutes=10))
    visit(session, volunteers=[row], starts_at=NOW + timedelta(days=1))  # future
    visit(session, volunteers=[row], starts_at=NOW - timedelta(days=1), status=VisitStatus.cancelled)
    visit(session, volunteers=[other], starts_at=NOW - timedelta(hours=3))  # someone else's
    logged = visit(session, volunteers=[row], starts_at=NOW - timedelta(days=2))
    sessions.log_session(session, actor=account, visit_id=logged.id, entry=held(logged.starts_at), now=NOW)
    result = sessions.loggable_visits(session, actor=account, now=NOW)
    assert [v.visit_id for v in result] == [just_started.id, mine.id]


def test_booked_hours_count_the_local_week(session, volunteer):
    account, row = volunteer
    monday = date(2026, 3, 9)  # local week 2026-03-09 00:00 +08:00 = 2026-03-08 16:00 UTC
    week_start_utc = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    visit(session, volunteers=[row], starts_at=week_start_utc - timedelta(minutes=30), status=VisitStatus.scheduled)
    visit(session, volunteers=[row], starts_at=week_start_utc + timedelta(hours=1), status=VisitStatus.scheduled)
    visit(session, volunteers=[row], starts_at=week_start_utc + timedelta(days=2), status=VisitStatus.proposed)
    visit(session, volunteers=[row], starts_at=week_start_utc + timedelta(days=3), status=VisitStatus.cancelled)
    visit(session, volunteers=[row], starts_at=week_start_utc + timedelta(days=7), status=VisitStatus.scheduled)
    held_visit = visit(session, volunteers=[row], starts_at=NOW - timedelta(hours=2))  # Wednesday
    sessions.log_session(session, actor=account, visit_id=held_visit.id, entry=held(held_visit.starts_at, minutes=90),
                         now=NOW)
    no_answer = visit(session, volunteers=[row], starts_at=NOW - timedelta(hours=5), mode=Mode.phone)
    sessions.log_session(session, actor=account, visit_id=no_answer.id,
                         entry=SessionLogInput(outcome=Outcome.no_answer), now=NOW)
    # 1 h scheduled + 1 h proposed + 1.5 h held; the visit before Monday, the cancelled one, the next week's one
    # and the unanswered call do not count.
    assert sessions.booked_hours(session, volunteer_id=row.id, week_start=monday) == 3.5
    assert sessions.booked_hours(session, volunteer_id=row.id, week_start=monday - timedelta(days=7)) == 1.0


def test_my_hours_by_month_use_actual_times_in_local_time(session, volunteer):
    account, row = volunteer
    # 2026-02-28 23:30 in Shenzhen is still February there (15:30 UTC).
    late_feb = datetime(2026, 2, 28, 15, 30, tzinfo=UTC)
    early_mar = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)  # 00:30 on 1 March, local
    for starts_at, minutes in ((late_feb, 45), (early_mar, 60), (NOW - timedelta(hours=2), 90)):
        v = visit(session, volunteers=[row], starts_at=starts_at)
        sessions.log_session(session, actor=account, visit_id=v.id, entry=held(starts_at, minutes=minutes), now=NOW)
    months = sessions.my_hours_by_month(session, actor=account)
    assert [(m.month, m.sessions, m.hours) for m in months] == [(date(2026, 3, 1), 2, 2.5), (date(2026, 2, 1), 1, 0.75)]


def test_hour_totals_for_the_coordinator(session, volunteer):
    account, row = volunteer
    other_account, other = factories.volunteer(session, "other", name="林小", phone="+8613900009999")
    boss = coordinator(session)
    plan = ((row, account, 60), (row, account, 30), (other, other_account, 120))
    for hours_ago, (who, acc, minutes) in enumerate(plan):
        v = visit(session, volunteers=[who], starts_at=NOW - timedelta(hours=3 + hours_ago))
        sessions.log_session(session, actor=acc, visit_id=v.id, entry=held(v.starts_at, minutes=minutes), now=NOW)
    totals = sessions.hour_totals(session, actor=boss, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert [(t.full_name, t.sessions, t.hours) for t in totals] == [("林小", 1, 2.0), ("陈静", 2, 1.5)]
    assert sessions.hour_totals(session, actor=boss, start=date(2026, 4, 1), end=date(2026, 4, 30)) == []
    with pytest.raises(NotAllowed):
        sessions.hour_totals(session, actor=account, start=date(2026, 3, 1), end=date(2026, 3, 31))
    with pytest.raises(InvalidInput):
        sessions.hour_totals(session, actor=boss, start=date(2026, 3, 31), end=date(2026, 3, 1))
