"""The audit trail: one row per state change or sensitive read, written in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from listening.models import Account, AuditEvent, Role, utcnow


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction. `details` must never hold a resident's words."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
        at=at or utcnow(),
    )
    session.add(event)
    return event


def require_role(account: Account | None, *roles: Role) -> Account:
    from listening.auth import require_role as check  # auth records audit events, so import it late

    return check(account, *roles)


def recent_events(session: Session, *, actor: Account, limit: int = 200, entity: str | None = None) -> list[AuditEvent]:
    require_role(actor, Role.coordinator)
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return list(session.exec(query))
