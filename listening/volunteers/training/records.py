"""Recording training: completions for many volunteers at once, observed (shadow) sessions, new applicants."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import N_, format_date
from listening.core.permissions import require_role
from listening.core.phones import normalise
from listening.core.text import clean_typed
from listening.models import (
    Account,
    Community,
    CompletionMethod,
    Gender,
    Language,
    Role,
    ShadowSession,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerLanguage,
)
from listening.volunteers.training.curriculum import module_title
from listening.volunteers.training.ladder import training_status


def record_completions(session: Session, *, actor: Account, volunteer_ids: list[int], module_codes: list[str],
                       completed_on: date, method: CompletionMethod = CompletionMethod.signoff,
                       on: date | None = None) -> list[TrainingCompletion]:
    """A coordinator records modules for many volunteers at once (a class, a sign-off). All or nothing."""
    require_role(actor, Role.coordinator)
    on = on or today()
    ids, codes = list(dict.fromkeys(volunteer_ids)), list(dict.fromkeys(module_codes))
    if not ids:
        raise InvalidInput(N_("Choose at least one volunteer."), field="volunteer_ids")
    if not codes:
        raise InvalidInput(N_("Choose at least one module."), field="module_codes")
    modules = {m.code: m for m in session.exec(select(TrainingModule).where(col(TrainingModule.code).in_(codes)))}
    for code in codes:
        if code not in modules:
            raise InvalidInput(N_("There is no training module {code}."), field="module_codes", code=code)
    if completed_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="completed_on",
                           date=format_date(completed_on))
    found = {v.id: v for v in session.exec(select(Volunteer).where(col(Volunteer.id).in_(ids)))}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(N_("There is no volunteer with the number {id}."), field="volunteer_ids", id=unknown[0])
    module_ids = [m.id for m in modules.values()]
    already = session.exec(select(TrainingCompletion).where(
        col(TrainingCompletion.module_id).in_(module_ids), TrainingCompletion.completed_on == completed_on,
        col(TrainingCompletion.volunteer_id).in_(ids))).first()
    if already:
        title = module_title(next(m for m in modules.values() if m.id == already.module_id))
        raise InvalidInput(N_("{name} already has {title} recorded on {date}."), field="volunteer_ids",
                           name=found[already.volunteer_id].full_name, title=title, date=format_date(completed_on))
    rows = [TrainingCompletion(volunteer_id=i, module_id=modules[code].id, completed_on=completed_on, method=method,
                               recorded_by=actor.id) for i in ids for code in codes]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_completions_recorded, entity="training_completion",
                 details={"modules": codes, "completed_on": completed_on.isoformat(), "volunteer_ids": ids,
                          "method": method.value})
    return rows


def record_shadow_session(session: Session, *, actor: Account, volunteer_id: int, mentor_id: int, observed_on: date,
                          on: date | None = None) -> ShadowSession:
    """A trainee observed a session beside a mentor, who must be listening on their own on that day."""
    require_role(actor, Role.coordinator)
    on = on or today()
    if observed_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="observed_on",
                           date=format_date(observed_on))
    if volunteer_id == mentor_id:
        raise InvalidInput(N_("A volunteer cannot be their own mentor."), field="mentor_id")
    volunteer, mentor = session.get(Volunteer, volunteer_id), session.get(Volunteer, mentor_id)
    if volunteer is None or mentor is None:
        raise NotFound(N_("There is no volunteer with the number {id}."),
                       id=volunteer_id if volunteer is None else mentor_id)
    if not training_status(session, volunteer_id=mentor_id, on=observed_on).modes:
        raise InvalidInput(N_("{name} was not certified to listen on {date}, so cannot be a mentor."),
                           field="mentor_id", name=mentor.full_name, date=format_date(observed_on))
    duplicate = session.exec(select(ShadowSession).where(
        ShadowSession.volunteer_id == volunteer_id, ShadowSession.mentor_id == mentor_id,
        ShadowSession.observed_on == observed_on)).first()
    if duplicate:
        raise InvalidInput(N_("This observed session is already recorded."), field="observed_on")
    row = ShadowSession(volunteer_id=volunteer_id, mentor_id=mentor_id, observed_on=observed_on,
                        signed_off_by=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_shadow_recorded, entity="volunteer",
                 entity_id=volunteer_id, details={"mentor_id": mentor_id, "observed_on": observed_on.isoformat()})
    return row


def add_applicant(session: Session, *, actor: Account, full_name: str, gender: Gender, phone: str,
                  community_id: int, languages: list[Language], joined_on: date | None = None) -> Volunteer:
    """A new volunteer at the foot of the ladder."""
    require_role(actor, Role.coordinator)
    full_name = clean_typed(full_name)
    if not full_name or len(full_name) > 100:
        raise InvalidInput(N_("Enter a name of 1 to 100 characters."), field="full_name")
    e164 = normalise(phone)
    if session.get(Community, community_id) is None:
        raise InvalidInput(N_("Choose a community."), field="community_id")
    if not languages:
        raise InvalidInput(N_("Choose at least one language."), field="languages")
    if session.exec(select(Volunteer).where(Volunteer.phone == e164)).first():
        raise InvalidInput(N_("A volunteer with this phone number is already registered."), field="phone")
    volunteer = Volunteer(full_name=full_name, gender=Gender(gender), phone=e164, community_id=community_id,
                          joined_on=joined_on or today())
    session.add(volunteer)
    session.flush()
    for language in dict.fromkeys(languages):
        session.add(VolunteerLanguage(volunteer_id=volunteer.id, language=Language(language)))
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_applicant_added, entity="volunteer",
                 entity_id=volunteer.id)  # no phone number in the details
    return volunteer
