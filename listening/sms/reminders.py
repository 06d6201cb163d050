"""Which SMS a request or visit causes, and when: written to the outbox in the caller's transaction.

The worker that sends them is listening/sms/worker.py (`python -m listening worker`).

Dedupe keys name the cause and the recipient (``visit:12:reminder_2h:volunteer:7``), so calling any of these
twice for the same visit creates nothing new. Reminders and visit notices expire when the visit starts.

A 24 h reminder is not sent when the booking notice leaves less than a day before it (`REMINDER_GAP`): the
resident has just been told, and three texts in a morning (received, booked, reminder) is two too many. The 2 h
reminder stays: it is the one that gets people to the door, or to the phone.

Quiet hours (21:00-08:00) push a non-urgent message to the window's end; one they would hold until the visit
starts is written `not_sent` with its reason (listening/sms/outbox.py), and `phone_calls` tells the coordinator
who must be phoned instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.i18n import DEFAULT_LOCALE
from listening.core.permissions import require_role
from listening.models import (
    Account,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    Mode,
    OutboundMessage,
    RecipientKind,
    Resident,
    Role,
    Visit,
    VisitRole,
    VisitVolunteer,
    Volunteer,
    VolunteerHold,
    utcnow,
)
from listening.privacy import views
from listening.sms import callers, outbox, templates
from listening.staff.auth import has_password

REMINDERS = ((MessageKind.reminder_24h, timedelta(hours=24)), (MessageKind.reminder_2h, timedelta(hours=2)))
# A 24 h reminder due less than this after the booking notice leaves is redundant (REMINDER_SOON_AFTER_BOOKING).
REMINDER_GAP = timedelta(hours=24)


def _resident_of(session: Session, request: ListeningRequest) -> Resident | None:
    """The resident, if they agreed to SMS (no consent: no message, ever)."""
    resident = session.get(Resident, request.resident_id)
    return resident if resident is not None and resident.sms_consent_at is not None else None


def _volunteers_of(session: Session, visit: Visit) -> list[Volunteer]:
    return list(
        session.exec(
            select(Volunteer)
            .join(VisitVolunteer, col(VisitVolunteer.volunteer_id) == col(Volunteer.id))
            .where(VisitVolunteer.visit_id == visit.id)
            .order_by(col(Volunteer.id))
        )
    )


def _volunteer_locale(session: Session, volunteer: Volunteer) -> str:
    account = session.get(Account, volunteer.account_id) if volunteer.account_id else None
    return account.locale if account else DEFAULT_LOCALE


def _signs_in(session: Session, volunteer: Volunteer) -> bool:
    """The volunteer can open the app (an account with a password); else their SMS carries the visit's details."""
    account = session.get(Account, volunteer.account_id) if volunteer.account_id else None
    return account is not None and account.is_active and has_password(account)


def _recipients(session: Session, visit: Visit) -> list[tuple[RecipientKind, str, str, str, bool]]:
    """(kind, key suffix, phone, locale, signs in) for the resident (if they consented to SMS) and each volunteer."""
    request = session.get(ListeningRequest, visit.request_id)
    found: list[tuple[RecipientKind, str, str, str, bool]] = []
    resident = _resident_of(session, request)
    if resident is not None:
        found.append((RecipientKind.resident, "resident", resident.phone, resident.locale, False))
    for volunteer in _volunteers_of(session, visit):
        found.append((RecipientKind.volunteer, f"volunteer:{volunteer.id}", volunteer.phone,
                      _volunteer_locale(session, volunteer), _signs_in(session, volunteer)))
    return found


def _dedupe_key(visit: Visit, kind: MessageKind, suffix: str) -> str:
    return f"visit:{visit.id}:{kind.value}:{suffix}"


def _caller(session: Session, visit: Visit, locale: str) -> str | None:
    """The short name of the volunteer who phones the resident: the lead, or the only one; None: "a volunteer"."""
    rows = session.exec(
        select(Volunteer.full_name, Volunteer.gender, VisitVolunteer.role)
        .join(VisitVolunteer, col(VisitVolunteer.volunteer_id) == col(Volunteer.id))
        .where(VisitVolunteer.visit_id == visit.id)
    ).all()
    leads = [row for row in rows if row.role == VisitRole.lead]
    chosen = leads if leads else rows
    if len(chosen) != 1:
        return None
    return callers.short_name(chosen[0].full_name, chosen[0].gender, locale=locale)


