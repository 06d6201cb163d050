"""Quiet hours (21:00-08:00 in Shenzhen) never swallow a message: pinned instants, never the wall clock.

A booking approved at 22:00 for 08:00 the next day used to be pushed to 08:00, the moment it expired, and died
unsent. Now each message goes at the earliest moment outside quiet hours before the visit; when there is none, a
reminder is skipped visibly and the booking notice becomes a phone call the coordinator is told to make.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from listening.matching import proposals
from listening.models import (
    AuditEvent,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    RequestStatus,
    Resident,
    SmsOptOut,
    VisitStatus,
)
from listening.sms import outbox, reminders
from listening.sms import review as sms_review
from listening.sms.transport import Accepted
from listening.sms.worker import Worker
from listening.volunteers import availability
from tests import factories
from tests.factories.sms_helpers import RESIDENT_PHONE, scheduled_visit

SHENZHEN = ZoneInfo("Asia/Shanghai")
NOTICE, R24, R2 = MessageKind.visit_scheduled, MessageKind.reminder_24h, MessageKind.reminder_2h


def at(year, month, day, hour, minute=0) -> datetime:
    """A Shenzhen wall-clock moment as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=SHENZHEN).astimezone(UTC)


class Recorder:
    """A transport that accepts everything and remembers what left, and when by the worker's clock."""

    name = "recorder"

    def __init__(self):
        self.sent: list[tuple[str, datetime]] = []
        self.clock: datetime | None = None

    def send(self, to, body, *, status_callback=None):
        self.sent.append((to, self.clock))
        return Accepted(provider_sid=f"SM{len(self.sent):032d}", segments=1, status="queued")

    def find_sent(self, to, since, body):
        return []


def run_worker(engine, moment: datetime, transport: Recorder | None = None) -> Recorder:
    transport = transport or Recorder()
    transport.clock = moment
    Worker(engine, transport, rate_per_second=1000, clock=lambda: moment).run_once()
    return transport


def rows(session) -> list[OutboundMessage]:
    session.commit()  # end the read snapshot, so what the worker committed since is visible
    session.expire_all()
    return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))


def by_kind(session) -> dict[tuple[MessageKind, RecipientKind], OutboundMessage]:
    return {(r.kind, r.recipient_kind): r for r in rows(session)}


def resident_phone(session) -> str:
    """The first resident has RESIDENT_PHONE; each further one a number of their own."""
    taken = session.exec(select(func.count()).select_from(Resident)).one()
    return RESIDENT_PHONE if taken == 0 else f"+86138001381{taken:02d}"


def booked(session, *, starts_at: datetime, now: datetime, volunteers: int = 1):
    session.commit()  # a fresh transaction: SQLite cannot write on a snapshot older than the worker's writes
    visit = scheduled_visit(session, starts_at=starts_at, volunteers=volunteers, phone=resident_phone(session))
    reminders.on_visit_scheduled(session, visit=visit, now=now)
    session.commit()
    return visit


# -- the rule, without a database ---------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "expires", "expected"), [
    (at(2026, 3, 5, 22), at(2026, 3, 6, 8), None),  # quiet from now until the visit
    (at(2026, 3, 5, 22, 30), at(2026, 3, 6, 7, 30), None),  # the whole span lies in quiet hours
    (at(2026, 3, 5, 22), at(2026, 3, 6, 10), at(2026, 3, 6, 8)),  # the window's end, before the visit
    (at(2026, 3, 5, 20, 30), at(2026, 3, 6, 8), at(2026, 3, 5, 20, 30)),  # at once
    (at(2026, 3, 5, 20, 59), at(2026, 3, 5, 21, 30), at(2026, 3, 5, 20, 59)),
    (at(2026, 3, 6, 0, 30), at(2026, 3, 6, 9), at(2026, 3, 6, 8)),  # local midnight: the same local day's 08:00
    (at(2026, 12, 31, 23, 30), at(2027, 1, 1, 10), at(2027, 1, 1, 8)),  # year end
    (at(2026, 12, 31, 23, 30), at(2027, 1, 1, 8), None),
])
def test_the_earliest_moment_outside_quiet_hours_before_expiry(now, expires, expected):
    assert outbox.earliest_send(now, now=now, expires_at=expires) == expected


