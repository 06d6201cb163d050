"""The alert chain: the duty coordinator first, everyone reachable when they cannot be reached or their SMS fails,
re-alerts every 15 minutes until somebody acknowledges, and never twice from two workers at once."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from listening import safeguarding
from listening.core.config import get_settings
from listening.core.db import for_writing
from listening.core.phones import opt_out_hash
from listening.models import (
    AlertSkip,
    AuditEvent,
    DutyShift,
    ErasedOptOut,
    EscalationAlert,
    EscalationSource,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    SmsOptOut,
)
from listening.safeguarding import alerts
from listening.safeguarding.rota import sms_problems
from listening.sms.transport import Accepted, Rejected
from listening.sms.worker import Worker
from tests.factories.session_factories import NOW, coordinator
from tests.safeguarding.test_contacts import statements

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NIGHT = NOW + timedelta(hours=13, minutes=2)  # 23:02 in Shenzhen: quiet hours, urgent alerts still go


@pytest.fixture
def team(session):
    """王 is on duty tonight; 李 and 赵 are the other coordinators."""
    wang = coordinator(session, "wang", phone="+8613800000001")
    li = coordinator(session, "li", phone="+8613800000002")
    zhao = coordinator(session, "zhao", phone="+8613800000003", locale="en")
    session.add(DutyShift(coordinator_id=wang.id, starts_at=NIGHT - timedelta(hours=3),
                          ends_at=NIGHT + timedelta(hours=9)))
    session.commit()
    return wang, li, zhao


def raise_one(session, at=NIGHT, kinds=frozenset({"suicide"})):
    escalation = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds=set(kinds), now=at)
    session.commit()
    return escalation


def alert_rows(session, escalation) -> list[EscalationAlert]:
    session.commit()  # end the read snapshot (SQLite keeps one per transaction): see what the workers wrote
    session.expire_all()
    return list(session.exec(select(EscalationAlert).where(EscalationAlert.escalation_id == escalation.id)
                             .order_by(EscalationAlert.round, EscalationAlert.coordinator_id)))


def texted(session, escalation, round_no=None) -> list[int]:
    """Coordinator ids with an alert SMS queued for the escalation (in one round, or all)."""
    return [r.coordinator_id for r in alert_rows(session, escalation)
            if r.message_id is not None and (round_no is None or r.round == round_no)]


def message_of(session, row: EscalationAlert) -> OutboundMessage:
    return session.get(OutboundMessage, row.message_id)


def advance(engine, at) -> int:
    return alerts.advance_all(for_writing(engine), clock=lambda: at)


def test_the_duty_coordinator_alone_is_alerted_first_and_urgently(session, team):
    wang, li, zhao = team
    escalation = raise_one(session)
    [row] = alert_rows(session, escalation)
    assert (row.coordinator_id, row.round, row.skipped) == (wang.id, 0, None)
    sms = message_of(session, row)
    assert sms.urgent and sms.due_at == NIGHT and sms.kind == MessageKind.safeguarding_alert
    assert f"#{escalation.id}" in sms.body and "http" not in sms.body and "回复" not in sms.body


def test_an_opted_out_duty_number_is_skipped_and_the_next_coordinators_are_alerted(session, team):
    wang, li, zhao = team
    session.add(SmsOptOut(phone=wang.phone))
    session.commit()
    escalation = raise_one(session)
    rows = alert_rows(session, escalation)
    assert [(r.coordinator_id, r.skipped) for r in rows] == [(wang.id, AlertSkip.opted_out), (li.id, None),
                                                             (zhao.id, None)]
    assert session.exec(select(OutboundMessage).where(OutboundMessage.to_phone == wang.phone)).all() == []
    raised = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.raised")).one()
    assert raised.details["alerted"] == [li.id, zhao.id]
    assert raised.details["skipped"] == {str(wang.id): "opted_out"}


@pytest.mark.parametrize("phone, reason", [(None, AlertSkip.no_phone), ("", AlertSkip.no_phone),
                                           ("12345", AlertSkip.invalid_phone)])
def test_a_missing_or_invalid_duty_number_moves_the_chain_on(session, team, phone, reason):
    wang, li, zhao = team
    wang.phone = phone
    session.add(wang)
    session.commit()
    escalation = raise_one(session)
    assert [(r.coordinator_id, r.skipped) for r in alert_rows(session, escalation)][0] == (wang.id, reason)
    assert texted(session, escalation) == [li.id, zhao.id]


def test_a_failed_send_moves_on_to_every_other_coordinator(session, engine, team):
    wang, li, zhao = team
    escalation = raise_one(session)
    assert advance(engine, NIGHT + timedelta(minutes=1)) == 0  # the duty SMS is still on its way
    [row] = alert_rows(session, escalation)
    sms = message_of(session, row)
    sms.status, sms.error_code = MessageStatus.undelivered, "30003"  # the provider's status callback
    session.add(sms)
    session.commit()
    assert advance(engine, NIGHT + timedelta(minutes=2)) == 2
    assert texted(session, escalation, round_no=0) == [wang.id, li.id, zhao.id]
    moved = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.alerted")).one()
    assert moved.details == {"round": 0, "why": "moved_on", "alerted": [li.id, zhao.id], "skipped": {}}
    assert advance(engine, NIGHT + timedelta(minutes=3)) == 0  # nobody left in this round
    # The next escalation skips 王, whose last urgent SMS failed, instead of waiting on it.
    second = raise_one(session, at=NIGHT + timedelta(minutes=5))
    rows = alert_rows(session, second)
    assert [(r.coordinator_id, r.skipped) for r in rows] == [(wang.id, AlertSkip.last_failed), (li.id, None),
                                                             (zhao.id, None)]
    [shift] = safeguarding.duty_rota(session, actor=wang, now=NIGHT)
    assert shift.has_phone and shift.sms_problem == AlertSkip.last_failed  # the rota warns instead of "phone on file"


def test_the_worker_moves_on_when_the_provider_rejects_the_duty_number(session, engine, team):
    wang, li, zhao = team

    class Provider:
        name = "fake"
        sent: list[str] = []
        sids = itertools.count()

        def send(self, to, body, *, status_callback=None):
            self.sent.append(to)
            if to == wang.phone:
                return Rejected(code=21211, message="invalid 'To' number")
            return Accepted(provider_sid=f"SM{next(self.sids)}", segments=1, status="queued")

        def find_sent(self, to, since, body):
            return []

    provider = Provider()
    escalation = raise_one(session)
    worker = Worker(engine, provider, rate_per_second=1000, clock=lambda: NIGHT + timedelta(seconds=30))
    worker.beat(force=True)
    worker.run_once()  # sends 王's alert: rejected
    worker.run_once()  # sees the round dead, queues 李's and 赵's, sends them
    assert provider.sent == [wang.phone, li.phone, zhao.phone]
    statuses = [message_of(session, r).status for r in alert_rows(session, escalation)]
    assert statuses == [MessageStatus.failed, MessageStatus.sent, MessageStatus.sent]


def test_nobody_reachable_is_reported_on_the_rota_and_the_escalation(session, team):
    wang, li, zhao = team
    session.add(SmsOptOut(phone=wang.phone))
    li.phone = None
    zhao.is_active = False
    session.add_all([li, zhao])
    session.commit()
    escalation = raise_one(session)
    assert texted(session, escalation) == []
    assert [(r.coordinator_id, r.skipped) for r in alert_rows(session, escalation)] == [
        (wang.id, AlertSkip.opted_out), (li.id, AlertSkip.no_phone)]
    [shift] = safeguarding.duty_rota(session, actor=wang, now=NIGHT)
    assert (shift.coordinator_name, shift.has_phone, shift.sms_problem) == ("wang", True, AlertSkip.opted_out)
    cover = safeguarding.coverage(session, actor=wang, now=NIGHT)
    assert cover.on_duty == [("wang", AlertSkip.opted_out)] and cover.reachable == 0
    [view] = safeguarding.open_escalations(session, actor=wang, now=NIGHT)
    assert view.reached is False and [s.skipped for s in view.steps] == [AlertSkip.opted_out, AlertSkip.no_phone]


def test_re_alerts_every_15_minutes_go_to_every_reachable_coordinator_until_acknowledged(session, engine, team):
    wang, li, zhao = team
    escalation = raise_one(session)
    assert advance(engine, NIGHT + timedelta(minutes=14, seconds=59)) == 0
    assert advance(engine, NIGHT + timedelta(minutes=15)) == 3
    assert texted(session, escalation, round_no=1) == [wang.id, li.id, zhao.id]
    again = [r for r in alert_rows(session, escalation) if r.round == 1]
    bodies = [message_of(session, r).body for r in again]
    assert all(f"#{escalation.id}" in b for b in bodies)
    assert "仍未确认" in bodies[0] and "still not acknowledged" in bodies[2]  # 赵 reads English
    assert all(message_of(session, r).urgent for r in again)  # 23:17: quiet hours do not hold them
    assert advance(engine, NIGHT + timedelta(minutes=20)) == 0
    assert advance(engine, NIGHT + timedelta(minutes=30)) == 3  # the next round, 15 minutes after the last
    assert {r.round for r in alert_rows(session, escalation)} == {0, 1, 2}

    safeguarding.acknowledge(session, actor=li, escalation_id=escalation.id, now=NIGHT + timedelta(minutes=31))
    session.commit()
    statuses = {message_of(session, r).status for r in alert_rows(session, escalation) if r.message_id}
    assert statuses == {MessageStatus.cancelled}  # none was sent yet: nobody is woken for what is taken care of
    assert advance(engine, NIGHT + timedelta(minutes=45)) == 0
    assert advance(engine, NIGHT + timedelta(hours=3)) == 0
    assert {r.round for r in alert_rows(session, escalation)} == {0, 1, 2}


def test_the_re_alert_interval_is_a_setting(session, engine, team, monkeypatch):
    monkeypatch.setenv("SAFEGUARDING_REALERT_MINUTES", "5")
    get_settings.cache_clear()
    try:
        escalation = raise_one(session)
        assert advance(engine, NIGHT + timedelta(minutes=5)) == 3
        assert len(texted(session, escalation, round_no=1)) == 3
    finally:
        monkeypatch.delenv("SAFEGUARDING_REALERT_MINUTES")
        get_settings.cache_clear()


def test_two_workers_at_the_same_time_do_not_double_alert(session, engine, team):
    wang, li, zhao = team
    escalations = [raise_one(session, kinds={kind}) for kind in ("suicide", "abuse", "medical")]
    due = NIGHT + timedelta(minutes=15)
    start = threading.Barrier(2)
    queued: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            queued.append(advance(engine, due))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(queued) == 3 * 3  # three escalations, three coordinators, once each
    for escalation in escalations:
        assert texted(session, escalation, round_no=1) == [wang.id, li.id, zhao.id]
    with Session(engine) as fresh:
        keys = fresh.exec(select(OutboundMessage.dedupe_key)
                          .where(OutboundMessage.kind == MessageKind.safeguarding_alert)).all()
    assert len(keys) == len(set(keys)) == 3 * 1 + 3 * 3  # round 0 to 王, round 1 to all three


def test_alerts_stop_for_an_escalation_acknowledged_between_rounds(session, engine, team):
    wang, li, zhao = team
    escalation = raise_one(session)
    safeguarding.acknowledge(session, actor=wang, escalation_id=escalation.id, now=NIGHT + timedelta(minutes=3))
    session.commit()
    assert advance(engine, NIGHT + timedelta(minutes=15)) == 0
    assert texted(session, escalation) == [wang.id]


def test_a_number_that_failed_last_time_is_still_tried_when_nobody_else_can_be_reached(session, team):
    wang, li, zhao = team
    li.is_active = zhao.is_active = False
    session.add_all([li, zhao])
    first = raise_one(session)
    [row] = alert_rows(session, first)
    sms = message_of(session, row)
    sms.status = MessageStatus.failed
    session.add(sms)
    session.commit()
    second = raise_one(session, at=NIGHT + timedelta(minutes=1))
    assert texted(session, second) == [wang.id]  # it may work again; nobody else is there


def test_who_can_receive_an_alert_is_looked_up_in_a_bounded_number_of_statements(session):
    """Three statements for a fortnight's rota or a whole district's coordinators, each reason still found."""
    people = [coordinator(session, f"c{n}", phone=f"+86138000001{n:02d}") for n in range(20)]
    people[1].phone, people[2].phone = None, "12345"
    session.add(SmsOptOut(phone=people[3].phone))
    session.add(ErasedOptOut(phone_hash=opt_out_hash(people[4].phone)))
    for status in (MessageStatus.delivered, MessageStatus.failed):  # the latest urgent SMS failed
        session.add(OutboundMessage(kind=MessageKind.safeguarding_alert, recipient_kind="coordinator",
                                    to_phone=people[5].phone, body="x", dedupe_key=f"t{status}", urgent=True,
                                    status=status))
        session.flush()
    session.commit()
    session.exec(select(DutyShift.id)).first()  # the transaction begins (SQLite's BEGIN is a statement of its own)
    with statements(session) as seen:
        problems = sms_problems(session, people)
    assert len(seen) <= 3
    assert [problems[p.id] for p in people[:7]] == [None, AlertSkip.no_phone, AlertSkip.invalid_phone,
                                                    AlertSkip.opted_out, AlertSkip.opted_out, AlertSkip.last_failed,
                                                    None]


def test_the_last_urgent_sms_of_each_coordinator_is_found_by_its_index_not_by_walking_every_sent_message(session):
    """At district scale the status index covers 370,000 sent messages: SQLite's planner chose it over to_phone
    (110 ms, twice on every safeguarding page). The (urgent, to_phone) index is what it must use."""
    from sqlalchemy import event

    people = [coordinator(session, f"c{n}", phone=f"+86138000002{n:02d}") for n in range(20)]
    session.commit()
    seen = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "row_number()" in statement:
            seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        sms_problems(session, people)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = seen
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL plans by its statistics (a bitmap of to_phone and status at district scale)
    plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_outbound_message_urgent_to_phone" in plan, plan
