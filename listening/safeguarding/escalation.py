"""Escalations: raised with an urgent SMS to the duty coordinator(s), acknowledged, acted on, closed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    Account,
    Escalation,
    EscalationSource,
    EscalationStatus,
    MessageKind,
    RecipientKind,
    Role,
    SessionLog,
    Volunteer,
    utcnow,
)
from listening.safeguarding.detection import RISK_KINDS, UNANSWERED_RISK
from listening.safeguarding.rota import coordinators_on_duty
from listening.sms import outbox, templates

SOURCE_LABELS = {
    EscalationSource.request: N_("a resident's request"),
    EscalationSource.session_log: N_("a session log"),
    EscalationSource.unanswered_calls: N_("unanswered phone visits"),
}
ACTION_MAX = 500


def alert_recipients(session: Session, *, at: datetime) -> list[Account]:
    """Who gets a safeguarding SMS: the coordinators on duty with a phone, else every active coordinator with one."""
    on_duty = [a for a in coordinators_on_duty(session, at=at) if a.phone]
    if on_duty:
        return on_duty
    return list(
        session.exec(
            select(Account)
            .where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
            .where(col(Account.phone).is_not(None), Account.phone != "")
            .order_by(col(Account.id))
        )
    )


def raise_escalation(session: Session, *, source: EscalationSource, risk_kinds: set[str], request_id: int | None = None,
                     session_log_id: int | None = None, actor: Account | None = None,
                     now: datetime | None = None) -> Escalation:
    """Open an escalation and, in the same transaction, the urgent SMS to the duty coordinator(s)."""
    now = now or utcnow()
    codes = sorted(set(risk_kinds), key=lambda c: ([*RISK_KINDS, UNANSWERED_RISK] + [c]).index(c))
    escalation = Escalation(source=source, request_id=request_id, session_log_id=session_log_id,
                            risk_kinds=",".join(codes)[:120], raised_at=now)
    session.add(escalation)
    session.flush()
    recipients = alert_recipients(session, at=now)
    for coordinator in recipients:
        body = templates.render(MessageKind.safeguarding_alert, locale=coordinator.locale, to_phone=coordinator.phone,
                                escalation_id=escalation.id)
        outbox.enqueue(session, kind=MessageKind.safeguarding_alert, recipient_kind=RecipientKind.coordinator,
                       to_phone=coordinator.phone, body=body, locale=coordinator.locale,
                       dedupe_key=f"escalation:{escalation.id}:alert:{coordinator.id}", urgent=True,
                       request_id=request_id, due_at=now)
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.escalation_raised, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"source": source.value, "risk_kinds": codes, "request_id": request_id,
                          "session_log_id": session_log_id, "alerted": [c.id for c in recipients]})
    return escalation


def _escalation(session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id, with_for_update=True, populate_existing=True)
    if escalation is None:
        raise NotFound(N_("Escalation {id} does not exist."), id=escalation_id)
    return escalation


def _clean_action(text: str | None) -> str:
    action = clean_typed(text, multiline=True)
    if not action:
        raise InvalidInput(N_("Please describe the action taken."), field="action_taken")
    if len(action) > ACTION_MAX:
        raise InvalidInput(N_("Keep the action under {n} characters."), field="action_taken", n=ACTION_MAX)
    return action


def acknowledge(session: Session, *, actor: Account, escalation_id: int, now: datetime | None = None) -> Escalation:
    """open -> acknowledged: a coordinator has seen it and takes it on."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.open:
        raise IllegalTransition(N_("Escalation {id} has already been acknowledged."), id=escalation.id)
    escalation.status = EscalationStatus.acknowledged
    escalation.acknowledged_by, escalation.acknowledged_at = actor.id, now
    session.add(escalation)
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_acknowledged, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"minutes_to_acknowledge": round((now - escalation.raised_at).total_seconds() / 60, 1)})
    return escalation


