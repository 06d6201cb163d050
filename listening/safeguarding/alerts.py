"""The alert chain: an escalation reaches a coordinator, or every coordinator hears of it until one acknowledges.

Rounds. Round 0 is written with the escalation (`first_round`, in its transaction): the coordinators on duty who
can receive SMS; if none of them can (no phone, an invalid number, opted out, or the provider reported their last
urgent SMS failed or undelivered), every other active coordinator who can. With nobody on the rota, every
coordinator who can. Each coordinator considered gets an `EscalationAlert` row: the SMS queued, or why not.

The worker (`advance_all`, every pass) then moves each open escalation on:
* when every SMS of the current round is dead (failed, undelivered, not sent, expired), the coordinators not yet
  tried in that round are alerted at once (the chain moves on instead of waiting);
* when the round is `safeguarding_realert_minutes` old (15 by default) and nobody has acknowledged, the next round
  goes to every coordinator who can receive SMS, the duty coordinator first.
A number whose last urgent SMS failed is tried only when nobody else can be reached (it may work again).

Every alert is urgent (quiet hours do not hold it) and says only "#id needs a coordinator, open the app": no
resident's words, no URL, no reply asked (templates). Two workers moving the same escalation at once cannot
alert twice: each move locks the escalation row first (PostgreSQL FOR UPDATE; SQLite's writers take their turn),
reads the rounds again under the lock, and a unique (escalation, round, coordinator) key and the outbox's dedupe
key refuse a second row whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.permissions import require_role
from listening.models import (
    Account,
    AlertSkip,
    Escalation,
    EscalationAlert,
    EscalationStatus,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Role,
    utcnow,
)
from listening.safeguarding.rota import coordinators_on_duty, sms_problems
from listening.sms import outbox, templates

# An SMS in one of these may still reach its coordinator; any other status means the round must move on.
LIVE_STATUSES = (MessageStatus.queued, MessageStatus.sending, MessageStatus.sent, MessageStatus.delivered)


def realert_after() -> timedelta:
    return timedelta(minutes=get_settings().safeguarding_realert_minutes)


# -- who can be reached ----------------------------------------------------------------------------------------


def chain(session: Session, *, at: datetime) -> list[Account]:
    """Every active coordinator, those on duty at `at` first."""
    on_duty = coordinators_on_duty(session, at=at)
    others = session.exec(
        select(Account).where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
        .where(col(Account.id).not_in([a.id for a in on_duty] or [-1]))
        .order_by(col(Account.id))
    ).all()
    return [*on_duty, *others]


def _pick(considered: list[Account], problems: dict[int, AlertSkip | None]) -> list[Account]:
    """Those who can be reached; if nobody can, those whose last urgent SMS failed (it may work again)."""
    reachable = [a for a in considered if problems[a.id] is None]
    return reachable or [a for a in considered if problems[a.id] == AlertSkip.last_failed]


def first_targets(session: Session, *, at: datetime) -> tuple[list[Account], list[Account], dict]:
    """(considered, chosen, problems) for round 0: the duty coordinators, else everyone else who can be reached."""
    order = chain(session, at=at)
    problems = sms_problems(session, order)
    duty_ids = {a.id for a in coordinators_on_duty(session, at=at)}
    duty = [a for a in order if a.id in duty_ids]
    chosen = [a for a in duty if problems[a.id] is None]
    if chosen:
        return duty, chosen, problems
    return order, _pick(order, problems), problems


# -- writing a round -------------------------------------------------------------------------------------------


class _Taken(Exception):
    """Somebody else wrote this alert first."""


def _alert(session: Session, escalation: Escalation, coordinator: Account, *, round_no: int,
           now: datetime) -> EscalationAlert | None:
    body = templates.render(MessageKind.safeguarding_alert, locale=coordinator.locale, to_phone=coordinator.phone,
                            escalation_id=escalation.id, realert=round_no > 0)
    try:
        with session.begin_nested():
            message = outbox.enqueue(session, kind=MessageKind.safeguarding_alert,
                                     recipient_kind=RecipientKind.coordinator, to_phone=coordinator.phone, body=body,
                                     locale=coordinator.locale, urgent=True, request_id=escalation.request_id,
                                     dedupe_key=f"escalation:{escalation.id}:alert:{round_no}:{coordinator.id}",
                                     due_at=now, now=now)
            if message is None:
                raise _Taken
            row = EscalationAlert(escalation_id=escalation.id, round=round_no, coordinator_id=coordinator.id,
                                  message_id=message.id, at=now)
            session.add(row)
    except (_Taken, sa.exc.IntegrityError):
        return None
    return row


def _skip(session: Session, escalation: Escalation, coordinator: Account, reason: AlertSkip, *, round_no: int,
          now: datetime) -> EscalationAlert | None:
    row = EscalationAlert(escalation_id=escalation.id, round=round_no, coordinator_id=coordinator.id, skipped=reason,
                          at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        return None
    return row


def _write(session: Session, escalation: Escalation, *, considered: list[Account], chosen: list[Account],
           problems: dict, round_no: int, now: datetime) -> list[EscalationAlert]:
    chosen_ids = {a.id for a in chosen}
    rows = []
    for coordinator in considered:
        if coordinator.id in chosen_ids:
            row = _alert(session, escalation, coordinator, round_no=round_no, now=now)
        else:
            row = _skip(session, escalation, coordinator, problems[coordinator.id], round_no=round_no, now=now)
        if row is not None:
            rows.append(row)
    return rows


def first_round(session: Session, escalation: Escalation, *, now: datetime) -> list[EscalationAlert]:
    """Round 0, in the transaction that raises the escalation."""
    considered, chosen, problems = first_targets(session, at=now)
    return _write(session, escalation, considered=considered, chosen=chosen, problems=problems, round_no=0, now=now)


def _round_is_dead(session: Session, rows: list[EscalationAlert]) -> bool:
    message_ids = [r.message_id for r in rows if r.message_id is not None]
    if not message_ids:
        return True
    live = session.exec(
        select(sa.func.count()).select_from(OutboundMessage)
        .where(col(OutboundMessage.id).in_(message_ids), col(OutboundMessage.status).in_(LIVE_STATUSES))
    ).one()
    return live == 0


def advance(session: Session, *, escalation_id: int, now: datetime | None = None) -> list[EscalationAlert]:
    """Move one escalation along its chain: the next coordinators when a round failed, a re-alert when it is due.

    Returns the rows written (none when there was nothing to do). Safe to call from any number of workers."""
    now = now or utcnow()
    escalation = session.get(Escalation, escalation_id, with_for_update=True, populate_existing=True)
    if escalation is None or escalation.status != EscalationStatus.open:
        return []
    rows = list(session.exec(select(EscalationAlert).where(EscalationAlert.escalation_id == escalation.id)))
    if not rows:
        written = first_round(session, escalation, now=now)
        kind = "first"
    else:
        current = max(r.round for r in rows)
        in_round = [r for r in rows if r.round == current]
        if now >= min(r.at for r in in_round) + realert_after():
            order = chain(session, at=now)
            problems = sms_problems(session, order)
            written = _write(session, escalation, considered=order, chosen=_pick(order, problems), problems=problems,
                             round_no=current + 1, now=now)
            kind = "realert"
        elif _round_is_dead(session, in_round):
            tried = {r.coordinator_id for r in in_round}
            rest = [a for a in chain(session, at=now) if a.id not in tried]
            problems = sms_problems(session, rest)
            written = _write(session, escalation, considered=rest, chosen=_pick(rest, problems), problems=problems,
                             round_no=current, now=now)
            kind = "moved_on"
        else:
            return []
    if written:
        session.flush()
        audit.record(session, actor_id=None, action=AuditAction.escalation_alerted, entity="escalation",
                     entity_id=escalation.id, at=now,
                     details={"round": written[0].round, "why": kind,
                              "alerted": [r.coordinator_id for r in written if r.message_id],
                              "skipped": {str(r.coordinator_id): r.skipped.value for r in written if r.skipped}})
    return written


def advance_all(engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> int:
    """The worker's step: every open escalation moved on, each in its own short transaction. SMS queued."""
    with Session(engine) as session:
        open_ids = list(session.exec(select(Escalation.id).where(Escalation.status == EscalationStatus.open)
                                     .order_by(col(Escalation.id))))
    queued = 0
    for escalation_id in open_ids:
        with Session(engine) as session:
            rows = advance(session, escalation_id=escalation_id, now=clock())
            queued += sum(1 for r in rows if r.message_id is not None)
            session.commit()
    return queued


