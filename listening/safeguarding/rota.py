"""The duty rota: which coordinator is on duty, and so gets the safeguarding alerts, and who can receive them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import Window, covers
from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.phones import normalise
from listening.models import (
    Account,
    AlertSkip,
    DutyShift,
    MessageStatus,
    OutboundMessage,
    Role,
    utcnow,
)
from listening.sms import outbox

MAX_SHIFT = timedelta(days=7)
SKIP_LABELS = {
    AlertSkip.no_phone: N_("no phone number"),
    AlertSkip.invalid_phone: N_("the phone number is not valid"),
    AlertSkip.opted_out: N_("the number opted out of SMS"),
    AlertSkip.last_failed: N_("the last urgent SMS to this number failed"),
}


def sms_problem(session: Session, account: Account) -> AlertSkip | None:
    """Why this coordinator cannot receive a safeguarding SMS now, or None when they can."""
    return sms_problems(session, [account])[account.id]


def sms_problems(session: Session, accounts: Iterable[Account]) -> dict[int, AlertSkip | None]:
    """`sms_problem` for many coordinators in three statements, whatever their number (the rota lists a fortnight
    of shifts; an alert round looks at everyone reachable)."""
    problems: dict[int, AlertSkip | None] = {}
    phones: dict[int, str] = {}
    for account in accounts:
        if not account.phone:
            problems[account.id] = AlertSkip.no_phone
            continue
        try:
            valid = normalise(account.phone) == account.phone
        except InvalidInput:
            valid = False
        problems[account.id] = None if valid else AlertSkip.invalid_phone
        if valid:
            phones[account.id] = account.phone
    opted_out = outbox.opted_out_among(session, set(phones.values()))
    ranked = (select(OutboundMessage.to_phone, OutboundMessage.status,
                     sa.func.row_number().over(partition_by=OutboundMessage.to_phone,
                                               order_by=(col(OutboundMessage.updated_at).desc(),
                                                         col(OutboundMessage.id).desc())).label("n"))
              .where(col(OutboundMessage.to_phone).in_(set(phones.values())), col(OutboundMessage.urgent).is_(True))
              .where(col(OutboundMessage.status).in_((MessageStatus.sent, MessageStatus.delivered,
                                                      *outbox.FAILED_STATUSES))).subquery())
    last = dict(session.execute(select(ranked.c.to_phone, ranked.c.status).where(ranked.c.n == 1)).all())
    for account_id, phone in phones.items():
        if phone in opted_out:
            problems[account_id] = AlertSkip.opted_out
        elif last.get(phone) in outbox.FAILED_STATUSES:
            problems[account_id] = AlertSkip.last_failed
    return problems


def coordinators_on_duty(session: Session, *, at: datetime) -> list[Account]:
    """Active coordinators whose duty shift covers `at`."""
    return list(
        session.exec(
            select(Account)
            .join(DutyShift, col(DutyShift.coordinator_id) == col(Account.id))
            .where(covers(col(DutyShift.starts_at), col(DutyShift.ends_at), at))
            .where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
            .order_by(col(DutyShift.starts_at), col(Account.id))
        ).unique()
    )


@dataclass(frozen=True)
class CoordinatorChoice:
    id: int
    name: str
    has_phone: bool


def coordinators(session: Session, *, actor: Account) -> list[CoordinatorChoice]:
    """Active coordinators, for the duty rota."""
    require_role(actor, Role.coordinator)
    rows = session.exec(select(Account).where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
                        .order_by(col(Account.display_name)))
    return [CoordinatorChoice(a.id, a.display_name, bool(a.phone)) for a in rows]


@dataclass(frozen=True)
class ShiftView:
    id: int
    coordinator_id: int
    coordinator_name: str
    starts_at: datetime
    ends_at: datetime
    has_phone: bool
    sms_problem: AlertSkip | None  # why this coordinator cannot receive a safeguarding SMS now (None: they can)


def duty_rota(session: Session, *, actor: Account, now: datetime | None = None, days: int = 14) -> list[ShiftView]:
    """Shifts that have not ended yet and start within `days`, earliest first."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(
        select(DutyShift, Account)
        .join(Account, col(Account.id) == col(DutyShift.coordinator_id))
        .where(Window(now, now + timedelta(days=days)).meets(col(DutyShift.starts_at), col(DutyShift.ends_at)))
        .order_by(col(DutyShift.starts_at))
    ).all()
    problems = sms_problems(session, [a for _, a in rows])
    return [ShiftView(s.id, a.id, a.display_name, s.starts_at, s.ends_at, bool(a.phone), problems[a.id])
            for s, a in rows]


def add_duty_shift(session: Session, *, actor: Account, coordinator_id: int, starts_at: datetime,
                   ends_at: datetime) -> DutyShift:
    require_role(actor, Role.coordinator)
    coordinator = session.get(Account, coordinator_id)
    if coordinator is None or coordinator.role != Role.coordinator or not coordinator.is_active:
        raise InvalidInput(N_("Choose an active coordinator for the shift."), field="coordinator")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput(N_("The shift needs a start and an end time."), field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(N_("The shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput(N_("A duty shift can last at most {days} days."), field="ends_at", days=MAX_SHIFT.days)
    shift = DutyShift(coordinator_id=coordinator.id, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.duty_shift_added, entity="duty_shift", entity_id=shift.id,
                 details={"coordinator_id": coordinator.id, "starts_at": starts_at.isoformat(),
                          "ends_at": ends_at.isoformat()})
    return shift
