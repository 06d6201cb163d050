"""Who an escalation is about (the resident) and who raised it or saw them last (the volunteer), and their numbers.

The coordinator sees both masked on the escalation's card; the full number is shown only after they press
"reveal to call", and every reveal is an audit event naming who revealed whose number. The numbers come from the
resident and volunteer rows, not from the request's state, so they are still there after the request is completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.phones import mask
from listening.models import (
    Account,
    Escalation,
    ListeningRequest,
    Resident,
    Role,
    SessionLog,
    Visit,
    VisitRole,
    VisitVolunteer,
    Volunteer,
)

Person = Literal["resident", "volunteer"]


@dataclass(frozen=True)
class People:
    request_id: int | None
    resident: Resident | None
    volunteer: Volunteer | None


def people_of(session: Session, escalation: Escalation) -> People:
    """The request, resident and volunteer behind an escalation (any of them may be missing)."""
    request_id = escalation.request_id
    volunteer = None
    if escalation.session_log_id is not None:
        log = session.get(SessionLog, escalation.session_log_id)
        if log is not None:
            volunteer = session.get(Volunteer, log.volunteer_id)
            visit = session.get(Visit, log.visit_id)
            request_id = request_id or (visit.request_id if visit else None)
    request = session.get(ListeningRequest, request_id) if request_id else None
    resident = session.get(Resident, request.resident_id) if request else None
    if volunteer is None and request is not None:
        # A request's escalation (risk words, unanswered calls): the lead volunteer of its latest visit.
        volunteer = session.exec(
            select(Volunteer)
            .join(VisitVolunteer, col(VisitVolunteer.volunteer_id) == col(Volunteer.id))
            .join(Visit, col(Visit.id) == col(VisitVolunteer.visit_id))
            .where(Visit.request_id == request.id, VisitVolunteer.role == VisitRole.lead)
            .order_by(col(Visit.starts_at).desc(), col(Visit.id).desc())
        ).first()
    return People(request_id=request.id if request else None, resident=resident, volunteer=volunteer)


def people_by_escalation(session: Session, escalations: list[Escalation]) -> dict[int, People]:
    """people_of for many escalations in a fixed number of statements (not one round per escalation)."""
    log_ids = {e.session_log_id for e in escalations if e.session_log_id is not None}
    logs = _by_id(session, SessionLog, log_ids)
    visits = _by_id(session, Visit, {log.visit_id for log in logs.values()})
    volunteers = _by_id(session, Volunteer, {log.volunteer_id for log in logs.values()})
    request_of: dict[int, int | None] = {}
    volunteer_of: dict[int, Volunteer | None] = {}
    for e in escalations:
        log = logs.get(e.session_log_id) if e.session_log_id is not None else None
        visit = visits.get(log.visit_id) if log is not None else None
        request_of[e.id] = e.request_id or (visit.request_id if visit else None)
        volunteer_of[e.id] = volunteers.get(log.volunteer_id) if log is not None else None
    requests = _by_id(session, ListeningRequest, {r for r in request_of.values() if r})
    residents = _by_id(session, Resident, {r.resident_id for r in requests.values()})
    leads = _latest_leads(session, {request_of[e.id] for e in escalations
                                    if volunteer_of[e.id] is None and request_of[e.id] in requests})
    people = {}
    for e in escalations:
        request = requests.get(request_of[e.id]) if request_of[e.id] else None
        volunteer = volunteer_of[e.id]
        if volunteer is None and request is not None:
            volunteer = leads.get(request.id)
        people[e.id] = People(request_id=request.id if request else None,
                              resident=residents.get(request.resident_id) if request else None, volunteer=volunteer)
    return people


def _by_id(session: Session, model, ids: set) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}


def _latest_leads(session: Session, request_ids: set[int]) -> dict[int, Volunteer]:
    """Each request's lead volunteer of its latest visit, the same choice people_of makes."""
    if not request_ids:
        return {}
    rows = session.exec(
        select(Visit.request_id, Volunteer)
        .join(VisitVolunteer, col(VisitVolunteer.volunteer_id) == col(Volunteer.id))
        .join(Visit, col(Visit.id) == col(VisitVolunteer.visit_id))
        .where(col(Visit.request_id).in_(request_ids), VisitVolunteer.role == VisitRole.lead)
        .order_by(col(Visit.starts_at).desc(), col(Visit.id).desc())
    )
    leads: dict[int, Volunteer] = {}
    for request_id, volunteer in rows:
        leads.setdefault(request_id, volunteer)
    return leads


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    phone_masked: str


def contacts(people: People) -> tuple[Contact | None, Contact | None]:
    """(resident, volunteer), numbers masked."""
    resident = (Contact(people.resident.id, people.resident.display_name, mask(people.resident.phone))
                if people.resident else None)
    volunteer = (Contact(people.volunteer.id, people.volunteer.full_name, mask(people.volunteer.phone))
                 if people.volunteer else None)
    return resident, volunteer


def reveal_phone(session: Session, *, actor: Account, escalation_id: int, person: Person) -> str:
    """The full number of the escalation's resident or volunteer, for a coordinator about to call; audited."""
    require_role(actor, Role.coordinator)
    if person not in ("resident", "volunteer"):
        raise InvalidInput(N_("Choose the resident or the volunteer."), field="person")
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(N_("Escalation {id} does not exist."), id=escalation_id)
    people = people_of(session, escalation)
    row = people.resident if person == "resident" else people.volunteer
    if row is None or not row.phone:
        raise NotFound(N_("There is no phone number for this person."))
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_contact_revealed, entity="escalation",
                 entity_id=escalation.id, details={"person": person, f"{person}_id": row.id})
    return row.phone