def cancel_queued(session: Session, *, escalation_id: int, now: datetime) -> int:
    """Alerts not yet sent when somebody acknowledges: cancelled, so nobody is woken for what is taken care of."""
    message_ids = select(EscalationAlert.message_id).where(EscalationAlert.escalation_id == escalation_id,
                                                           col(EscalationAlert.message_id).is_not(None))
    return session.execute(
        sa.update(OutboundMessage)
        .where(col(OutboundMessage.id).in_(message_ids), OutboundMessage.status == MessageStatus.queued)
        .values(status=MessageStatus.cancelled, updated_at=now)
    ).rowcount


# -- what coordinators see -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertStep:
    round: int  # 0: the first alert; n: the n-th re-alert
    at: datetime
    coordinator_name: str
    status: MessageStatus | None  # of the SMS; None when skipped (or the row was purged)
    skipped: AlertSkip | None


def steps_by_escalation(session: Session, escalation_ids: list[int]) -> dict[int, list[AlertStep]]:
    """Every alert attempt of these escalations, in the order they were made."""
    if not escalation_ids:
        return {}
    rows = session.exec(
        select(EscalationAlert, Account.display_name, OutboundMessage.status)
        .join(Account, col(Account.id) == col(EscalationAlert.coordinator_id))
        .join(OutboundMessage, col(OutboundMessage.id) == col(EscalationAlert.message_id), isouter=True)
        .where(col(EscalationAlert.escalation_id).in_(escalation_ids))
        .order_by(col(EscalationAlert.at), col(EscalationAlert.id))
    ).all()
    steps: dict[int, list[AlertStep]] = {}
    for row, name, status in rows:
        steps.setdefault(row.escalation_id, []).append(
            AlertStep(round=row.round, at=row.at, coordinator_name=name, status=status, skipped=row.skipped))
    return steps


def reached(steps: list[AlertStep]) -> bool:
    """Whether any alert of an escalation may have reached somebody."""
    return any(s.status in LIVE_STATUSES for s in steps)


@dataclass(frozen=True)
class Coverage:
    """Who can receive a safeguarding SMS now: the coordinators on duty and everyone."""

    on_duty: list[tuple[str, AlertSkip | None]]  # (name, why not) for each coordinator on duty
    reachable: int  # active coordinators who can receive SMS


def coverage(session: Session, *, actor: Account, now: datetime | None = None) -> Coverage:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    order = chain(session, at=now)
    problems = sms_problems(session, order)
    duty_ids = {a.id for a in coordinators_on_duty(session, at=now)}
    return Coverage(on_duty=[(a.display_name, problems[a.id]) for a in order if a.id in duty_ids],
                    reachable=sum(1 for a in order if problems[a.id] is None))