def test_the_rule_edges_urgent_past_due_and_already_expired():
    night = at(2026, 3, 5, 22)
    assert outbox.earliest_send(night, now=night, expires_at=at(2026, 3, 6, 8), urgent=True) == night
    # due in the past: counted from now, not from the old due time
    assert outbox.earliest_send(at(2026, 3, 5, 20), now=night, expires_at=at(2026, 3, 6, 10)) == at(2026, 3, 6, 8)
    assert outbox.earliest_send(at(2026, 3, 5, 20), now=night, expires_at=at(2026, 3, 6, 8)) is None
    # expired before quiet hours had a say: the worker expires it, as before
    assert outbox.earliest_send(night, now=night, expires_at=night) == at(2026, 3, 6, 8)
    assert outbox.earliest_send(night, now=night) == at(2026, 3, 6, 8)  # no expiry


def test_local_midnight_and_year_end_are_local_days():
    half_past_midnight = at(2026, 3, 6, 0, 30)
    assert half_past_midnight == datetime(2026, 3, 5, 16, 30, tzinfo=UTC)  # the previous UTC day
    assert outbox.in_quiet_hours(half_past_midnight)
    assert outbox.after_quiet_hours(half_past_midnight) == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    new_year = outbox.after_quiet_hours(at(2026, 12, 31, 23, 30))
    assert new_year == datetime(2027, 1, 1, 0, 0, tzinfo=UTC) == at(2027, 1, 1, 8)


# -- what approval writes, and what the worker does with it --------------------------------------------------


def test_approved_at_22_for_08_next_day_nothing_expires_silently(session, engine):
    visit = booked(session, starts_at=at(2026, 3, 6, 8), now=at(2026, 3, 5, 22))
    found = by_kind(session)
    for recipient in (RecipientKind.resident, RecipientKind.volunteer):
        notice = found[(NOTICE, recipient)]
        assert (notice.status, notice.error_message) == (MessageStatus.not_sent, outbox.QUIET_PHONE_INSTEAD)
        reminder = found[(R2, recipient)]  # 06:00, pushed to 08:00: the visit has begun
        assert (reminder.status, reminder.error_message) == (MessageStatus.not_sent, outbox.QUIET_REMINDER_SKIPPED)
    assert (R24, RecipientKind.resident) not in found  # 08:00 today had passed at 22:00

    for moment in (at(2026, 3, 5, 22, 5), at(2026, 3, 6, 7, 59), at(2026, 3, 6, 8), at(2026, 3, 6, 9)):
        assert run_worker(engine, moment).sent == []
    assert MessageStatus.expired not in {r.status for r in rows(session)}

    coordinator = factories.coordinator(session)
    calls = reminders.phone_calls(session, actor=coordinator, visit=visit)
    assert [(c.recipient_kind, c.phone, c.starts_at) for c in calls] == [
        (RecipientKind.resident, RESIDENT_PHONE, visit.starts_at),
        (RecipientKind.volunteer, found[(NOTICE, RecipientKind.volunteer)].to_phone, visit.starts_at)]
    assert calls[0].name == "李阿姨"
    viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).all()
    assert len(viewed) == 1 and viewed[0].details["context"] == "quiet_hours"


def test_approved_at_2030_for_08_next_day_the_notice_goes_at_once(session, engine):
    now = at(2026, 3, 5, 20, 30)
    booked(session, starts_at=at(2026, 3, 6, 8), now=now, volunteers=2)
    found = by_kind(session)
    assert found[(NOTICE, RecipientKind.resident)].due_at == now
    assert found[(R2, RecipientKind.resident)].error_message == outbox.QUIET_REMINDER_SKIPPED
    sent = run_worker(engine, now)
    assert len(sent.sent) == 3  # the resident and both volunteers, before quiet hours begin
    statuses = {(r.kind, r.status) for r in rows(session)}
    assert statuses == {(NOTICE, MessageStatus.sent), (R2, MessageStatus.not_sent)}
    coordinator = factories.coordinator(session)
    visit_id = found[(NOTICE, RecipientKind.resident)].visit_id
    from listening.models import Visit

    assert reminders.phone_calls(session, actor=coordinator, visit=session.get(Visit, visit_id)) == []


def test_approved_at_22_for_10_next_day_the_notice_goes_at_08(session, engine):
    booked(session, starts_at=at(2026, 3, 6, 10), now=at(2026, 3, 5, 22))
    found = by_kind(session)
    notice = found[(NOTICE, RecipientKind.resident)]
    assert (notice.status, notice.due_at) == (MessageStatus.queued, at(2026, 3, 6, 8))
    # The 2 h reminder would leave at 08:00 with the booking notice itself: skipped, visibly.
    reminder = found[(R2, RecipientKind.resident)]
    assert (reminder.status, reminder.error_message) == (MessageStatus.not_sent, outbox.REMINDER_REDUNDANT)

    assert run_worker(engine, at(2026, 3, 5, 22)).sent == []
    assert run_worker(engine, at(2026, 3, 6, 7, 59)).sent == []
    sent = run_worker(engine, at(2026, 3, 6, 8))
    volunteer_phone = found[(NOTICE, RecipientKind.volunteer)].to_phone
    assert sorted(to for to, _ in sent.sent) == sorted([RESIDENT_PHONE, volunteer_phone])
    assert {r.status for r in rows(session) if r.kind == NOTICE} == {MessageStatus.sent}


