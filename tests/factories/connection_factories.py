"""Builders for the activity catalogue, suggestions and a resident's held sessions (connection, signals, reports)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from listening.models import (
    Account,
    Activity,
    ActivityFollowUp,
    ActivityKind,
    ActivityLanguage,
    ActivitySuggestion,
    FollowUpAnswer,
    Language,
    ListeningRequest,
    Mode,
    Outcome,
    RequestStatus,
    Resident,
    SessionLog,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
)
from tests import factories


def activity(session: Session, contact: Account, *, name: str = "象棋搭子", kind: ActivityKind = ActivityKind.dazi_group,
             place: str = "粤海街道党群服务中心二楼", schedule: str = "每周三 19:00", free: bool = True,
             cost: str | None = None, name_en: str | None = "Chess partners", retired_at: datetime | None = None,
             community_code: str = "yuehai") -> Activity:
    row = Activity(name_zh=name, name_en=name_en, kind=kind, community_id=factories.community(session, community_code).id,
                   place=place, schedule=schedule, free=free, cost=cost, contact_id=contact.id, retired_at=retired_at)
    session.add(row)
    session.flush()
    session.add(ActivityLanguage(activity_id=row.id, language=Language.mandarin))
    session.flush()
    return row


def held_visit(session: Session, *, resident: Resident, volunteers: list[Volunteer], starts_at: datetime,
               wants_same_volunteer: bool = False, note: str = "", held: bool = True) -> Visit:
    """A completed request with one visit at `starts_at`, logged (held, unless told otherwise) by each volunteer."""
    request = ListeningRequest(resident_id=resident.id, mode=Mode.phone, language=Language.mandarin,
                               status=RequestStatus.completed, wants_same_volunteer=wants_same_volunteer,
                               created_at=starts_at - timedelta(days=2))
    session.add(request)
    session.flush()
    visit = Visit(request_id=request.id, mode=Mode.phone, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                  status=VisitStatus.completed)
    session.add(visit)
    session.flush()
    for index, volunteer in enumerate(volunteers):
        session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer.id, starts_at=starts_at, live=False,
                                   role=VisitRole.lead if index == 0 else VisitRole.partner))
        session.add(SessionLog(visit_id=visit.id, volunteer_id=volunteer.id,
                               outcome=Outcome.held if held else Outcome.no_answer,
                               actual_start=starts_at if held else None,
                               actual_end=starts_at + timedelta(minutes=50) if held else None,
                               mood_before=3 if held else None, mood_after=4 if held else None, note=note,
                               created_at=starts_at + timedelta(hours=1)))
    session.flush()
    return visit


def suggestion(session: Session, *, resident: Resident, activity_row: Activity, volunteer: Volunteer, visit: Visit,
               on: date, answers: dict[int, FollowUpAnswer] | None = None,
               recorded_by: Account | None = None) -> ActivitySuggestion:
    row = ActivitySuggestion(resident_id=resident.id, activity_id=activity_row.id, visit_id=visit.id,
                             suggested_by=volunteer.id, suggested_on=on)
    session.add(row)
    session.flush()
    for weeks, answer in (answers or {}).items():
        session.add(ActivityFollowUp(suggestion_id=row.id, weeks=weeks, answer=answer,
                                     recorded_by=recorded_by.id if recorded_by else None))
    session.flush()
    return row
