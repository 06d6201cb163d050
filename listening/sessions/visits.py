"""Visits as a volunteer sees them: contact details only from 24 h before to 24 h after their own visit
(listening/privacy/access.py); every view of a resident in them is recorded (listening/privacy/views.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

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
from listening.privacy import access, views
from listening.sessions.logs import NOT_LOGGABLE
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
    resident_phone: str  # full around the volunteer's own visit (privacy.access), masked otherwise
    address: str | None
    logged: bool
    phone_callable: bool = False  # inside the contact window: resident_phone is the full number, to call
    needs_log: bool = False  # held (started, not cancelled) and not logged yet: the volunteer should log it


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
    upcoming, past, revealed, shown = [], [], [], []
    for visit, request, resident in rows:
        is_upcoming = visit.ends_at >= now and visit.status in LIVE_VISIT_STATUSES
        contact = access.volunteer_contact(visit, phone=resident.phone, address=resident.address, own=True, now=now)
        item = VolunteerVisit(
            visit_id=visit.id,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            mode=visit.mode,
            status=visit.status,
            language=request.language,
            resident_name=resident.display_name,
            resident_phone=contact.phone,
            address=contact.address,
            logged=visit.id in logged,
            phone_callable=contact.full,
            needs_log=(visit.id not in logged and visit.starts_at <= now and visit.status not in NOT_LOGGABLE),
        )
        (upcoming if is_upcoming else past).append(item)
        (revealed if contact.full else shown).append(resident.id)
    # Names (and masked numbers) are a view too; the full number or address is a contact view.
    views.record_view(session, viewer=actor, resident_ids=revealed, context=views.ViewContext.my_visits,
                      contact=True, now=now)
    views.record_view(session, viewer=actor, resident_ids=set(shown) - set(revealed),
                      context=views.ViewContext.my_visits, now=now)
    past.reverse()
    return upcoming, past
