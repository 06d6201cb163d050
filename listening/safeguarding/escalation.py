"""Escalations: raised with an urgent SMS to the duty coordinator(s) (alerts.py: the chain and the re-alerts),
acknowledged, acted on, given an outcome (outcomes.py), closed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    Account,
    Escalation,
    EscalationSource,
    EscalationStatus,
    Role,
    utcnow,
)
from listening.privacy import views
from listening.safeguarding import alerts, contacts, outcomes
from listening.safeguarding.detection import RISK_KINDS, UNANSWERED_RISK

SOURCE_LABELS = {
    EscalationSource.request: N_("a resident's request"),
    EscalationSource.session_log: N_("a session log"),
    EscalationSource.unanswered_calls: N_("unanswered phone visits"),
    EscalationSource.scam_or_misconduct: N_("a resident's feedback: scam or misconduct"),
}
# The badge of a kind that needs its own words on the page (a hold waits on the coordinator's decision).
SOURCE_BADGES = {
    EscalationSource.scam_or_misconduct: N_("Scam or misconduct: the resident answered that someone asked them for "
                                            "money, gifts, investment or to talk outside the programme."),
}
ACTION_MAX = 500


# The order the safeguarding page shows open escalations in, most severe first (after the unacknowledged ones).
# A life at risk now comes first; an unanswered phone is a worry, not yet a crisis. Unknown codes go last.
SEVERITY = ("suicide", "harm_others", "medical", "abuse", "scam", UNANSWERED_RISK)


def severity(risk_kinds: list[str] | set[str]) -> int:
    """The rank of an escalation's most severe risk (0 is the most severe)."""
    return min((SEVERITY.index(c) if c in SEVERITY else len(SEVERITY) for c in risk_kinds), default=len(SEVERITY))


def alert_recipients(session: Session, *, at: datetime) -> list[Account]:
    """Who the first alert goes to: the coordinators on duty who can receive SMS, else every other active
    coordinator who can (listening/safeguarding/alerts.py has the whole chain)."""
    return alerts.first_targets(session, at=at)[1]


def raise_escalation(session: Session, *, source: EscalationSource, risk_kinds: set[str], request_id: int | None = None,
                     session_log_id: int | None = None, actor: Account | None = None,
                     now: datetime | None = None) -> Escalation:
    """Open an escalation and, in the same transaction, the first round of urgent SMS (the duty coordinator, or
    whoever can be reached); the worker re-alerts until somebody acknowledges."""
    now = now or utcnow()
    codes = sorted(set(risk_kinds), key=lambda c: ([*RISK_KINDS, UNANSWERED_RISK] + [c]).index(c))
    escalation = Escalation(source=source, request_id=request_id, session_log_id=session_log_id,
                            risk_kinds=",".join(codes)[:120], raised_at=now)
    session.add(escalation)
    session.flush()
    rows = alerts.first_round(session, escalation, now=now)
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.escalation_raised, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"source": source.value, "risk_kinds": codes, "request_id": request_id,
                          "session_log_id": session_log_id,
                          "alerted": [r.coordinator_id for r in rows if r.message_id is not None],
                          "skipped": {str(r.coordinator_id): r.skipped.value for r in rows if r.skipped}})
    return escalation


