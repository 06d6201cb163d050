"""The coordinator's list of volunteers overdue for supervision (30 days) or a session (60 days), at their edges in
local days (Asia/Shanghai), and the one-click reminder SMS."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from listening.core.config import get_settings
from listening.core.errors import IllegalTransition
from listening.models import AuditEvent, MessageKind, OutboundMessage, SupervisionKind
from listening.sms.segments import segment_count
from listening.supervision import overdue, sessions
from tests import factories
from tests.supervision.helpers import held_session, listener

SUPERVISED = date(2026, 11, 1)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=get_settings().tz)


@pytest.fixture
def chen(session):
    coordinator = factories.coordinator(session)
    volunteer = listener(session, joined=date(2026, 6, 1))
    sessions.assign_supervisor(session, actor=coordinator, volunteer_id=volunteer.id, supervisor_id=coordinator.id,
                               on=date(2026, 6, 1))
    sessions.log_supervision(session, actor=coordinator, kind=SupervisionKind.one_to_one, held_on=SUPERVISED,
                             supervisor_id=coordinator.id, attended=[volunteer.id], on=SUPERVISED)
    held_session(session, volunteer, starts_at=local_midnight(SUPERVISED) + timedelta(hours=10))
    return coordinator, volunteer


def flagged(session, coordinator, now):
    return {r.volunteer_id: r for r in overdue.volunteers_needing_care(session, actor=coordinator, now=now)}


def test_supervision_is_overdue_from_local_midnight_thirty_days_on(session, chen):
    coordinator, volunteer = chen
    day_30 = local_midnight(SUPERVISED + timedelta(days=30))
    assert flagged(session, coordinator, day_30 - timedelta(seconds=1)) == {}  # 29 days, 23:59:59 local
    row = flagged(session, coordinator, day_30)[volunteer.id]
    assert (row.supervision_days, row.supervision_overdue, row.session_overdue) == (30, True, False)
    # 00:30 in Shanghai is still the day before in UTC: the local day counts
    assert (day_30 + timedelta(minutes=30)).utcoffset() == timedelta(hours=8)
    assert volunteer.id in flagged(session, coordinator, day_30 + timedelta(minutes=30))
    assert row.last_supervised == SUPERVISED and row.supervisor == coordinator.display_name


def test_an_absence_does_not_count_as_supervision(session, chen):
    coordinator, volunteer = chen
    sessions.log_supervision(session, actor=coordinator, kind=SupervisionKind.group, held_on=date(2026, 11, 20),
                             supervisor_id=coordinator.id, attended=[coordinator_volunteer(session).id],
                             absent=[volunteer.id], on=date(2026, 11, 20))
    assert volunteer.id in flagged(session, coordinator, local_midnight(SUPERVISED + timedelta(days=30)))
    sessions.log_supervision(session, actor=coordinator, kind=SupervisionKind.group, held_on=date(2026, 11, 21),
                             supervisor_id=coordinator.id, attended=[volunteer.id], on=date(2026, 11, 21))
    assert volunteer.id not in flagged(session, coordinator, local_midnight(SUPERVISED + timedelta(days=30)))


def coordinator_volunteer(session):
    return factories.volunteer(session, None, name="另一位", phone="+8613900004444")[1]


def test_no_listening_session_for_sixty_days_is_flagged_on_the_sixtieth_local_day(session, chen):
    coordinator, volunteer = chen
    for k in range(3):  # supervision kept up, so only the session flag moves
        held_on = SUPERVISED + timedelta(days=25 * (k + 1))
        sessions.log_supervision(session, actor=coordinator, kind=SupervisionKind.one_to_one, held_on=held_on,
                                 supervisor_id=coordinator.id, attended=[volunteer.id], on=held_on)
    day_60 = local_midnight(SUPERVISED + timedelta(days=60))
    assert flagged(session, coordinator, day_60 - timedelta(seconds=1)) == {}
    row = flagged(session, coordinator, day_60)[volunteer.id]
    assert (row.session_days, row.session_overdue, row.supervision_overdue) == (60, True, False)
    assert row.last_session == SUPERVISED and row.reminder_reason == "sessions"


def test_a_listener_without_a_supervisor_is_listed_and_never_supervised_counts_from_joining(session):
    coordinator = factories.coordinator(session)
    volunteer = listener(session, joined=date(2026, 10, 1))  # listening from 16 October (helpers.listener)
    row = flagged(session, coordinator, local_midnight(date(2026, 10, 25)))[volunteer.id]
    assert (row.supervisor, row.supervision_days, row.supervision_overdue) == (None, 24, False)
    assert flagged(session, coordinator, local_midnight(date(2026, 10, 31)))[volunteer.id].supervision_overdue


def test_the_reminder_goes_through_the_outbox_once_a_day_in_one_chinese_sms(session, chen):
    coordinator, volunteer = chen
    now = local_midnight(SUPERVISED + timedelta(days=31)) + timedelta(hours=10)
    message = overdue.send_reminder(session, actor=coordinator, volunteer_id=volunteer.id, now=now)
    assert message.kind == MessageKind.supervision_reminder and message.to_phone == volunteer.phone
    assert message.body.startswith("【倾听一小时】") and "督导" in message.body
    assert get_settings().centre_phone in message.body and "回复" not in message.body and "http" not in message.body
    assert segment_count(message.body) == 1, message.body
    assert overdue.send_reminder(session, actor=coordinator, volunteer_id=volunteer.id, now=now) is None
    assert len(session.exec(select(OutboundMessage)).all()) == 1
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "supervision.reminded")).one()
    assert event.details == {"overdue": "supervision"}


def test_a_volunteer_who_is_not_overdue_gets_no_reminder(session, chen):
    coordinator, volunteer = chen
    with pytest.raises(IllegalTransition):
        overdue.send_reminder(session, actor=coordinator, volunteer_id=volunteer.id,
                              now=local_midnight(SUPERVISED + timedelta(days=5)))


def test_the_ladder_is_read_only_for_the_flagged_and_the_statements_do_not_grow_with_volunteers(session, chen,
                                                                                              monkeypatch):
    """A district has two thousand active volunteers: the dates are aggregates over all of them, the training
    ladder (the dear part) is read for the flagged ones only, and the statements stay the same in number."""
    from tests.safeguarding.test_contacts import statements

    coordinator, volunteer = chen
    laddered = []
    real = overdue.training_statuses

    def spy(session, *, on, volunteer_ids=None):
        laddered.append(sorted(volunteer_ids))
        return real(session, on=on, volunteer_ids=volunteer_ids)

    monkeypatch.setattr(overdue, "training_statuses", spy)
    day_30 = local_midnight(SUPERVISED + timedelta(days=30))

    def counted() -> tuple[int, dict]:
        session.exec(select(AuditEvent.id)).first()  # the transaction has begun (SQLite's BEGIN is a statement)
        with statements(session) as seen:
            found = flagged(session, coordinator, day_30)
        return len(seen), found

    few, found = counted()
    assert list(found) == [volunteer.id] and volunteer.id in laddered[-1]  # (with the mentor: no supervisor)
    kept_up = []
    for n in range(4):  # listeners supervised and listening lately: not flagged, not laddered
        other = listener(session, name=f"志愿者{n}", phone=f"+86139000020{n}1", joined=date(2026, 6, 1))
        sessions.assign_supervisor(session, actor=coordinator, volunteer_id=other.id, supervisor_id=coordinator.id,
                                   on=date(2026, 6, 1))
        sessions.log_supervision(session, actor=coordinator, kind=SupervisionKind.one_to_one,
                                 held_on=date(2026, 11, 25), supervisor_id=coordinator.id, attended=[other.id],
                                 on=date(2026, 11, 25))
        held_session(session, other, starts_at=local_midnight(date(2026, 11, 20)) + timedelta(hours=10))
        kept_up.append(other.id)
    many, found = counted()
    assert list(found) == [volunteer.id] and volunteer.id in laddered[-1] and not set(kept_up) & set(laddered[-1])
    assert many == few


def test_each_volunteer_s_last_held_session_is_read_from_the_index_alone(session, chen):
    """Over a district's 95,000 logs SQLite read the session_log table for the last held session of every active
    volunteer (0.2 s of the home page); (volunteer_id, outcome, actual_start) answers it from the index."""
    from sqlalchemy import event

    coordinator, volunteer = chen
    seen = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "max(session_log.actual_start)" in statement:
            seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        flagged(session, coordinator, local_midnight(SUPERVISED + timedelta(days=30)))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = seen
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL chooses by its statistics
    plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "COVERING INDEX ix_session_log_volunteer_held" in plan, plan
