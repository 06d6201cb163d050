"""What came of an escalation: referred to a social worker, the police or a hospital; followed up.

Rules (each checked by `record_outcome`, with a clear error):
* an outcome is recorded on an acknowledged escalation only: an open one has nobody taking it on yet, and a
  closed one is finished (its record stays as it was closed);
* each kind is recorded once per escalation (a second "referred to the police" is refused, not stored twice);
  several kinds may be recorded (referred to a hospital, then followed up);
* closing stays `escalation.close` (acknowledged -> closed, with the action taken on record).
Every outcome is audited with who and when; the audit holds the kind only, never anybody's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.choices import one_of
from listening.core.errors import IllegalTransition, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    Escalation,
    EscalationOutcome,
    EscalationOutcomeKind,
    EscalationStatus,
    Role,
    utcnow,
)

OUTCOME_LABELS = {
    EscalationOutcomeKind.social_worker: N_("Referred to a social worker"),
    EscalationOutcomeKind.police: N_("Referred to the police"),
    EscalationOutcomeKind.hospital: N_("Referred to a hospital"),
    EscalationOutcomeKind.followed_up: N_("Followed up with the resident"),
}


def record_outcome(session: Session, *, actor: Account, escalation_id: int, kind: EscalationOutcomeKind | str,
                   now: datetime | None = None) -> EscalationOutcome:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    kind = one_of(EscalationOutcomeKind, kind, field="outcome", message=N_("Choose what came of the escalation."))
    escalation = session.get(Escalation, escalation_id, with_for_update=True, populate_existing=True)
    if escalation is None:
        raise NotFound(N_("Escalation {id} does not exist."), id=escalation_id)
    if escalation.status == EscalationStatus.open:
        raise IllegalTransition(N_("Acknowledge escalation {id} before recording what came of it."), id=escalation.id)
    if escalation.status == EscalationStatus.closed:
        raise IllegalTransition(N_("Escalation {id} is closed; its outcome can no longer change."), id=escalation.id)
    already = session.exec(select(EscalationOutcome.id).where(EscalationOutcome.escalation_id == escalation.id,
                                                              EscalationOutcome.kind == kind)).first()
    duplicate = IllegalTransition(N_("This outcome is already recorded for escalation {id}."), id=escalation.id)
    if already is not None:
        raise duplicate
    row = EscalationOutcome(escalation_id=escalation.id, kind=kind, recorded_by=actor.id, recorded_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        raise duplicate from None
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_outcome_recorded, entity="escalation",
                 entity_id=escalation.id, at=now, details={"outcome": kind.value})
    return row


@dataclass(frozen=True)
class OutcomeView:
    kind: EscalationOutcomeKind
    recorded_by: str
    recorded_at: datetime


def outcomes_by_escalation(session: Session, escalation_ids: list[int]) -> dict[int, list[OutcomeView]]:
    if not escalation_ids:
        return {}
    rows = session.exec(
        select(EscalationOutcome, Account.display_name)
        .join(Account, col(Account.id) == col(EscalationOutcome.recorded_by))
        .where(col(EscalationOutcome.escalation_id).in_(escalation_ids))
        .order_by(col(EscalationOutcome.recorded_at), col(EscalationOutcome.id))
    ).all()
    found: dict[int, list[OutcomeView]] = {}
    for row, name in rows:
        found.setdefault(row.escalation_id, []).append(OutcomeView(row.kind, name, row.recorded_at))
    return found
