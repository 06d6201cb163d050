"""The coordinator's SMS page: one page of the outbox at a time, with each message's text and recipient.

A district's outbox holds hundreds of thousands of rows, so nothing here loads it whole: the page is a LIMIT/OFFSET
query over the columns the page shows, ordered on the indexed `due_at`, the counts are SQL counts, and names are
looked up for the page's numbers only. Messages that need a person (a failure, a number to phone instead, no
provider configured) come first; then the rest, latest due first (two queries, each one page long).

Bodies hold no resident's words (listening/sms/templates.py), but they do tie a resident to a visit: every
resident shown is recorded as viewed (listening/privacy/views.py, context "sms"). Numbers are always masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core.clock import day_bounds
from listening.core.config import get_settings
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.phones import mask
from listening.models import (
    Account,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Resident,
    Role,
    Volunteer,
)
from listening.models.invites import CODE_IN_TEXT, MASKED_CODE
from listening.privacy import views
from listening.sms import outbox
from listening.sms.transport import NO_PROVIDER

PAGE_SIZE = 50
# What the page shows for the stored English reasons (a provider's own error is shown as it came).
REASONS = {**outbox.NOT_SENT_REASONS, NO_PROVIDER: N_("Not sent: no SMS provider is configured.")}
NEEDS_A_PERSON = (outbox.QUIET_PHONE_INSTEAD, NO_PROVIDER)
EMPTIED = N_("(emptied after {days} days)")


@dataclass(frozen=True)
class MessageFilter:
    """Empty tuples mean every kind / every status; days are local days, both included."""

    kinds: tuple[MessageKind, ...] = ()
    statuses: tuple[MessageStatus, ...] = ()
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class MessageRow:
    id: int
    kind: MessageKind
    status: MessageStatus
    recipient_kind: RecipientKind
    recipient_name: str | None  # None: no resident, volunteer or coordinator has this number any more
    masked_phone: str
    body: str  # "" once retention emptied it (`emptied`)
    emptied: bool
    due_at: datetime
    sent_at: datetime | None
    segments: int | None
    attempts: int
    error_code: str | None
    reason: str | None  # a msgid of REASONS (`reason_known`), or the provider's error as it came
    reason_known: bool
    resendable: bool


@dataclass(frozen=True)
class MessagePage:
    rows: list[MessageRow]
    total: int  # messages matching the filter
    page: int  # 1-based, clamped to the last page
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _conditions(filters: MessageFilter) -> list:
    where = []
    if filters.kinds:
        where.append(col(OutboundMessage.kind).in_(filters.kinds))
    if filters.statuses:
        where.append(col(OutboundMessage.status).in_(filters.statuses))
    if filters.first_day is not None:
        where.append(col(OutboundMessage.due_at) >= day_bounds(filters.first_day, filters.first_day).start)
    if filters.last_day is not None:
        where.append(col(OutboundMessage.due_at) < day_bounds(filters.last_day, filters.last_day).end)
    return where


def _needs_a_person():
    # COALESCE: a NULL error_message must make this false, not NULL, so that NOT(...) holds the rest exactly.
    return sa.or_(
        col(OutboundMessage.status).in_(outbox.FAILED_STATUSES),
        sa.and_(col(OutboundMessage.status) == MessageStatus.not_sent,
                sa.func.coalesce(col(OutboundMessage.error_message), "").in_(NEEDS_A_PERSON)),
    )


_COLUMNS = (OutboundMessage.id, OutboundMessage.kind, OutboundMessage.status, OutboundMessage.recipient_kind,
            OutboundMessage.to_phone, OutboundMessage.body, OutboundMessage.due_at, OutboundMessage.sent_at,
            OutboundMessage.segments, OutboundMessage.attempts, OutboundMessage.error_code,
            OutboundMessage.error_message)


def review_page(session: Session, *, actor: Account, filters: MessageFilter = MessageFilter(), page: int = 1,
                page_size: int = PAGE_SIZE) -> MessagePage:
    """One page of the outbox for a coordinator: messages that need a person first, then latest due first."""
    require_role(actor, Role.coordinator)
    where = _conditions(filters)
    needs = _needs_a_person()
    total, first_count = session.exec(
        select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((needs, 1), else_=0)), 0))
        .select_from(OutboundMessage).where(*where)
    ).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    # Two queries rather than ORDER BY a CASE: each walks the due_at index and stops after one page.
    offset = (page - 1) * page_size
    latest_first = (col(OutboundMessage.due_at).desc(), col(OutboundMessage.id).desc())
    found = []
    if offset < first_count:
        found += session.exec(select(*_COLUMNS).where(*where, needs).order_by(*latest_first)
                              .offset(offset).limit(page_size)).all()
    if len(found) < page_size:
        found += session.exec(select(*_COLUMNS).where(*where, sa.not_(needs)).order_by(*latest_first)
                              .offset(max(0, offset - first_count)).limit(page_size - len(found))).all()
    names = _names(session, found)
    shown = [resident_id for (kind, phone), (_name, resident_id) in names.items()
             if kind == RecipientKind.resident and resident_id is not None]
    views.record_view(session, viewer=actor, resident_ids=shown, context=views.ViewContext.sms)
    return MessagePage(rows=[_row(m, names) for m in found], total=total, page=page, page_size=page_size)


def _names(session: Session, found) -> dict[tuple[RecipientKind, str], tuple[str, int | None]]:
    """(recipient kind, phone) -> (name, resident id), looked up for this page's numbers only."""
    wanted: dict[RecipientKind, set[str]] = {}
    for m in found:
        wanted.setdefault(m.recipient_kind, set()).add(m.to_phone)
    names: dict[tuple[RecipientKind, str], tuple[str, int | None]] = {}
    if phones := wanted.get(RecipientKind.resident):
        for resident_id, phone, name in session.exec(
                select(Resident.id, Resident.phone, Resident.display_name).where(col(Resident.phone).in_(phones))):
            names[(RecipientKind.resident, phone)] = (name, resident_id)
    if phones := wanted.get(RecipientKind.volunteer):
        # Two volunteers may share a number (a household phone): the first one registered is named.
        for phone, name in session.exec(select(Volunteer.phone, Volunteer.full_name)
                                        .where(col(Volunteer.phone).in_(phones)).order_by(col(Volunteer.id).desc())):
            names[(RecipientKind.volunteer, phone)] = (name, None)
    if phones := wanted.get(RecipientKind.coordinator):
        for phone, name in session.exec(select(Account.phone, Account.display_name)
                                        .where(col(Account.phone).in_(phones)).order_by(col(Account.id).desc())):
            names[(RecipientKind.coordinator, phone)] = (name, None)
    return names


def _shown_body(m) -> str:
    """The text as sent; a one-time code never shows here: an account code is the volunteer's key
    (staff/invites.py), an application code the applicant's proof of their number (volunteers/phone_codes.py)."""
    if m.kind in (MessageKind.account_invite, MessageKind.application_code) and m.body:
        return CODE_IN_TEXT.sub(MASKED_CODE, m.body)
    return m.body or ""


def _row(m, names) -> MessageRow:
    known = m.error_message in REASONS
    reason = REASONS[m.error_message] if known else m.error_message
    named = names.get((m.recipient_kind, m.to_phone))
    return MessageRow(
        id=m.id, kind=m.kind, status=m.status, recipient_kind=m.recipient_kind,
        recipient_name=named[0] if named else None, masked_phone=mask(m.to_phone), body=_shown_body(m),
        emptied=not m.body, due_at=m.due_at, sent_at=m.sent_at, segments=m.segments, attempts=m.attempts,
        error_code=m.error_code, reason=reason, reason_known=known,
        resendable=m.status in outbox.RESENDABLE_STATUSES,
    )


def emptied_note() -> tuple[str, int]:
    """The msgid and the number of days for a body retention emptied."""
    return EMPTIED, get_settings().retention_sms_days
