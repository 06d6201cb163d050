"""Complaints: from the public page (no account) or an SMS starting 投诉 / COMPLAINT. Each gets a reference
(LHC-0012), a deadline (`settings.complaint_days`), an owner (a coordinator) and an outcome, and the resident
hears the outcome by SMS (no URL; nothing asked of a +86 number). Every state change is audited; the complaint's
words are not (they stay in the complaint row, shown inert, purged with other texts: docs/privacy.md).

The page's limit per client address works like the request form's (limits.py): a complaint over it is still
stored (a person is never turned away); only its "received" SMS is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.choices import one_of
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidForm, InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    Account,
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    MessageKind,
    RecipientKind,
    Resident,
    Role,
    utcnow,
)
from listening.privacy import views
from listening.residents import limits
from listening.residents.references import complaint_reference
from listening.sms import outbox, templates

NAME_MAX = 50
TEXT_MAX = 1000


@dataclass
class ComplaintForm:
    name: str = ""
    phone: str = ""
    text: str = ""
    sms_consent: bool = False
    locale: str = DEFAULT_LOCALE


def _text(raw: str | None) -> str:
    text = clean_typed(raw, multiline=True)
    if not text:
        raise InvalidInput(N_("Please tell us what went wrong."), field="text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(N_("Please keep the complaint under {n} characters."), field="text", n=TEXT_MAX)
    return text


def _resident_id(session: Session, phone: str) -> int | None:
    return session.exec(select(Resident.id).where(Resident.phone == phone)).first()


def _over_limit(session: Session, client: str, now: datetime) -> bool:
    recent = session.exec(select(func.count()).select_from(Complaint).where(
        Complaint.client_key == client, col(Complaint.received_at) > now - timedelta(hours=1))).one()
    return recent >= get_settings().intake_per_address_per_hour


def _tell(session: Session, complaint: Complaint, kind: MessageKind, *, now: datetime, urgent: bool = False,
          **params: object) -> None:
    body = templates.render(kind, locale=complaint.locale, to_phone=complaint.phone,
                            complaint=complaint_reference(complaint.id), days=get_settings().complaint_days, **params)
    outbox.enqueue(session, kind=kind, recipient_kind=RecipientKind.resident, to_phone=complaint.phone, body=body,
                   dedupe_key=f"complaint:{complaint.id}:{kind.value}", locale=complaint.locale, due_at=now,
                   urgent=urgent, now=now)


def _received(session: Session, complaint: Complaint, *, now: datetime, sms_held: bool) -> Complaint:
    session.add(complaint)
    session.flush()
    audit.record(session, actor_id=None, action=AuditAction.complaint_received, entity="complaint",
                 entity_id=complaint.id, at=now,
                 details={"channel": complaint.channel.value, "resident_id": complaint.resident_id,
                          "sms_consent": complaint.sms_consent, "sms_held": sms_held or None})
    if complaint.sms_consent and not sms_held:
        # An answer to an SMS goes at once; the page's goes outside quiet hours.
        _tell(session, complaint, MessageKind.complaint_received, now=now,
              urgent=complaint.channel == ComplaintChannel.sms)
    return complaint


def submit(session: Session, *, form: ComplaintForm, client_address: str, now: datetime | None = None) -> Complaint:
    """A complaint from the public page. Checked whole before anything is written."""
    now = now or utcnow()
    problems: dict[str, InvalidInput] = {}
    name = clean_typed(form.name)
    if len(name) > NAME_MAX:
        problems["name"] = InvalidInput(N_("Please keep the name to at most {n} characters."), field="name",
                                        n=NAME_MAX)
    phone = text = None
    try:
        phone = phones.normalise(form.phone, field="phone")
    except InvalidInput as problem:
        problems["phone"] = problem
    try:
        text = _text(form.text)
    except InvalidInput as problem:
        problems["text"] = problem
    if problems:
        raise InvalidForm(problems)
    client = limits.client_key(client_address)
    held = _over_limit(session, client, now)
    complaint = Complaint(channel=ComplaintChannel.web, name=name, phone=phone, text=text,
                          resident_id=_resident_id(session, phone), sms_consent=bool(form.sms_consent),
                          locale=form.locale if form.locale in LOCALES else DEFAULT_LOCALE, client_key=client,
                          received_at=now, due_at=now + timedelta(days=get_settings().complaint_days))
    return _received(session, complaint, now=now, sms_held=held)


def from_sms(session: Session, *, phone: str, text: str, now: datetime | None = None) -> Complaint:
    """A complaint by SMS (the words after the keyword; none is fine: a coordinator will call)."""
    now = now or utcnow()
    resident_id = _resident_id(session, phone)
    resident = session.get(Resident, resident_id) if resident_id else None
    complaint = Complaint(channel=ComplaintChannel.sms, phone=phone, text=clean_typed(text, multiline=True)[:TEXT_MAX],
                          resident_id=resident_id, name=resident.display_name if resident else "",
                          sms_consent=True, locale=resident.locale if resident else DEFAULT_LOCALE, received_at=now,
                          due_at=now + timedelta(days=get_settings().complaint_days))
    return _received(session, complaint, now=now, sms_held=False)


def _complaint(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id, with_for_update=True, populate_existing=True)
    if complaint is None:
        raise NotFound(N_("Complaint {id} does not exist."), id=complaint_id)
    return complaint


def assign(session: Session, *, actor: Account, complaint_id: int, owner_id: int,
           now: datetime | None = None) -> Complaint:
    """open or in progress -> in progress, owned by a coordinator (a new owner may take it over)."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    complaint = _complaint(session, complaint_id)
    if complaint.status == ComplaintStatus.closed:
        raise IllegalTransition(N_("Complaint {reference} is closed."), reference=complaint_reference(complaint.id))
    owner = session.get(Account, owner_id)
    if owner is None or owner.role != Role.coordinator or not owner.is_active:
        raise InvalidInput(N_("Choose a coordinator to own the complaint."), field="owner")
    previous = complaint.owner_id
    complaint.owner_id, complaint.status = owner.id, ComplaintStatus.in_progress
    session.add(complaint)
    audit.record(session, actor_id=actor.id, action=AuditAction.complaint_assigned, entity="complaint",
                 entity_id=complaint.id, at=now, details={"coordinator_id": owner.id, "previous_owner": previous})
    return complaint