def record_action(session: Session, *, actor: Account, escalation_id: int, action_taken: str,
                  now: datetime | None = None) -> Escalation:
    """Write what was done (called the resident, referred to 12356, ...) on an acknowledged escalation."""
    require_role(actor, Role.coordinator)
    action = _clean_action(action_taken)
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.acknowledged:
        raise IllegalTransition(N_("Acknowledge escalation {id} before recording an action; it is {status}."),
                                id=escalation.id, status=escalation.status.value)
    escalation.action_taken = action
    session.add(escalation)
    # The action text may repeat what the resident said, so the audit keeps only that it was written.
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_action_recorded, entity="escalation",
                 entity_id=escalation.id, at=now or utcnow(), details={"length": len(action)})
    return escalation


def close(session: Session, *, actor: Account, escalation_id: int, action_taken: str | None = None,
          now: datetime | None = None) -> Escalation:
    """acknowledged -> closed; an escalation closes only with the action taken on record."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.acknowledged:
        raise IllegalTransition(N_("Only an acknowledged escalation can be closed; escalation {id} is {status}."),
                                id=escalation.id, status=escalation.status.value)
    if clean_typed(action_taken, multiline=True):
        escalation.action_taken = _clean_action(action_taken)
    if not escalation.action_taken:
        raise InvalidInput(N_("Please describe the action taken."), field="action_taken")
    escalation.status = EscalationStatus.closed
    escalation.closed_by, escalation.closed_at = actor.id, now
    session.add(escalation)
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_closed, entity="escalation",
                 entity_id=escalation.id, at=now)
    return escalation


@dataclass(frozen=True)
class EscalationView:
    id: int
    source: EscalationSource
    status: EscalationStatus
    risk_kinds: list[str]  # codes
    raised_at: datetime
    minutes_open: int
    request_id: int | None
    volunteer_name: str | None
    acknowledged_by: str | None
    action_taken: str | None


def open_escalations(session: Session, *, actor: Account, now: datetime | None = None) -> list[EscalationView]:
    """Escalations not yet closed, oldest first, with the minutes since each was raised."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(
        select(Escalation, Volunteer.full_name)
        .join(SessionLog, col(SessionLog.id) == col(Escalation.session_log_id), isouter=True)
        .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id), isouter=True)
        .where(Escalation.status != EscalationStatus.closed)
        .order_by(col(Escalation.raised_at), col(Escalation.id))
    ).all()
    names = {a.id: a.display_name for a in session.exec(select(Account).where(Account.role == Role.coordinator))}
    return [
        EscalationView(
            id=e.id, source=e.source, status=e.status, risk_kinds=[c for c in e.risk_kinds.split(",") if c],
            raised_at=e.raised_at, minutes_open=max(0, int((now - e.raised_at).total_seconds() // 60)),
            request_id=e.request_id, volunteer_name=volunteer_name,
            acknowledged_by=names.get(e.acknowledged_by), action_taken=e.action_taken,
        )
        for e, volunteer_name in rows
    ]


@dataclass(frozen=True)
class ResponseTimes:
    raised: int
    acknowledged: int
    median_minutes: float | None
    max_minutes: float | None
    waiting_now: int  # still open (nobody has acknowledged yet)


def response_times(session: Session, *, actor: Account, days: int = 90, now: datetime | None = None) -> ResponseTimes:
    """Minutes from raised to acknowledged, over the escalations raised in the last `days`."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(select(Escalation).where(col(Escalation.raised_at) >= now - timedelta(days=days))).all()
    minutes = [(e.acknowledged_at - e.raised_at).total_seconds() / 60 for e in rows if e.acknowledged_at]
    return ResponseTimes(
        raised=len(rows),
        acknowledged=len(minutes),
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        max_minutes=round(max(minutes), 1) if minutes else None,
        waiting_now=sum(1 for e in rows if e.status == EscalationStatus.open),
    )