def _held(session: Session, visit: Visit) -> bool:
    """A volunteer on the visit is held for a safeguarding decision (safeguarding/holds.py)."""
    return session.exec(
        select(VolunteerHold.id)
        .join(VisitVolunteer, col(VisitVolunteer.volunteer_id) == col(VolunteerHold.volunteer_id))
        .where(VisitVolunteer.visit_id == visit.id, col(VolunteerHold.decided_at).is_(None))
    ).first() is not None


def _visit_message(session: Session, visit: Visit, kind: MessageKind, recipient: tuple, *, due_at: datetime,
                   expires_at: datetime | None, now: datetime,
                   skip_reason: str | None = None) -> OutboundMessage | None:
    recipient_kind, suffix, phone, locale, signs_in = recipient
    if kind != MessageKind.cancellation and skip_reason is None and _held(session, visit):
        skip_reason = outbox.VISIT_HELD  # nothing about a held visit leaves; a release queues it again
    caller = (_caller(session, visit, locale)
              if recipient_kind == RecipientKind.resident and visit.mode == Mode.phone else None)
    body = templates.render(kind, locale=locale, to_phone=phone, recipient=recipient_kind.value,
                            starts_at=visit.starts_at, mode=visit.mode, caller=caller, signs_in=signs_in)
    return outbox.enqueue(session, kind=kind, recipient_kind=recipient_kind, to_phone=phone, body=body,
                          dedupe_key=_dedupe_key(visit, kind, suffix), locale=locale, due_at=due_at,
                          expires_at=expires_at, request_id=visit.request_id, visit_id=visit.id, now=now,
                          skip_reason=skip_reason)


def on_request_received(session: Session, *, request: ListeningRequest, now: datetime | None = None) -> None:
    """The resident hears that their request arrived."""
    resident = _resident_of(session, request)
    if resident is None:
        return
    now = now or utcnow()
    body = templates.render(MessageKind.request_received, locale=resident.locale, to_phone=resident.phone)
    outbox.enqueue(session, kind=MessageKind.request_received, recipient_kind=RecipientKind.resident,
                   to_phone=resident.phone, body=body, dedupe_key=f"request:{request.id}:request_received",
                   locale=resident.locale, due_at=now, request_id=request.id, now=now)


def on_visit_scheduled(session: Session, *, visit: Visit, now: datetime | None = None) -> None:
    """The booking notice to the resident and each volunteer, and the 24 h and 2 h reminders to all of them.

    A reminder whose moment has already passed (a visit booked for this afternoon) is not written: the
    booking notice has just told them. A 24 h reminder due less than a day after the notice leaves is written
    `not_sent` (REMINDER_SOON_AFTER_BOOKING). Quiet hours push each to the earliest moment outside them; a reminder
    they push to (or before) the booking notice's moment is written `not_sent` (REMINDER_REDUNDANT), and a
    message they hold until the visit is `not_sent` with its reason (the coordinator phones: `phone_calls`).
    """
    now = now or utcnow()
    notice_at = outbox.earliest_send(now, now=now, expires_at=visit.starts_at)  # None: quiet until the visit
    for recipient in _recipients(session, visit):
        _visit_message(session, visit, MessageKind.visit_scheduled, recipient, due_at=now,
                       expires_at=visit.starts_at, now=now)
        for kind, before in REMINDERS:
            due_at = visit.starts_at - before
            if due_at <= now:
                continue
            moment = outbox.earliest_send(due_at, now=now, expires_at=visit.starts_at)
            skip = None
            if moment is not None and notice_at is not None and moment <= notice_at:
                skip = outbox.REMINDER_REDUNDANT
            elif (kind == MessageKind.reminder_24h and moment is not None and notice_at is not None
                  and moment - notice_at < REMINDER_GAP):
                skip = outbox.REMINDER_SOON_AFTER_BOOKING
            _visit_message(session, visit, kind, recipient, due_at=due_at, expires_at=visit.starts_at, now=now,
                           skip_reason=skip)


