"""Each volunteer's supervisor, and the one-to-one and group supervision sessions they hold, with attendance.

Only who and when is kept: what was talked about in supervision stays in the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import N_, format_date
from listening.core.permissions import may_supervise, require_role
from listening.models import (
    Account,
    Role,
    SupervisionAttendance,
    SupervisionKind,
    SupervisionSession,
    Volunteer,
    VolunteerStatus,
    VolunteerSupervisor,
)
from listening.volunteers import volunteer_of

MAX_GROUP = 30  # a supervision group larger than this is a lecture, and a typing mistake more likely


def _supervisor(session: Session, supervisor_id: int) -> Account:
    supervisor = session.get(Account, supervisor_id)
    if supervisor is None or not may_supervise(supervisor):
        raise InvalidInput(N_("Choose a supervisor: a coordinator's active account."), field="supervisor_id")
    return supervisor


def supervisors(session: Session, *, actor: Account) -> list[Account]:
    """The accounts that may supervise, by name."""
    require_role(actor, Role.coordinator)
    rows = session.exec(select(Account).where(Account.role == Role.coordinator, Account.is_active)
                        .order_by(col(Account.display_name))).all()
    return [a for a in rows if may_supervise(a)]


def assign_supervisor(session: Session, *, actor: Account, volunteer_id: int, supervisor_id: int,
                      on: date | None = None) -> VolunteerSupervisor:
    """Give the volunteer a supervisor, or a new one (the assignment is replaced, the audit keeps the old one)."""
    require_role(actor, Role.coordinator)
    on = on or today()
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    if volunteer.status == VolunteerStatus.left:
        raise InvalidInput(N_("{name} has left the programme."), field="volunteer_id", name=volunteer.full_name)
    _supervisor(session, supervisor_id)
    row = session.get(VolunteerSupervisor, volunteer_id)
    before = row.supervisor_id if row else None
    if row is None:
        row = VolunteerSupervisor(volunteer_id=volunteer_id, supervisor_id=supervisor_id, assigned_on=on,
                                  assigned_by=actor.id)
    else:
        row.supervisor_id, row.assigned_on, row.assigned_by = supervisor_id, on, actor.id
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_supervisor_assigned, entity="volunteer",
                 entity_id=volunteer_id, details={"supervisor_id": supervisor_id, "previous": before})
    return row


def log_supervision(session: Session, *, actor: Account, kind: SupervisionKind, held_on: date, supervisor_id: int,
                    attended: list[int], absent: list[int] | None = None,
                    on: date | None = None) -> SupervisionSession:
    """A supervision session held on `held_on`: the volunteers who came, and those expected who did not."""
    require_role(actor, Role.coordinator)
    on = on or today()
    absent = absent or []
    if held_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="held_on", date=format_date(held_on))
    if set(attended) & set(absent):
        raise InvalidInput(N_("A volunteer cannot both attend and be absent."), field="attended")
    if not attended:
        raise InvalidInput(N_("Choose the volunteers who attended."), field="attended")
    if kind == SupervisionKind.one_to_one and len(attended) + len(absent) != 1:
        raise InvalidInput(N_("A one-to-one session has exactly one volunteer."), field="attended")
    if len(attended) + len(absent) > MAX_GROUP:
        raise InvalidInput(N_("A group has at most {n} volunteers."), field="attended", n=MAX_GROUP)
    _supervisor(session, supervisor_id)
    ids = set(attended) | set(absent)
    found = set(session.exec(select(Volunteer.id).where(col(Volunteer.id).in_(ids))).all())
    if found != ids:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=min(ids - found))
    row = SupervisionSession(kind=kind, held_on=held_on, supervisor_id=supervisor_id, recorded_by=actor.id)
    session.add(row)
    session.flush()
    session.add_all([SupervisionAttendance(session_id=row.id, volunteer_id=v, attended=True) for v in attended]
                    + [SupervisionAttendance(session_id=row.id, volunteer_id=v, attended=False) for v in absent])
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.supervision_logged, entity="supervision_session",
                 entity_id=row.id, details={"kind": kind.value, "held_on": held_on.isoformat(),
                                            "attended": len(attended), "absent": len(absent)})
    return row


@dataclass(frozen=True)
class SupervisionEntry:
    held_on: date
    kind: SupervisionKind
    supervisor: str  # display name
    attended: bool


@dataclass(frozen=True)
class SupervisionRecord:
    supervisor: str | None
    entries: list[SupervisionEntry]  # newest first

    @property
    def last_attended(self) -> date | None:
        return next((e.held_on for e in self.entries if e.attended), None)


def supervision_record(session: Session, *, volunteer_id: int) -> SupervisionRecord:
    assigned = session.exec(select(Account.display_name).join(
        VolunteerSupervisor, col(VolunteerSupervisor.supervisor_id) == col(Account.id))
        .where(VolunteerSupervisor.volunteer_id == volunteer_id)).first()
    rows = session.exec(
        select(SupervisionSession.held_on, SupervisionSession.kind, Account.display_name,
               SupervisionAttendance.attended)
        .join(SupervisionAttendance, col(SupervisionAttendance.session_id) == col(SupervisionSession.id))
        .join(Account, col(Account.id) == col(SupervisionSession.supervisor_id))
        .where(SupervisionAttendance.volunteer_id == volunteer_id)
        .order_by(col(SupervisionSession.held_on).desc(), col(SupervisionSession.id).desc())).all()
    return SupervisionRecord(assigned, [SupervisionEntry(*row) for row in rows])


def my_supervision(session: Session, *, actor: Account) -> SupervisionRecord:
    """The signed-in volunteer's own supervisor and supervision sessions."""
    return supervision_record(session, volunteer_id=volunteer_of(session, actor).id)
