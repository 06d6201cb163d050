"""Visits as a volunteer sees them: contact details only for their own upcoming visits."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.phones import mask
from listening.models import (
    Account,
    Language,
    ListeningRequest,
    Mode,
    Resident,
    SessionLog,
    Visit,
    VisitStatus,
    VisitVolunteer,
    utcnow,
)
from listening.volunteers import volunteer_of

LIVE_VISIT_STATUSES = (VisitStatus.scheduled, VisitStatus.confirmed)


class VolunteerVisit(BaseModel):
    visit_id: int
    starts_at: datetime
    ends_at: datetime
    mode: Mode
    status: VisitStatus
    language: Language
    resident_name: str
    resident_phone: str  # full for the volunteer's own upcoming visits, masked otherwise
    address: str | None
    logged: bool


def my_visits(session: Session, *, actor: Account, now: datetime | None = None,
              past_days: int = 60) -> tuple[list[VolunteerVisit], list[VolunteerVisit]]:
    """(upcoming, recent past) visits of the signed-in volunteer. Reading contact details is audited."""
    now = now or utcnow()
    volunteer = volunteer_of(session, actor)
    rows = session.exec(
        select(Visit, ListeningRequest, Resident)
        .join(VisitVolunteer, col(VisitVolunteer.visit_id) == col(Visit.id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .where(VisitVolunteer.volunteer_id == volunteer.id)
        .where(col(Visit.starts_at) >= now - timedelta(days=past_days))
        .order_by(col(Visit.starts_at))
    ).all()
    logged = set(
        session.exec(select(SessionLog.visit_id).where(SessionLog.volunteer_id == volunteer.id)).all()
    )
    upcoming, past, revealed = [], [], []
    for visit, request, resident in rows:
        is_upcoming = visit.ends_at >= now and visit.status in LIVE_VISIT_STATUSES
        item = VolunteerVisit(
            visit_id=visit.id,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            mode=visit.mode,
            status=visit.status,
            language=request.language,
            resident_name=resident.display_name,
            resident_phone=resident.phone if is_upcoming else mask(resident.phone),
            address=resident.address if is_upcoming and visit.mode == Mode.home else None,
            logged=visit.id in logged,
        )
        if is_upcoming:
            upcoming.append(item)
            revealed.append(resident.id)
        else:
            past.append(item)
    if revealed:
        audit.record(session, actor_id=actor.id, action=AuditAction.resident_contact_viewed, entity="resident",
                     details={"resident_ids": sorted(set(revealed)), "context": "my_visits"})
    past.reverse()
    return upcoming, past
