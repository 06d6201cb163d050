"""A listening volunteer (every module, the observed sessions, every competency) and a supervisor."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from listening.models import CompletionMethod, ShadowSession, TrainingCompletion, Volunteer
from listening.volunteers.training import curriculum, sync_curriculum
from tests import factories


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
