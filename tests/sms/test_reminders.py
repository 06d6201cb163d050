"""Which SMS a visit causes, and the worker that sends them through the real twilio client to the local fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from listening.core.config import get_settings
from listening.models import (
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Resident,
    SmsOptOut,
    WorkerHeartbeat,
)
from listening.sms import outbox, reminders
from listening.sms.segments import segment_count
from listening.sms.transport import OutboxOnlyTransport, TwilioTransport
from listening.sms.worker import Worker
from tests.factories.sms_helpers import RESIDENT_PHONE, scheduled_visit
from tests.fake_twilio import FakeTwilio

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants



def _last_noon_in_shenzhen() -> datetime:
    # In the past, so the fake API's real timestamps come after the worker's claims (find_sent looks "since").
    now = datetime.now(UTC)
    noon = now.replace(hour=4, minute=0, second=0, microsecond=0)
    return noon if noon <= now else noon - timedelta(days=1)


NOON = _last_noon_in_shenzhen()  # 12:00 in Shenzhen: outside quiet hours


def messages(session) -> list[OutboundMessage]:
    session.commit()  # end the read snapshot, so what the worker committed since is visible
    session.expire_all()
    return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))


# -- what a visit causes -------------------------------------------------------------------------------------


def test_a_scheduled_visit_notifies_everyone_and_books_reminders_once(session):
    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3))
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)  # repeated: nothing new
    rows = messages(session)
    assert len(rows) == 9  # (notice + 24 h + 2 h) x (resident + 2 volunteers)
    by_kind = {(r.kind, r.recipient_kind) for r in rows}
    assert (MessageKind.reminder_2h, RecipientKind.resident) in by_kind
    reminder = next(r for r in rows if r.kind == MessageKind.reminder_24h and r.recipient_kind == RecipientKind.resident)
    assert reminder.due_at == visit.starts_at - timedelta(hours=24)
    assert all(r.expires_at == visit.starts_at for r in rows)
    assert all(r.body.startswith("【倾听一小时】") for r in rows)


def test_a_visit_this_afternoon_gets_no_24_hour_reminder(session):
    visit = scheduled_visit(session, starts_at=NOON + timedelta(hours=5), volunteers=1)
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    kinds = sorted(r.kind.value for r in messages(session) if r.recipient_kind == RecipientKind.resident)
    assert kinds == ["reminder_2h", "visit_scheduled"]


def _resident_reminder_24h(session, *, booked_before: timedelta) -> OutboundMessage | None:
    visit = scheduled_visit(session, starts_at=NOON + booked_before, volunteers=1)
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    return next((r for r in messages(session) if r.visit_id == visit.id and r.kind == MessageKind.reminder_24h
                 and r.recipient_kind == RecipientKind.resident), None)


@pytest.mark.parametrize("booked_before", [timedelta(hours=23, minutes=59), timedelta(hours=24, minutes=1)])
def test_a_visit_booked_about_a_day_ahead_gets_no_24_hour_reminder(session, booked_before):
    """Booked 23h59 ahead, the reminder's moment has passed: not written. Booked 24h01 ahead, it would follow the
    booking notice by a minute: written `not_sent` with its reason, so the SMS page says why."""
    reminder = _resident_reminder_24h(session, booked_before=booked_before)
    if booked_before < timedelta(hours=24):
        assert reminder is None
    else:
        assert reminder.status == MessageStatus.not_sent
        assert reminder.error_message == outbox.REMINDER_SOON_AFTER_BOOKING


@pytest.mark.parametrize("booked_before, sent", [(timedelta(hours=47, minutes=59), False),
                                                 (timedelta(hours=48, minutes=1), True)])
def test_the_24_hour_reminder_goes_only_a_day_or_more_after_the_booking_notice(session, booked_before, sent):
    reminder = _resident_reminder_24h(session, booked_before=booked_before)
    assert reminder.status == (MessageStatus.queued if sent else MessageStatus.not_sent)
    residents = [r for r in messages(session) if r.recipient_kind == RecipientKind.resident]
    assert {r.kind for r in residents if r.status == MessageStatus.queued} == (
        {MessageKind.visit_scheduled, MessageKind.reminder_24h, MessageKind.reminder_2h} if sent
        else {MessageKind.visit_scheduled, MessageKind.reminder_2h})  # the 2 h reminder always stays


def test_a_phone_visit_tells_the_resident_which_volunteer_will_call(session):
    from listening.models import Mode

    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3), volunteers=2)
    visit.mode = Mode.phone
    session.add(visit)
    session.flush()
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    rows = messages(session)
    to_resident = [r for r in rows if r.recipient_kind == RecipientKind.resident and r.status == MessageStatus.queued]
    assert len(to_resident) == 3
    assert all("志愿者陈女士" in r.body and "来电" in r.body for r in to_resident)  # the lead, by family name
    assert all(r.segments == 1 for r in to_resident)
    assert not any("陈女士" in r.body for r in rows if r.recipient_kind == RecipientKind.volunteer)


def test_a_resident_without_sms_consent_gets_nothing(session):
    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3), consent=False, volunteers=1)
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    assert {r.recipient_kind for r in messages(session)} == {RecipientKind.volunteer}


def test_cancelling_a_visit_cancels_its_reminders_and_sends_the_notice(session):
    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3), volunteers=1)
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    reminders.on_visit_cancelled(session, visit=visit, now=NOON + timedelta(hours=1))
    rows = messages(session)
    pending = [r for r in rows if r.kind in (MessageKind.visit_scheduled, MessageKind.reminder_24h, MessageKind.reminder_2h)]
    assert {r.status for r in pending} == {MessageStatus.cancelled}
    notices = [r for r in rows if r.kind == MessageKind.cancellation]
    assert len(notices) == 2 and {r.status for r in notices} == {MessageStatus.queued}


def schedule_through_the_lifecycle(session):
    """A proposed visit, scheduled with the real lifecycle.schedule; returns (coordinator, visit)."""
    from listening.models import RequestStatus, VisitStatus
    from listening.residents import lifecycle
    from tests import factories

    coordinator = factories.coordinator(session)
    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3), status=RequestStatus.matched, volunteers=1)
    visit.status = VisitStatus.proposed
    session.add(visit)
    session.flush()
    lifecycle.schedule(session, actor=coordinator, request_id=visit.request_id, now=NOON)
    return coordinator, visit


def test_the_request_lifecycle_writes_the_sms(session):
    """Through the requests engineer's real transitions: schedule, then a cancel by the resident."""
    from listening.models import ListeningRequest, RequestStatus
    from listening.residents import lifecycle

    _, visit = schedule_through_the_lifecycle(session)
    assert {r.kind for r in messages(session)} >= {MessageKind.visit_scheduled, MessageKind.reminder_24h}
    lifecycle.requeue(session, actor=None, request_id=visit.request_id, reason="cancelled by SMS reply")
    assert session.get(ListeningRequest, visit.request_id).status == RequestStatus.new
    assert any(r.kind == MessageKind.cancellation for r in messages(session))


