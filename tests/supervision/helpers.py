"""A listening volunteer (every module, the observed sessions, every competency) and a supervisor."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from listening.models import (
    CompletionMethod,
    Outcome,
    SessionLog,
    ShadowSession,
    TrainingCompletion,
    VisitStatus,
    Volunteer,
)
from listening.volunteers.training import curriculum, sync_curriculum
from tests import factories
from tests.factories import session_factories


def listener(session: Session, *, name: str = "陈静", phone: str = "+8613900001234", joined: date,
             username: str | None = None, competencies: bool = True) -> Volunteer:
    """Certified for every mode since `joined` + 20 days (the mentor is another volunteer written directly)."""
    _, volunteer = factories.volunteer(session, username, name=name, phone=phone)
    volunteer.joined_on = joined
    session.add(volunteer)
    _, mentor = factories.volunteer(session, None, name="导师" + name, phone=phone[:-1] + "9")
    done = joined + timedelta(days=10)
    for module in sync_curriculum(session):
        session.add(TrainingCompletion(volunteer_id=volunteer.id, module_id=module.id, completed_on=done,
                                       method=CompletionMethod.attendance))
    for k in range(curriculum().shadow_sessions_required):
        session.add(ShadowSession(volunteer_id=volunteer.id, mentor_id=mentor.id, observed_on=done + timedelta(days=k)))
    session.flush()
    if competencies:
        factories.signed_competencies(session, volunteer, on=done + timedelta(days=5))
    return volunteer


def held_session(session: Session, volunteer: Volunteer, *, starts_at: datetime, minutes: int = 60) -> SessionLog:
    """A completed visit led by `volunteer` with its held session log."""
    visit = session_factories.visit(session, volunteers=[volunteer], starts_at=starts_at,
                                    status=VisitStatus.completed, minutes=minutes)
    log = SessionLog(visit_id=visit.id, volunteer_id=volunteer.id, outcome=Outcome.held, mode=visit.mode,
                     actual_start=starts_at, actual_end=starts_at + timedelta(minutes=minutes))
    session.add(log)
    session.flush()
    return log
