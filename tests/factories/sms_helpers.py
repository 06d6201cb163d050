"""Small builders shared by the SMS tests: a resident with a scheduled visit and two volunteers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from listening.models import (
    Language,
    ListeningRequest,
    Mode,
    RequestStatus,
    Resident,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    utcnow,
)
from tests import factories

RESIDENT_PHONE = "+8613800138000"
ABROAD_PHONE = "+447700900123"


def resident(session: Session, *, phone: str = RESIDENT_PHONE, locale: str = "zh_CN", consent: bool = True) -> Resident:
    return factories.resident(session, phone=phone, locale=locale, consented_at=utcnow(), sms_consent=consent)


def scheduled_visit(session: Session, *, starts_at: datetime | None = None, phone: str = RESIDENT_PHONE,
                    locale: str = "zh_CN", status: RequestStatus = RequestStatus.scheduled,
                    volunteers: int = 2, consent: bool = True) -> Visit:
    who = resident(session, phone=phone, locale=locale, consent=consent)
    request = ListeningRequest(resident_id=who.id, mode=Mode.centre, language=Language.mandarin, status=status)
    session.add(request)
    session.flush()
    starts_at = starts_at or utcnow() + timedelta(days=3)
    visit = Visit(request_id=request.id, mode=Mode.centre, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                  status=VisitStatus.confirmed if status == RequestStatus.confirmed else VisitStatus.scheduled)
    session.add(visit)
    session.flush()
    for index in range(volunteers):
        _, volunteer = factories.volunteer(session, f"vol{visit.id}_{index}", phone=f"+861390000{visit.id:02d}{index:02d}")
        session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer.id,
                                   role=VisitRole.lead if index == 0 else VisitRole.partner, starts_at=starts_at))
    session.flush()
    return visit
