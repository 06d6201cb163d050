"""Builders for visits that are ready to be logged (sessions and safeguarding tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from listening.models import (
    Account,
    Language,
    ListeningRequest,
    Mode,
    RequestStatus,
    Resident,
    Role,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
)
from listening.staff.auth import create_account
from tests import factories

# 10:00 in Shenzhen on a Wednesday.
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
_phones = iter(range(10_000))


def coordinator(session: Session, username: str = "coord", *, phone: str | None = "+8613800000001",
                locale: str = "zh_CN") -> Account:
    account = create_account(session, username=username, password=factories.PASSWORD, display_name=username,
                             role=Role.coordinator, phone=phone)
    account.locale = locale
    session.add(account)
    session.flush()
    return account


def resident(session: Session, *, name: str = "张阿姨") -> Resident:
    return factories.resident(session, name=name, phone=f"+86137{0:04d}{next(_phones):04d}",
                              consented_at=NOW - timedelta(days=30), sms_consent=False)


def visit(session: Session, *, volunteers: list[Volunteer], starts_at: datetime = NOW - timedelta(hours=2),
          mode: Mode = Mode.centre, resident_row: Resident | None = None,
          status: VisitStatus = VisitStatus.confirmed, minutes: int = 60) -> Visit:
    """A request with one visit staffed by `volunteers` (first leads); request status follows the visit."""
    resident_row = resident_row or resident(session)
    request_status = {VisitStatus.proposed: RequestStatus.matched, VisitStatus.scheduled: RequestStatus.scheduled,
                      VisitStatus.confirmed: RequestStatus.confirmed, VisitStatus.completed: RequestStatus.completed,
                      VisitStatus.cancelled: RequestStatus.cancelled,
                      VisitStatus.no_show: RequestStatus.no_show}[status]
    request = ListeningRequest(resident_id=resident_row.id, mode=mode, language=Language.mandarin,
                               status=request_status, created_at=starts_at - timedelta(days=3))
    session.add(request)
    session.flush()
    row = Visit(request_id=request.id, mode=mode, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                status=status)
    session.add(row)
    session.flush()
    live = status in (VisitStatus.proposed, VisitStatus.scheduled, VisitStatus.confirmed)
    for index, volunteer in enumerate(volunteers):
        session.add(VisitVolunteer(visit_id=row.id, volunteer_id=volunteer.id,
                                   role=VisitRole.lead if index == 0 else VisitRole.partner,
                                   starts_at=starts_at, live=live))
    session.flush()
    return row