def test_a_no_show_sends_the_follow_up_once(session):
    from listening.residents import lifecycle

    coordinator, visit = schedule_through_the_lifecycle(session)
    lifecycle.mark_no_show(session, actor=coordinator, request_id=visit.request_id)
    follow_ups = [r for r in messages(session) if r.kind == MessageKind.no_show_followup]
    assert len(follow_ups) == 1 and follow_ups[0].to_phone == RESIDENT_PHONE
    assert "http" not in follow_ups[0].body


# -- the worker against the fake ------------------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeTwilio() as running:
        yield running


def twilio(fake, timeout=5.0) -> TwilioTransport:
    return TwilioTransport(fake.account_sid, fake.auth_token, from_number=fake.from_number, base_url=fake.base_url,
                           timeout_seconds=timeout)


def queue(session, n=3, *, phone_prefix="+4477009001", **kwargs) -> list[OutboundMessage]:
    rows = [outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                           to_phone=f"{phone_prefix}{i:02d}", body=f"【倾听一小时】第{i}条",
                           dedupe_key=f"t:{phone_prefix}:{i}",
                           due_at=NOON, now=NOON, **kwargs) for i in range(n)]
    session.commit()
    return rows


def worker(engine, transport, **kwargs) -> Worker:
    return Worker(engine, transport, rate_per_second=kwargs.pop("rate", 100), clock=kwargs.pop("clock", lambda: NOON),
                  **kwargs)


def test_the_worker_sends_due_messages_and_stores_the_sid(session, engine, fake):
    rows = queue(session)
    result = worker(engine, twilio(fake)).run_once()
    assert result.sent == 3
    assert fake.count_by() == 3
    stored = messages(session)
    assert {r.status for r in stored} == {MessageStatus.sent}
    assert {r.provider_sid for r in stored} == {m.sid for m in fake.messages}
    assert all(r.attempts == 1 and r.provider == "twilio" for r in stored)
    assert len(rows) == 3


