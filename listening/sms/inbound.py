"""What Twilio tells us: a resident's SMS reply, and delivery status callbacks for our messages.

Both are idempotent: an inbound SMS is stored once per MessageSid (a repeated webhook changes nothing), and a
status only moves forward (a late "sent" never overwrites "delivered").
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.i18n import DEFAULT_LOCALE
from listening.core.text import clean_typed
from listening.feedback import asking
from listening.models import (
    ErasedOptOut,
    InboundMessage,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    ReplyIntentValue,
    RequestStatus,
    Resident,
    SmsOptOut,
    Visit,
    VisitStatus,
    utcnow,
)
from listening.residents import complaints, lifecycle
from listening.safeguarding import alert_recipients
from listening.sms import outbox, templates
from listening.sms.replies import ReplyIntent, classify_reply, complaint_text, feedback_answer

BODY_MAX = 1600

# Provider status -> ours; the rank keeps a status from going backwards when callbacks arrive out of order.
PROVIDER_STATUSES = {
    "accepted": MessageStatus.sent,
    "queued": MessageStatus.sent,
    "sending": MessageStatus.sent,
    "sent": MessageStatus.sent,
    "delivered": MessageStatus.delivered,
    "undelivered": MessageStatus.undelivered,
    "failed": MessageStatus.failed,
}
RANK = {MessageStatus.sending: 0, MessageStatus.sent: 1, MessageStatus.delivered: 2,
        MessageStatus.undelivered: 2, MessageStatus.failed: 2}


@dataclass(frozen=True)
class InboundResult:
    intent: ReplyIntent
    duplicate: bool
    action: str  # what was done, for logs and tests: "confirmed", "requeued", "opted_out", "help", ...


def _resident_request(session: Session, phone: str, statuses: tuple[RequestStatus, ...]) -> ListeningRequest | None:
    return session.exec(
        select(ListeningRequest)
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .where(Resident.phone == phone, col(ListeningRequest.status).in_(statuses))
        .order_by(col(ListeningRequest.id).desc())
    ).first()


def _resident(session: Session, phone: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.phone == phone)).first()


def _reply(session: Session, *, kind: MessageKind, inbound_sid: str, phone: str, locale: str,
           request_id: int | None = None, visit: Visit | None = None, **extra: object) -> None:
    params = {"starts_at": visit.starts_at, "mode": visit.mode} if visit is not None else {}
    params.update(extra)
    body = templates.render(kind, locale=locale, to_phone=phone, **params)
    # An answer to the resident's own message: sent at once, even in quiet hours.
    outbox.enqueue(session, kind=kind, recipient_kind=RecipientKind.resident, to_phone=phone, body=body,
                   dedupe_key=f"inbound:{inbound_sid}:{kind.value}", locale=locale, urgent=True,
                   request_id=request_id, visit_id=visit.id if visit else None)


def _notify_coordinators(session: Session, *, request: ListeningRequest, visit: Visit | None,
                         inbound_sid: str) -> None:
    for coordinator in alert_recipients(session, at=utcnow()):
        body = templates.render(MessageKind.coordinator_notice, locale=coordinator.locale,
                                to_phone=coordinator.phone, request_id=request.id,
                                starts_at=visit.starts_at if visit else None)
        outbox.enqueue(session, kind=MessageKind.coordinator_notice, recipient_kind=RecipientKind.coordinator,
                       to_phone=coordinator.phone, body=body, locale=coordinator.locale,
                       dedupe_key=f"inbound:{inbound_sid}:notice:{coordinator.id}", request_id=request.id)


def _live_visit(session: Session, request_id: int) -> Visit | None:
    return session.exec(
        select(Visit).where(Visit.request_id == request_id)
        .where(col(Visit.status).in_((VisitStatus.scheduled, VisitStatus.confirmed)))
    ).first()


def handle_inbound(session: Session, *, message_sid: str, from_phone: str, body: str) -> InboundResult:
    """One inbound SMS, in the caller's transaction. The reply text is stored, never written to the audit trail.

    The body is cleaned first (`clean_typed`): a NUL or zero-width character neither hides a STOP nor reaches the
    database (PostgreSQL refuses NUL in text, which would lose the opt-out)."""
    body = clean_typed(body, multiline=True)
    from_phone = clean_typed(from_phone)
    intent = classify_reply(body)
    if session.exec(select(InboundMessage.id).where(InboundMessage.provider_sid == message_sid)).first():
        return InboundResult(intent, duplicate=True, action="duplicate")
    try:
        with session.begin_nested():
            session.add(InboundMessage(provider_sid=message_sid, from_phone=from_phone, body=body[:BODY_MAX],
                                       intent=ReplyIntentValue(intent.value)))
    except sa.exc.IntegrityError:  # the same webhook, delivered twice at once
        return InboundResult(intent, duplicate=True, action="duplicate")

    resident = _resident(session, from_phone)
    locale = resident.locale if resident else DEFAULT_LOCALE
    action = "help"
    if intent == ReplyIntent.OPT_OUT:
        if session.get(SmsOptOut, from_phone) is None:
            session.add(SmsOptOut(phone=from_phone, source="sms"))
        session.execute(
            sa.update(OutboundMessage)
            .where(OutboundMessage.to_phone == from_phone, OutboundMessage.status == MessageStatus.queued)
            .values(status=MessageStatus.not_sent, error_message=outbox.OPTED_OUT, updated_at=utcnow())
        )
        action = "opted_out"
    elif intent == ReplyIntent.OPT_IN:
        opt_out = session.get(SmsOptOut, from_phone)
        if opt_out is not None:
            session.delete(opt_out)
        erased = session.get(ErasedOptOut, phones.opt_out_hash(from_phone))  # the number's owner asks again
        if erased is not None:
            session.delete(erased)
        action = "opted_in"
    elif intent == ReplyIntent.CONFIRM:
        request = _resident_request(session, from_phone, (RequestStatus.scheduled,))
        if request is not None:
            visit = _live_visit(session, request.id)
            lifecycle.confirm(session, actor=None, request_id=request.id, via="sms")
            _reply(session, kind=MessageKind.reply_ack, inbound_sid=message_sid, phone=from_phone,
                   locale=locale, request_id=request.id, visit=visit)
            action = "confirmed"
    elif intent == ReplyIntent.CANCEL:
        request = _resident_request(session, from_phone, (RequestStatus.scheduled, RequestStatus.confirmed))
        if request is not None:
            visit = _live_visit(session, request.id)
            # requeue cancels the visit's pending SMS and sends everyone the cancellation notice.
            lifecycle.requeue(session, actor=None, request_id=request.id, reason="cancelled by SMS reply")
            _notify_coordinators(session, request=request, visit=visit, inbound_sid=message_sid)
            action = "requeued"
    elif intent == ReplyIntent.FEEDBACK:
        # Tied to the latest open question to this number; two digits with none open get the usual help.
        pending = asking.open_request_for(session, phone=from_phone)
        if pending is not None:
            asking.record_answer(session, feedback=pending, answer=feedback_answer(body))
            _reply(session, kind=MessageKind.feedback_thanks, inbound_sid=message_sid, phone=from_phone,
                   locale=locale)
            action = "feedback"
    elif intent == ReplyIntent.COMPLAINT:
        complaints.from_sms(session, phone=from_phone, text=complaint_text(body) or "")
        action = "complaint"  # its "received" SMS, with the reference, is the answer
    if action == "help" and not outbox.is_opted_out(session, phone=from_phone):
        # A number with a feedback question open is reminded how to answer it.
        _reply(session, kind=MessageKind.reply_help, inbound_sid=message_sid, phone=from_phone, locale=locale,
               feedback=asking.open_request_for(session, phone=from_phone) is not None)
    audit.record(session, actor_id=None, action=AuditAction.sms_inbound, entity="inbound_message", entity_id=message_sid,
                 details={"intent": intent.value, "action": action})
    return InboundResult(intent, duplicate=False, action=action)


def handle_status(session: Session, *, message_sid: str, status: str, error_code: str | None = None) -> bool:
    """A delivery status callback. True if it changed something."""
    new_status = PROVIDER_STATUSES.get(status)
    if new_status is None:
        return False
    message = session.exec(
        select(OutboundMessage).where(OutboundMessage.provider_sid == message_sid).with_for_update()
    ).first()
    if message is None or message.status not in RANK:
        return False
    if RANK[new_status] <= RANK[message.status]:
        return False
    message.status = new_status
    if error_code:
        message.error_code = error_code[:16]
        message.error_message = message.error_message or f"provider error {error_code}"
    message.updated_at = utcnow()
    session.add(message)
    return True
