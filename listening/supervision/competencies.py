"""Supervised practice: a trainer signs off each competency they saw a volunteer show, in a role-play or a first
session. The ladder (volunteers/training/ladder.py) keeps a volunteer on the shadowing step until all are signed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.core.i18n import N_, format_date
from listening.core.labels import label
from listening.core.permissions import may_supervise, require_role
from listening.models import Account, Competency, CompetencySignoff, ObservedIn, Role, Volunteer

COMPETENCIES = tuple(Competency)
SIGNABLE_IN = (ObservedIn.role_play, ObservedIn.first_session)  # carried_over is only written by migration 0011


@dataclass(frozen=True)
class CompetencyState:
    competency: Competency
    signoff: CompetencySignoff | None  # None: not signed off yet


def sign_off(session: Session, *, actor: Account, volunteer_id: int, competency: Competency,
             observed_in: ObservedIn, observed_on: date, on: date | None = None) -> CompetencySignoff:
    """The signed-in trainer saw the volunteer show `competency` on `observed_on`."""
    require_role(actor, Role.coordinator)
    if not may_supervise(actor):
        raise NotAllowed(N_("Only a supervisor may sign off a competency."))
    on = on or today()
    if observed_in not in SIGNABLE_IN:
        raise InvalidInput(N_("Choose a role-play or a first session."), field="observed_in")
    if observed_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="observed_on", date=format_date(observed_on))
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    if observed_on < volunteer.joined_on:
        raise InvalidInput(N_("The date {date} is before the volunteer joined."), field="observed_on",
                           date=format_date(observed_on))
    signed = session.exec(select(CompetencySignoff).where(CompetencySignoff.volunteer_id == volunteer_id,
                                                          CompetencySignoff.competency == competency)).first()
    if signed is not None:
        raise IllegalTransition(N_("{competency} is already signed off for {name}."), competency=label(competency),
                                name=volunteer.full_name)
    row = CompetencySignoff(volunteer_id=volunteer_id, competency=competency, observed_in=observed_in,
                            observed_on=observed_on, signed_by=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_competency_signed, entity="volunteer",
                 entity_id=volunteer_id, details={"competency": competency.value, "observed_in": observed_in.value,
                                                  "observed_on": observed_on.isoformat()})
    return row


def competency_states(session: Session, *, volunteer_id: int) -> list[CompetencyState]:
    """Every competency in the order trainers teach them, with its sign-off if there is one."""
    rows = {r.competency: r for r in session.exec(
        select(CompetencySignoff).where(CompetencySignoff.volunteer_id == volunteer_id))}
    return [CompetencyState(c, rows.get(c)) for c in COMPETENCIES]


def signed_on_by_volunteer(session: Session, volunteer_ids: list[int] | None) -> dict[int, dict[Competency, date]]:
    """volunteer -> competency -> the day it was observed (the ladder's view: columns only)."""
    query = select(CompetencySignoff.volunteer_id, CompetencySignoff.competency, CompetencySignoff.observed_on)
    if volunteer_ids is not None:
        query = query.where(col(CompetencySignoff.volunteer_id).in_(volunteer_ids))
    result: dict[int, dict[Competency, date]] = {}
    for volunteer_id, competency, observed_on in session.exec(query):
        result.setdefault(volunteer_id, {})[competency] = observed_on
    return result