def test_without_credentials_the_message_stays_in_the_outbox(session, engine):
    queue(session, 1)
    worker(engine, OutboxOnlyTransport()).run_once()
    (row,) = messages(session)
    assert row.status == MessageStatus.not_sent and row.error_message == "not sent: no provider"


def test_a_timeout_is_reconciled_not_resent(session, engine, fake):
    queue(session, 1)
    fake.timeout_next(1, seconds=1.0)
    clock = [NOON]
    w = worker(engine, twilio(fake, timeout=0.3), clock=lambda: clock[0])
    assert w.run_once().retried == 1
    (row,) = messages(session)
    assert row.status == MessageStatus.sending and row.claimed_by is None and "Timeout" in row.error_message
    clock[0] = NOON + timedelta(minutes=5)
    w.run_once()
    (row,) = messages(session)
    assert row.status == MessageStatus.sent and row.provider_sid == fake.messages[0].sid
    assert fake.count_by() == 1  # found at the provider, never sent twice


def test_a_5xx_before_create_is_resent_after_checking(session, engine, fake):
    queue(session, 1)
    fake.fail_next(1, status=503)
    clock = [NOON]
    w = worker(engine, twilio(fake), clock=lambda: clock[0])
    w.run_once()
    assert fake.count_by() == 0
    clock[0] = NOON + timedelta(minutes=5)
    w.run_once()  # reconciled: not there, back to the queue ...
    w.run_once()  # ... and sent
    (row,) = messages(session)
    assert row.status == MessageStatus.sent and row.attempts == 2 and fake.count_by() == 1


def test_a_rejection_fails_with_the_reason_and_unsubscribed_opts_out(session, engine, fake):
    queue(session, 2)
    fake.reject_next(1)
    fake.reject_next(1, code=21610, message="Attempt to send to unsubscribed recipient")
    worker(engine, twilio(fake)).run_once()
    first, second = messages(session)
    assert (first.status, first.error_code) == (MessageStatus.failed, "21211")
    assert (second.status, second.error_code) == (MessageStatus.failed, "21610")
    assert session.get(SmsOptOut, second.to_phone) is not None


def test_429_waits_with_backoff_then_sends(session, engine, fake):
    queue(session, 1)
    fake.reject_next(1, status=429, code=20429, message="Too Many Requests")
    clock = [NOON]
    w = worker(engine, twilio(fake), clock=lambda: clock[0])
    w.run_once()
    (row,) = messages(session)
    assert row.status == MessageStatus.queued and row.due_at == NOON + timedelta(seconds=30)
    w.run_once()
    assert fake.count_by() == 0  # not due yet
    clock[0] = NOON + timedelta(seconds=31)
    w.run_once()
    assert messages(session)[0].status == MessageStatus.sent and fake.count_by() == 1


def test_expired_opted_out_and_quiet_hours(session, engine, fake):
    queue(session, 2, expires_at=NOON + timedelta(hours=2))
    queue(session, 1, phone_prefix="+4477009002")
    session.add(SmsOptOut(phone="+447700900200"))  # said STOP after the message was queued
    session.commit()
    late = worker(engine, twilio(fake), clock=lambda: NOON + timedelta(hours=3))
    late.run_once()
    statuses = [r.status for r in messages(session)]
    assert statuses == [MessageStatus.expired, MessageStatus.expired, MessageStatus.not_sent]
    assert fake.count_by() == 0


def test_nothing_non_urgent_leaves_in_quiet_hours(session, engine, fake):
    queue(session, 1)
    urgent = outbox.enqueue(session, kind=MessageKind.safeguarding_alert, recipient_kind=RecipientKind.coordinator,
                            to_phone="+447700900999", body="【倾听一小时】alert", dedupe_key="alert", due_at=NOON,
                            urgent=True, now=NOON)
    session.commit()
    night = NOON + timedelta(hours=10)  # 22:00 in Shenzhen
    worker(engine, twilio(fake), clock=lambda: night).run_once()
    assert [m.to for m in fake.messages] == [urgent.to_phone]