def test_approved_at_2230_for_0730_the_coordinator_phones(session, engine):
    visit = booked(session, starts_at=at(2026, 3, 6, 7, 30), now=at(2026, 3, 5, 22, 30))
    assert {(r.kind, r.error_message) for r in rows(session)} == {
        (NOTICE, outbox.QUIET_PHONE_INSTEAD), (R2, outbox.QUIET_REMINDER_SKIPPED)}
    for moment in (at(2026, 3, 6, 7, 30), at(2026, 3, 6, 12)):
        assert run_worker(engine, moment).sent == []
    assert {r.status for r in rows(session)} == {MessageStatus.not_sent}  # never "expired"
    calls = reminders.phone_calls(session, actor=factories.coordinator(session), visit=visit)
    assert {c.recipient_kind for c in calls} == {RecipientKind.resident, RecipientKind.volunteer}


def test_approved_at_half_past_midnight(session, engine):
    """00:30 in Shenzhen is 16:30 UTC the day before: the window ends at 08:00 of the local day."""
    now = at(2026, 3, 6, 0, 30)
    booked(session, starts_at=at(2026, 3, 6, 9), now=now)
    notice = by_kind(session)[(NOTICE, RecipientKind.resident)]
    assert notice.due_at == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    assert run_worker(engine, datetime(2026, 3, 5, 23, 59, tzinfo=UTC)).sent == []
    assert len(run_worker(engine, datetime(2026, 3, 6, 0, 0, tzinfo=UTC)).sent) == 2

    booked(session, starts_at=at(2026, 3, 6, 8), now=now)
    late = [r for r in rows(session) if r.kind == NOTICE and r.status == MessageStatus.not_sent]
    assert {r.error_message for r in late} == {outbox.QUIET_PHONE_INSTEAD} and len(late) == 2


def test_approved_at_year_end(session, engine):
    now = at(2026, 12, 31, 23, 30)
    booked(session, starts_at=at(2027, 1, 1, 10), now=now)
    booked(session, starts_at=at(2027, 1, 1, 8), now=now)
    notices = [r for r in rows(session) if r.kind == NOTICE and r.recipient_kind == RecipientKind.resident]
    assert [(r.status, r.due_at) for r in notices] == [
        (MessageStatus.queued, datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        (MessageStatus.not_sent, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))]
    assert notices[1].error_message == outbox.QUIET_PHONE_INSTEAD
    assert run_worker(engine, at(2026, 12, 31, 23, 59)).sent == []
    assert len(run_worker(engine, at(2027, 1, 1, 8)).sent) == 2  # the 10:00 visit's resident and volunteer


def test_the_24_hour_reminder_pushed_into_the_morning_still_goes(session, engine):
    """A visit at 20:00 booked two days ahead at noon: notice now, 24 h reminder 20:00, 2 h reminder 18:00."""
    booked(session, starts_at=at(2026, 3, 7, 20), now=at(2026, 3, 5, 12))
    found = by_kind(session)
    assert found[(R24, RecipientKind.resident)].due_at == at(2026, 3, 6, 20)
    assert found[(R2, RecipientKind.resident)].due_at == at(2026, 3, 7, 18)
    assert {r.status for r in found.values()} == {MessageStatus.queued}

    booked(session, starts_at=at(2026, 3, 7, 22), now=at(2026, 3, 5, 12))  # a late visit: 24 h reminder at 22:00
    late = [r for r in rows(session) if r.kind == R24 and r.visit_id != found[(R24, RecipientKind.resident)].visit_id]
    assert {(r.status, r.due_at) for r in late} == {(MessageStatus.queued, at(2026, 3, 7, 8))}


def test_an_urgent_message_ignores_quiet_hours(session, engine):
    night = at(2026, 3, 5, 22)
    alert = outbox.enqueue(session, kind=MessageKind.safeguarding_alert, recipient_kind=RecipientKind.coordinator,
                           to_phone="+447700900999", body="【倾听一小时】alert", dedupe_key="alert", due_at=night,
                           expires_at=at(2026, 3, 6, 8), urgent=True, now=night)
    session.commit()
    assert (alert.status, alert.due_at) == (MessageStatus.queued, night)
    assert run_worker(engine, night).sent == [("+447700900999", night)]