def unacknowledged_count(session: Session, *, actor: Account) -> int:
    """How many escalations nobody has acknowledged yet (the banner on every coordinator page)."""
    require_role(actor, Role.coordinator)
    return session.exec(select(sa.func.count()).select_from(Escalation)
                        .where(Escalation.status == EscalationStatus.open)).one()


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
    """open -> acknowledged: a coordinator has seen it and takes it on; alerts not yet sent are cancelled."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.open:
        raise IllegalTransition(N_("Escalation {id} has already been acknowledged."), id=escalation.id)
    escalation.status = EscalationStatus.acknowledged
    escalation.acknowledged_by, escalation.acknowledged_at = actor.id, now
    session.add(escalation)
    cancelled = alerts.cancel_queued(session, escalation_id=escalation.id, now=now)
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_acknowledged, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"minutes_to_acknowledge": round((now - escalation.raised_at).total_seconds() / 60, 1),
                          "alerts_cancelled": cancelled})
    return escalation


def record_action(session: Session, *, actor: Account, escalation_id: int, action_taken: str,
                  now: datetime | None = None) -> Escalation:
    """Write what was done (called the resident, referred to 12356, ...) on an acknowledged escalation."""
    require_role(actor, Role.coordinator)
    action = _clean_action(action_taken)
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.acknowledged:
        raise IllegalTransition(N_("Acknowledge escalation {id} before recording an action; it is {status}."),
                                id=escalation.id, status=label(escalation.status))
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
                                id=escalation.id, status=label(escalation.status))
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
    severity: int  # 0 is the most severe (SEVERITY)
    raised_at: datetime
    minutes_open: int
    request_id: int | None
    resident: contacts.Contact | None  # phone masked; contacts.reveal_phone shows it, audited
    volunteer: contacts.Contact | None
    volunteer_name: str | None
    steps: list[alerts.AlertStep]  # every alert attempt, in order
    reached: bool  # whether any alert may have reached somebody
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    action_taken: str | None
    outcomes: list[outcomes.OutcomeView]
    closed_by: str | None
    closed_at: datetime | None


def _order(view: EscalationView) -> tuple:
    """Unacknowledged first, then the most severe, then the newest."""
    return (view.status != EscalationStatus.open, view.severity, -view.raised_at.timestamp(), -view.id)


def _views(session: Session, rows: list[Escalation], now: datetime) -> list[EscalationView]:
    ids = [e.id for e in rows]
    steps = alerts.steps_by_escalation(session, ids)
    done = outcomes.outcomes_by_escalation(session, ids)
    names = {a.id: a.display_name for a in session.exec(select(Account).where(Account.role == Role.coordinator))}
    everyone = contacts.people_by_escalation(session, rows)
    shown = []
    for e in rows:
        people = everyone[e.id]
        resident, volunteer = contacts.contacts(people)
        codes = [c for c in e.risk_kinds.split(",") if c]
        shown.append(EscalationView(
            id=e.id, source=e.source, status=e.status, risk_kinds=codes, severity=severity(codes),
            raised_at=e.raised_at, minutes_open=max(0, int((now - e.raised_at).total_seconds() // 60)),
            request_id=people.request_id, resident=resident, volunteer=volunteer,
            volunteer_name=volunteer.name if volunteer else None, steps=steps.get(e.id, []),
            reached=alerts.reached(steps.get(e.id, [])), acknowledged_by=names.get(e.acknowledged_by),
            acknowledged_at=e.acknowledged_at, action_taken=e.action_taken, outcomes=done.get(e.id, []),
            closed_by=names.get(e.closed_by), closed_at=e.closed_at,
        ))
    return sorted(shown, key=_order)


def open_escalations(session: Session, *, actor: Account, now: datetime | None = None) -> list[EscalationView]:
    """Escalations not yet closed: unacknowledged first, then the most severe, then the newest."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = list(session.exec(select(Escalation).where(Escalation.status != EscalationStatus.closed)))
    return _seen(session, actor, _views(session, rows, now), now)


def recently_closed(session: Session, *, actor: Account, days: int = 30,
                    now: datetime | None = None) -> list[EscalationView]:
    """Escalations closed in the last `days`, newest first: their people and numbers stay findable."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = list(session.exec(
        select(Escalation).where(Escalation.status == EscalationStatus.closed)
        .where(col(Escalation.closed_at) >= now - timedelta(days=days))
        .order_by(col(Escalation.closed_at).desc(), col(Escalation.id).desc()).limit(100)
    ))
    closed = sorted(_views(session, rows, now), key=lambda v: (-(v.closed_at or v.raised_at).timestamp(), -v.id))
    return _seen(session, actor, closed, now)


def _seen(session: Session, actor: Account, shown: list[EscalationView], now: datetime) -> list[EscalationView]:
    # An escalation is about a resident: seeing the list is a view of their details.
    residents = {v.resident.id for v in shown if v.resident is not None}
    views.record_view(session, viewer=actor, resident_ids=residents, context=views.ViewContext.safeguarding, now=now)
    return shown


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