def test_a_crashed_claim_is_reconciled_before_resending(session, engine, fake):
    rows = queue(session, 2)
    # Worker "dead" claimed both, sent the first, then died: no heartbeat is left.
    sent = fake.client().messages.create(to=rows[0].to_phone, from_=fake.from_number, body=rows[0].body)
    # NOON (not the wall clock, which may be in quiet hours) is before the fake's real timestamps, as a claim is.
    for row in rows:
        row.status, row.claimed_by, row.claimed_at, row.attempts = MessageStatus.sending, "dead:1:x", NOON, 1
        session.add(row)
    session.commit()
    worker(engine, twilio(fake)).run_once()
    first, second = messages(session)
    assert first.status == MessageStatus.sent and first.provider_sid == sent.sid
    assert second.status == MessageStatus.sent
    assert fake.count_by(to=rows[0].to_phone) == 1 and fake.count_by(to=rows[1].to_phone) == 1


def test_a_live_workers_claims_are_left_alone(session, engine, fake):
    rows = queue(session, 1)
    session.add(WorkerHeartbeat(worker_id="other:1:x", pid=1, host="elsewhere", last_beat_at=NOON))
    rows[0].status, rows[0].claimed_by, rows[0].claimed_at = MessageStatus.sending, "other:1:x", NOON
    session.add(rows[0])
    session.commit()
    worker(engine, twilio(fake)).run_once()
    assert messages(session)[0].status == MessageStatus.sending and fake.count_by() == 0


def test_the_rate_limit_is_respected(session, engine, fake):
    import time

    queue(session, 6)
    started = time.monotonic()
    w = worker(engine, twilio(fake), rate=10)  # at NOON: the wall clock may be in quiet hours
    while w.run_once().claimed:
        pass
    assert time.monotonic() - started >= 0.5  # 6 messages at 10/s: at least 5 gaps of 0.1 s
    assert fake.count_by() == 6


def test_heartbeat_is_written_and_removed_on_graceful_stop(session, engine, fake):
    import threading

    w = worker(engine, twilio(fake))
    w.idle_sleep = 0.05
    thread = threading.Thread(target=w.run)
    thread.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while session.get(WorkerHeartbeat, w.worker_id, populate_existing=True) is None:
            session.commit()
            assert datetime.now(UTC) < deadline
    finally:
        w.stop()
        thread.join(5)
    assert not thread.is_alive()
    with Session(engine) as check:
        assert check.get(WorkerHeartbeat, w.worker_id) is None


def test_a_claim_takes_one_batch_and_marks_it_sending(session, engine, fake):
    queue(session, 5)
    w = worker(engine, twilio(fake), batch_size=2)
    claimed = w.claim()
    assert len(claimed) == 2
    rows = {r.id: r for r in messages(session)}
    assert all(rows[i].status == MessageStatus.sending and rows[i].claimed_by == w.worker_id for i in claimed)
    other = worker(engine, twilio(fake), batch_size=10)
    assert set(other.claim()).isdisjoint(claimed)


def test_a_volunteer_without_an_account_gets_when_how_and_whom_to_call_by_sms(session):
    from listening.core import phones
    from listening.models import Mode, VisitRole, VisitVolunteer
    from tests import factories

    visit = scheduled_visit(session, starts_at=NOON + timedelta(days=3), volunteers=1)  # this one has an account
    visit.mode = Mode.phone
    _, no_account = factories.volunteer(session, None, name="周敏", phone="+8613900007777")
    session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=no_account.id, role=VisitRole.partner,
                               starts_at=visit.starts_at))
    session.flush()
    reminders.on_visit_scheduled(session, visit=visit, now=NOON)
    rows = [r for r in messages(session) if r.recipient_kind == RecipientKind.volunteer]
    notice = next(r for r in rows if r.to_phone == "+8613900007777" and r.kind == MessageKind.visit_scheduled)
    when = visit.starts_at.astimezone(get_settings().tz)
    assert f"{when:%H:%M}" in notice.body and f"{when.month}/{when.day}" in notice.body  # date and time
    assert "电话倾听" in notice.body  # the mode
    assert "由您致电居民" in notice.body and get_settings().centre_phone in notice.body  # whom to call, and how
    assert "系统中查看" not in notice.body  # no app to look in
    resident = session.get(ListeningRequest, visit.request_id)
    resident_phone = session.get(Resident, resident.resident_id).phone
    assert resident_phone not in notice.body and phones.mask(resident_phone) not in notice.body
    reminder = next(r for r in rows if r.to_phone == "+8613900007777" and r.kind == MessageKind.reminder_24h)
    assert "由您致电居民" in reminder.body
    with_account = next(r for r in rows if r.to_phone != "+8613900007777" and r.kind == MessageKind.visit_scheduled)
    assert "系统中查看" in with_account.body  # who can sign in is sent to the app
    assert all(segment_count(r.body) <= 2 for r in rows)