def test_an_opted_out_resident_stays_opted_out(session):
    session.add(SmsOptOut(phone=RESIDENT_PHONE))
    session.flush()
    visit = booked(session, starts_at=at(2026, 3, 6, 8), now=at(2026, 3, 5, 22))
    resident = by_kind(session)[(NOTICE, RecipientKind.resident)]
    assert resident.error_message == outbox.OPTED_OUT
    calls = reminders.phone_calls(session, actor=factories.coordinator(session), visit=visit)
    assert [c.recipient_kind for c in calls] == [RecipientKind.volunteer]


def test_the_worker_marks_what_quiet_hours_now_hold_until_expiry(session, engine):
    """Queued at 20:50 to go at once, but no worker ran before 21:00: marked at the first pass, not expired later."""
    evening = at(2026, 3, 5, 20, 50)
    doomed = booked(session, starts_at=at(2026, 3, 6, 8), now=evening)
    fine = booked(session, starts_at=at(2026, 3, 6, 9), now=evening)
    urgent = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                            to_phone="+447700900123", body="【倾听一小时】help", dedupe_key="urgent",
                            due_at=evening, expires_at=at(2026, 3, 6, 8), urgent=True, now=evening)
    session.commit()
    run_worker(engine, at(2026, 3, 5, 21, 10), Recorder())
    after = rows(session)
    held = {r.kind: r.error_message for r in after if r.visit_id == doomed.id}
    assert held == {NOTICE: outbox.QUIET_PHONE_INSTEAD, R2: outbox.QUIET_REMINDER_SKIPPED}
    assert {r.status for r in after if r.visit_id == doomed.id} == {MessageStatus.not_sent}
    waiting = {r.kind: r.status for r in after if r.visit_id == fine.id}
    assert waiting[NOTICE] == MessageStatus.queued  # goes at 08:00, an hour before its visit
    assert next(r for r in after if r.id == urgent.id).status == MessageStatus.sent


def test_the_sms_review_lists_phone_instead_rows_first(session):
    booked(session, starts_at=at(2026, 3, 6, 10), now=at(2026, 3, 5, 22))
    booked(session, starts_at=at(2026, 3, 6, 8), now=at(2026, 3, 5, 22))
    review = sms_review.review_page(session, actor=factories.coordinator(session))
    first = [m.reason for m in review.rows[:2]]
    assert first == [outbox.NOT_SENT_REASONS[outbox.QUIET_PHONE_INSTEAD]] * 2


# -- through the approval service ----------------------------------------------------------------------------


def proposed(session, *, starts_at: datetime):
    visit = scheduled_visit(session, starts_at=starts_at, status=RequestStatus.matched, volunteers=1,
                            phone=resident_phone(session))
    visit.status = VisitStatus.proposed
    session.add(visit)
    session.flush()
    return visit


def test_approving_returns_the_calls_to_make(session, engine):
    coordinator = factories.coordinator(session)
    visit = proposed(session, starts_at=at(2026, 3, 6, 8))
    approval = proposals.approve(session, actor=coordinator, request_id=visit.request_id, now=at(2026, 3, 5, 22))
    assert approval.visit.id == visit.id and approval.visit.status == VisitStatus.scheduled
    assert [(c.recipient_kind, c.name, c.phone) for c in approval.phone_calls][0] == (
        RecipientKind.resident, "李阿姨", RESIDENT_PHONE)
    assert len(approval.phone_calls) == 2
    session.commit()
    assert run_worker(engine, at(2026, 3, 6, 8)).sent == []

    other = proposed(session, starts_at=at(2026, 3, 6, 10))
    assert proposals.approve(session, actor=coordinator, request_id=other.request_id,
                             now=at(2026, 3, 5, 22)).phone_calls == ()


def test_approve_all_collects_the_calls(session):
    coordinator = factories.coordinator(session)
    early = proposed(session, starts_at=at(2026, 3, 6, 8))
    later = proposed(session, starts_at=at(2026, 3, 6, 10))
    week = availability.week_start_of(date(2026, 3, 6))
    outcome = proposals.approve_all(session, actor=coordinator, week_start=week, now=at(2026, 3, 5, 22))
    assert sorted(outcome.approved) == sorted([early.request_id, later.request_id]) and not outcome.failed
    assert {c.request_id for c in outcome.phone_calls} == {early.request_id}
    assert {c.starts_at for c in outcome.phone_calls} == {early.starts_at}
    assert early.starts_at - at(2026, 3, 5, 22) == timedelta(hours=10)
