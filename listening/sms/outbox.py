"""The transactional outbox: every SMS is first a row, written in the transaction of the change that causes it.

The worker (listening/sms/worker.py) sends the rows later. A unique `dedupe_key` (e.g. ``visit:12:reminder_2h:
resident``) means a message can never be created twice, however often the cause is repeated. Quiet hours push a
non-urgent message to the end of the window; `expires_at` stops a message that can no longer help (a reminder
after the visit). A number that opted out gets a `not_sent` row, never an SMS.

Quiet hours never swallow a message silently: one that quiet hours would hold until it expires (a booking approved
at 22:00 for 08:00 the next day) is written `not_sent` at once, with a reason the SMS page shows, and the service
that caused it tells the coordinator to phone instead (listening/sms/reminders.py `phone_calls`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    ErasedOptOut,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Role,
    SmsOptOut,
    WorkerHeartbeat,
    utcnow,
)
from listening.sms.segments import segment_count

OPTED_OUT = "not sent: the number opted out"
# Quiet hours last from now until the message expires: a booking notice or a cancellation means a phone call,
# a reminder is simply skipped (the booking notice, or the other reminder, has told them).
QUIET_PHONE_INSTEAD = "not sent: quiet hours until the visit; phone instead"
QUIET_REMINDER_SKIPPED = "not sent: quiet hours until the visit; reminder skipped"
REMINDER_REDUNDANT = "not sent: the booking notice goes at the same time"
REMINDER_SOON_AFTER_BOOKING = "not sent: the booking notice went less than a day before"
# A volunteer's visits held after a scam or misconduct answer (safeguarding/holds.py): nothing goes out about
# them until a coordinator decides; a release puts the rows still useful back in the queue.
VISIT_HELD = "not sent: the visit is held for a safeguarding decision"
# What the SMS page shows for the reasons above (the stored text stays English, like a provider's error).
NOT_SENT_REASONS = {
    OPTED_OUT: N_("Not sent: the number opted out of SMS."),
    QUIET_PHONE_INSTEAD: N_("Not sent: quiet hours last until the visit. Please phone instead."),
    QUIET_REMINDER_SKIPPED: N_("Not sent: quiet hours last until the visit; the reminder was skipped."),
    REMINDER_REDUNDANT: N_("Not sent: the booking notice goes at the same time."),
    REMINDER_SOON_AFTER_BOOKING: N_("Not sent: the booking notice went less than a day before."),
    VISIT_HELD: N_("Not sent: the visit is held until a coordinator decides (safeguarding)."),
}
REMINDER_KINDS = frozenset({MessageKind.reminder_24h, MessageKind.reminder_2h})
FAILED_STATUSES = (MessageStatus.failed, MessageStatus.undelivered)
RESENDABLE_STATUSES = (MessageStatus.failed, MessageStatus.undelivered, MessageStatus.expired, MessageStatus.not_sent)


def enqueue(
    session: Session,
    *,
    kind: MessageKind,
    recipient_kind: RecipientKind,
    to_phone: str,
    body: str,
    dedupe_key: str,
    locale: str = DEFAULT_LOCALE,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
    urgent: bool = False,
    request_id: int | None = None,
    visit_id: int | None = None,
    now: datetime | None = None,
    skip_reason: str | None = None,
) -> OutboundMessage | None:
    """Add one message to the caller's transaction; None (nothing written) if `dedupe_key` exists already.

    A message quiet hours would hold until `expires_at` is written `not_sent` with QUIET_PHONE_INSTEAD (or, for
    a reminder, QUIET_REMINDER_SKIPPED); `skip_reason` writes a visible `not_sent` row for a message the caller
    decided not to send (e.g. REMINDER_REDUNDANT).
    """
    now = now or utcnow()
    due_at = due_at or now
    if due_at.tzinfo is None or now.tzinfo is None or (expires_at is not None and expires_at.tzinfo is None):
        raise ValueError("due_at, expires_at and now must be timezone-aware")
    if session.exec(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)).first():
        return None
    if earliest_send(due_at, now=now, expires_at=expires_at, urgent=urgent) is None:
        skip_reason = QUIET_REMINDER_SKIPPED if kind in REMINDER_KINDS else QUIET_PHONE_INSTEAD
    if not urgent:
        due_at = after_quiet_hours(due_at)
    message = OutboundMessage(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient_kind=recipient_kind,
        to_phone=to_phone,
        body=body,
        locale=locale,
        urgent=urgent,
        request_id=request_id,
        visit_id=visit_id,
        due_at=due_at,
        expires_at=expires_at,
        segments=segment_count(body),
        created_at=now,
        updated_at=now,
    )
    if is_opted_out(session, phone=to_phone):
        skip_reason = OPTED_OUT
    if skip_reason is not None:
        message.status = MessageStatus.not_sent
        message.error_message = skip_reason
    # A concurrent transaction may insert the same key between the check and here: the savepoint keeps the
    # caller's transaction usable and the unique constraint decides.
    try:
        with session.begin_nested():
            session.add(message)
    except sa.exc.IntegrityError:
        return None
    return message


def is_opted_out(session: Session, *, phone: str) -> bool:
    """The number said STOP, or said it before its resident was erased (only its hash is left)."""
    return (session.get(SmsOptOut, phone) is not None
            or session.get(ErasedOptOut, phones.opt_out_hash(phone)) is not None)


def withdraw_code(session: Session, *, dedupe_key: str, masked_body: Callable[[OutboundMessage], str | None],
                  now: datetime) -> None:
    """A one-time code that stopped working (used, replaced or burnt): its SMS keeps no usable code (the body
    `masked_body` makes from it, if any) and, if still queued, is not sent."""
    message = session.exec(select(OutboundMessage).where(OutboundMessage.dedupe_key == dedupe_key)).first()
    if message is None:
        return
    if (body := masked_body(message)) is not None:
        message.body = body
    if message.status == MessageStatus.queued:
        message.status = MessageStatus.cancelled
    message.updated_at = now
    session.add(message)


def opted_out_among(session: Session, numbers: set[str]) -> set[str]:
    """Those of `numbers` that `is_opted_out`, in two statements."""
    if not numbers:
        return set()
    hashes = {phones.opt_out_hash(number): number for number in numbers}
    stopped = set(session.exec(select(SmsOptOut.phone).where(col(SmsOptOut.phone).in_(numbers))))
    erased = session.exec(select(ErasedOptOut.phone_hash).where(col(ErasedOptOut.phone_hash).in_(hashes)))
    return stopped | {hashes[h] for h in erased}


def in_quiet_hours(moment: datetime) -> bool:
    start, end = get_settings().quiet_window
    local = moment.astimezone(get_settings().tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight (21:00-08:00)


def after_quiet_hours(moment: datetime) -> datetime:
    """`moment`, or the end of the quiet window it falls in (local time, DST-safe through zoneinfo)."""
    if not in_quiet_hours(moment):
        return moment
    settings = get_settings()
    _start, end = settings.quiet_window
    local = moment.astimezone(settings.tz)
    end_today = datetime.combine(local.date(), end, tzinfo=settings.tz)
    wake = end_today if local < end_today else end_today + timedelta(days=1)
    return wake.astimezone(moment.tzinfo)


def earliest_send(due_at: datetime, *, now: datetime, expires_at: datetime | None = None,
                  urgent: bool = False) -> datetime | None:
    """The earliest moment a message due at `due_at` may leave: not before `now`, and for a non-urgent one not in
    quiet hours. None when quiet hours are the reason it can never leave before `expires_at` (a message that
    had expired already is the worker's to expire, as before)."""
    start = max(due_at, now)
    moment = start if urgent else after_quiet_hours(start)
    if expires_at is not None and start < expires_at <= moment:
        return None
    return moment


# -- what coordinators see -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerState:
    worker_id: str
    host: str
    pid: int
    started_at: datetime
    last_beat_at: datetime
    messages_sent: int
    alive: bool


HEARTBEAT_STALE_AFTER = timedelta(seconds=30)


def workers(session: Session, *, actor: Account, now: datetime | None = None) -> list[WorkerState]:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(select(WorkerHeartbeat).order_by(col(WorkerHeartbeat.last_beat_at).desc())).all()
    return [
        WorkerState(
            worker_id=row.worker_id,
            host=row.host,
            pid=row.pid,
            started_at=row.started_at,
            last_beat_at=row.last_beat_at,
            messages_sent=row.messages_sent,
            alive=now - row.last_beat_at < HEARTBEAT_STALE_AFTER,
        )
        for row in rows
    ]


def resend(session: Session, *, actor: Account, message_id: int, now: datetime | None = None) -> OutboundMessage:
    """A coordinator's explicit resend of a message that did not arrive: a new outbox row, due now.

    The failed row stays as the record of what happened; the new one has its own dedupe key.
    """
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    original = session.get(OutboundMessage, message_id)
    if original is None:
        raise NotFound(N_("This message does not exist."))
    if original.status not in RESENDABLE_STATUSES:
        raise IllegalTransition(N_("Only a message that failed, expired or was not sent can be sent again."))
    if original.expires_at is not None and original.expires_at <= now:
        raise IllegalTransition(N_("This message is no longer useful: the visit it was about has begun."))
    if is_opted_out(session, phone=original.to_phone):
        raise IllegalTransition(N_("This number has opted out of SMS; nothing can be sent to it."))
    previous = session.exec(
        select(sa.func.count()).select_from(OutboundMessage).where(
            col(OutboundMessage.dedupe_key).startswith(f"resend:{original.id}:")
        )
    ).one()
    copy = enqueue(
        session,
        kind=original.kind,
        recipient_kind=original.recipient_kind,
        to_phone=original.to_phone,
        body=original.body,
        dedupe_key=f"resend:{original.id}:{previous + 1}",
        locale=original.locale,
        due_at=now,
        expires_at=original.expires_at,
        urgent=True,  # a person pressed the button and wants it sent now
        request_id=original.request_id,
        visit_id=original.visit_id,
        now=now,
    )
    if copy is None:
        raise IllegalTransition(N_("This message is being sent again already."))
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.sms_resend, entity="outbound_message", entity_id=copy.id,
                 details={"original_id": original.id, "kind": str(original.kind)})
    return copy


def cancel_pending(session: Session, *, visit_id: int, now: datetime | None = None) -> int:
    """Queued messages about a visit that no longer happens are cancelled (a row being sent is left alone)."""
    now = now or utcnow()
    result = session.execute(
        sa.update(OutboundMessage)
        .where(col(OutboundMessage.visit_id) == visit_id, col(OutboundMessage.status) == MessageStatus.queued)
        .values(status=MessageStatus.cancelled, updated_at=now)
    )
    return result.rowcount