def close(session: Session, *, actor: Account, complaint_id: int, outcome: ComplaintOutcome | str,
          now: datetime | None = None) -> Complaint:
    """-> closed with an outcome; the resident is told it by SMS when they agreed to texts."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    outcome = one_of(ComplaintOutcome, outcome, field="outcome", message=N_("Choose the outcome of the complaint."))
    complaint = _complaint(session, complaint_id)
    if complaint.status == ComplaintStatus.closed:
        raise IllegalTransition(N_("Complaint {reference} is closed already: {outcome}."),
                                reference=complaint_reference(complaint.id), outcome=label(complaint.outcome))
    complaint.owner_id = complaint.owner_id or actor.id
    complaint.status, complaint.outcome = ComplaintStatus.closed, outcome
    complaint.closed_by, complaint.closed_at = actor.id, now
    session.add(complaint)
    if complaint.sms_consent:
        _tell(session, complaint, MessageKind.complaint_outcome, now=now, outcome=outcome.value)
    audit.record(session, actor_id=actor.id, action=AuditAction.complaint_closed, entity="complaint",
                 entity_id=complaint.id, at=now,
                 details={"outcome": outcome.value, "days_open": round((now - complaint.received_at).days),
                          "sms": complaint.sms_consent, "late": now > complaint.due_at})
    return complaint


@dataclass(frozen=True)
class ComplaintView:
    id: int
    reference: str
    channel: ComplaintChannel
    status: ComplaintStatus
    name: str
    phone_masked: str
    text: str  # the complainant's words: shown inert
    received_at: datetime
    due_at: datetime
    overdue: bool
    owner_id: int | None
    owner_name: str | None
    outcome: ComplaintOutcome | None
    closed_at: datetime | None


def complaints(session: Session, *, actor: Account, closed: bool = False, limit: int = 100,
               now: datetime | None = None) -> list[ComplaintView]:
    """Open complaints (the nearest deadline first), or the latest closed ones."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    query = select(Complaint)
    if closed:
        query = query.where(Complaint.status == ComplaintStatus.closed).order_by(col(Complaint.closed_at).desc())
    else:
        query = query.where(Complaint.status != ComplaintStatus.closed).order_by(col(Complaint.due_at))
    rows = session.exec(query.order_by(col(Complaint.id)).limit(limit)).all()
    names = {a.id: a.display_name for a in session.exec(select(Account).where(Account.role == Role.coordinator))}
    shown = [ComplaintView(id=c.id, reference=complaint_reference(c.id), channel=c.channel, status=c.status,
                           name=c.name, phone_masked=phones.mask(c.phone), text=c.text, received_at=c.received_at,
                           due_at=c.due_at, overdue=c.status != ComplaintStatus.closed and now > c.due_at,
                           owner_id=c.owner_id, owner_name=names.get(c.owner_id), outcome=c.outcome,
                           closed_at=c.closed_at) for c in rows]
    views.record_view(session, viewer=actor, resident_ids=[c.resident_id for c in rows if c.resident_id],
                      context=views.ViewContext.complaints, now=now)
    return shown


def coordinators(session: Session, *, actor: Account) -> list[Account]:
    """Who can own a complaint."""
    require_role(actor, Role.coordinator)
    return list(session.exec(select(Account).where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
                             .order_by(col(Account.display_name), col(Account.id))))
