"""Debriefs: a volunteer talks a hard session through with a coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    DebriefRequest,
    DebriefStatus,
    Role,
    SessionLog,
    Volunteer,
    utcnow,
)
from listening.volunteers import volunteer_of


def offer_debrief(session: Session, *, volunteer_id: int, session_log_id: int | None, actor: Account | None,
                  now: datetime | None = None) -> DebriefRequest:
    """A debrief waiting for a coordinator; one open request per volunteer is enough."""
    existing = session.exec(
        select(DebriefRequest).where(DebriefRequest.volunteer_id == volunteer_id,
                                     DebriefRequest.status == DebriefStatus.requested)
    ).first()
    if existing is not None:
        return existing
    debrief = DebriefRequest(volunteer_id=volunteer_id, session_log_id=session_log_id, requested_at=now or utcnow())
    session.add(debrief)
    session.flush()
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.debrief_requested, entity="debrief_request",
                 entity_id=debrief.id, details={"volunteer_id": volunteer_id, "session_log_id": session_log_id})
    return debrief


def request_debrief(session: Session, *, actor: Account, session_log_id: int | None = None) -> DebriefRequest:
    """A volunteer asks to talk a session through with a coordinator."""
    volunteer = volunteer_of(session, actor)
    if session_log_id is not None:
        log = session.get(SessionLog, session_log_id)
        if log is None or log.volunteer_id != volunteer.id:
            raise NotFound(N_("Session log {id} does not exist."), id=session_log_id)
    return offer_debrief(session, volunteer_id=volunteer.id, session_log_id=session_log_id, actor=actor)


@dataclass(frozen=True)
class DebriefView:
    id: int
    volunteer_id: int
    volunteer_name: str
    requested_at: datetime
    session_log_id: int | None


def open_debriefs(session: Session, *, actor: Account) -> list[DebriefView]:
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(DebriefRequest, Volunteer)
        .join(Volunteer, col(Volunteer.id) == col(DebriefRequest.volunteer_id))
        .where(DebriefRequest.status == DebriefStatus.requested)
        .order_by(col(DebriefRequest.requested_at))
    ).all()
    return [DebriefView(d.id, v.id, v.full_name, d.requested_at, d.session_log_id) for d, v in rows]


def handle_debrief(session: Session, *, actor: Account, debrief_id: int, outcome: DebriefStatus,
                   now: datetime | None = None) -> DebriefRequest:
    """requested -> held | declined."""
    require_role(actor, Role.coordinator)
    if outcome not in (DebriefStatus.held, DebriefStatus.declined):
        raise InvalidInput(N_("A debrief is either held or declined."), field="outcome")
    debrief = session.get(DebriefRequest, debrief_id, with_for_update=True, populate_existing=True)
    if debrief is None:
        raise NotFound(N_("Debrief request {id} does not exist."), id=debrief_id)
    if debrief.status != DebriefStatus.requested:
        raise IllegalTransition(N_("This debrief request has already been handled."))
    debrief.status, debrief.handled_by, debrief.handled_at = outcome, actor.id, now or utcnow()
    session.add(debrief)
    audit.record(session, actor_id=actor.id, action=AuditAction(f"debrief.{outcome.value}"), entity="debrief_request",
                 entity_id=debrief.id, details={"volunteer_id": debrief.volunteer_id})
    return debrief