def on_visit_cancelled(session: Session, *, visit: Visit, now: datetime | None = None) -> None:
    """Pending messages about the visit are cancelled; everyone gets the cancellation notice (until it starts)."""
    now = now or utcnow()
    outbox.cancel_pending(session, visit_id=visit.id, now=now)
    if visit.starts_at <= now:
        return
    for recipient in _recipients(session, visit):
        _visit_message(session, visit, MessageKind.cancellation, recipient, due_at=now, expires_at=visit.starts_at,
                       now=now)


def on_no_show(session: Session, *, visit: Visit, now: datetime | None = None) -> None:
    """A kind word to a resident who missed their hour, with the centre's number to book again."""
    request = session.get(ListeningRequest, visit.request_id)
    resident = _resident_of(session, request)
    if resident is None:
        return
    now = now or utcnow()
    body = templates.render(MessageKind.no_show_followup, locale=resident.locale, to_phone=resident.phone,
                            starts_at=visit.starts_at, mode=visit.mode)
    outbox.enqueue(session, kind=MessageKind.no_show_followup, recipient_kind=RecipientKind.resident,
                   to_phone=resident.phone, body=body, dedupe_key=f"visit:{visit.id}:no_show_followup:resident",
                   locale=resident.locale, due_at=now, request_id=request.id, visit_id=visit.id, now=now)


# -- what the coordinator must do by phone -------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneCall:
    """Someone quiet hours keep from learning of a visit by SMS in time: the coordinator phones them."""

    recipient_kind: RecipientKind  # resident or volunteer
    name: str
    phone: str  # full E.164: the coordinator is about to dial it (the reveal is audited)
    starts_at: datetime
    kind: MessageKind  # what they would have been told (the booking notice, or a cancellation)
    request_id: int
    message_id: int


def phone_calls(session: Session, *, actor: Account, visit: Visit,
                kind: MessageKind = MessageKind.visit_scheduled) -> list[PhoneCall]:
    """Who must be phoned about `visit` because quiet hours last until it begins and their `kind` message (the
    booking notice, or a cancellation) cannot reach them: the outbox rows say so.

    The full numbers are shown to the coordinator, so each one is audited as a contact viewed.
    """
    require_role(actor, Role.coordinator)
    held = {row.dedupe_key: row for row in session.exec(
        select(OutboundMessage)
        .where(OutboundMessage.visit_id == visit.id, OutboundMessage.kind == kind)
        .where(OutboundMessage.status == MessageStatus.not_sent)
        .where(OutboundMessage.error_message == outbox.QUIET_PHONE_INSTEAD)
        .order_by(col(OutboundMessage.id))
    )}
    if not held:
        return []
    request = session.get(ListeningRequest, visit.request_id)
    people: list[tuple[RecipientKind, str, str, str, int]] = []  # (kind, key suffix, phone, name, entity id)
    resident = _resident_of(session, request)
    if resident is not None:
        people.append((RecipientKind.resident, "resident", resident.phone, resident.display_name, resident.id))
    for volunteer in _volunteers_of(session, visit):
        people.append((RecipientKind.volunteer, f"volunteer:{volunteer.id}", volunteer.phone, volunteer.full_name,
                       volunteer.id))
    calls = []
    for recipient_kind, suffix, phone, name, entity_id in people:
        row = held.get(_dedupe_key(visit, kind, suffix))
        if row is None:
            continue
        calls.append(PhoneCall(recipient_kind=recipient_kind, name=name, phone=phone, starts_at=visit.starts_at,
                               kind=kind, request_id=visit.request_id, message_id=row.id))
        if recipient_kind == RecipientKind.resident:
            views.record_view(session, viewer=actor, resident_ids=[entity_id], context=views.ViewContext.quiet_hours,
                              contact=True, request_id=visit.request_id, message_id=row.id)
            continue
        audit.record(session, actor_id=actor.id, action=AuditAction(f"{recipient_kind.value}.contact_viewed"),
                     entity=recipient_kind.value, entity_id=entity_id,
                     details={"request_id": visit.request_id, "context": "quiet_hours", "message_id": row.id})
    return calls
