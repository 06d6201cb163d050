"""A volunteer's time with the programme: pause (holiday, exams, with an optional expected return), return, leave.

active -> paused (pause) -> active (return); active or paused -> left (leave, with a reason; final: someone who
comes back applies again). Matching offers nobody who is away (`away_volunteer_ids`, called by matching/week.py),
nor a volunteer held until a coordinator decides on a scam or misconduct report (safeguarding/holds.py).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_, format_date
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import (
    Account,
    LeaveReason,
    PauseReason,
    Role,
    Volunteer,
    VolunteerDeparture,
    VolunteerHold,
    VolunteerPause,
    VolunteerStatus,
)


def _volunteer(session: Session, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    return volunteer


def open_pause(session: Session, volunteer_id: int) -> VolunteerPause | None:
    return session.exec(select(VolunteerPause).where(VolunteerPause.volunteer_id == volunteer_id,
                                                     col(VolunteerPause.returned_on).is_(None))).first()


def pause(session: Session, *, actor: Account, volunteer_id: int, reason: PauseReason, until: date | None = None,
          on: date | None = None) -> VolunteerPause:
    """The volunteer takes a break from today; `until` is the day they expect to be back, if known."""
    require_role(actor, Role.coordinator)
    on = on or today()
    volunteer = _volunteer(session, volunteer_id)
    if volunteer.status != VolunteerStatus.active:
        raise IllegalTransition(N_("{name} cannot be paused: their status is {status}."), name=volunteer.full_name,
                                status=label(volunteer.status))
    if until is not None and until <= on:
        raise InvalidInput(N_("The expected return must be after today."), field="until")
    row = VolunteerPause(volunteer_id=volunteer_id, reason=reason, starts_on=on, until_on=until, recorded_by=actor.id)
    volunteer.status = VolunteerStatus.paused
    session.add_all([row, volunteer])
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_paused, entity="volunteer",
                 entity_id=volunteer_id,
                 details={"reason": reason.value, "until": until.isoformat() if until else None})
    return row


def return_from_pause(session: Session, *, actor: Account, volunteer_id: int, on: date | None = None) -> Volunteer:
    require_role(actor, Role.coordinator)
    on = on or today()
    volunteer = _volunteer(session, volunteer_id)
    current = open_pause(session, volunteer_id)
    if volunteer.status != VolunteerStatus.paused or current is None:
        raise IllegalTransition(N_("{name} is not paused."), name=volunteer.full_name)
    current.returned_on = max(on, current.starts_on)
    volunteer.status = VolunteerStatus.active
    session.add_all([current, volunteer])
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_returned, entity="volunteer",
                 entity_id=volunteer_id, details={"paused_days": (current.returned_on - current.starts_on).days})
    return volunteer


def leave(session: Session, *, actor: Account, volunteer_id: int, reason: LeaveReason,
          on: date | None = None) -> VolunteerDeparture:
    """The volunteer leaves the programme (an open pause ends the same day)."""
    require_role(actor, Role.coordinator)
    on = on or today()
    volunteer = _volunteer(session, volunteer_id)
    if volunteer.status == VolunteerStatus.left:
        raise IllegalTransition(N_("{name} has already left."), name=volunteer.full_name)
    if on < volunteer.joined_on:
        raise InvalidInput(N_("The date {date} is before the volunteer joined."), field="on", date=format_date(on))
    current = open_pause(session, volunteer_id)
    if current is not None:
        current.returned_on = max(on, current.starts_on)
        session.add(current)
    row = VolunteerDeparture(volunteer_id=volunteer_id, reason=reason, left_on=on, recorded_by=actor.id)
    volunteer.status = VolunteerStatus.left
    session.add_all([row, volunteer])
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_left, entity="volunteer",
                 entity_id=volunteer_id, details={"reason": reason.value})
    return row


def away_volunteer_ids(session: Session) -> set[int]:
    """Volunteers who must not be offered a visit: paused (an open pause, or the status says so), left, or held
    (an undecided VolunteerHold)."""
    by_status = session.exec(select(Volunteer.id).where(col(Volunteer.status).in_(
        (VolunteerStatus.paused, VolunteerStatus.left)))).all()
    pausing = session.exec(select(VolunteerPause.volunteer_id).where(col(VolunteerPause.returned_on).is_(None))).all()
    held = session.exec(select(VolunteerHold.volunteer_id).where(col(VolunteerHold.decided_at).is_(None))).all()
    return set(by_status) | set(pausing) | set(held)
