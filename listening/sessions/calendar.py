"""The week calendar: the visits of one week by local day, for a coordinator (every visit) or a volunteer (their
own). Days are the programme's local days: a visit at 00:30 in Shenzhen is on that day, not the UTC one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import clock
from listening.core.permissions import require_role
from listening.models import (
    Account,
    ListeningRequest,
    Mode,
    Resident,
    Role,
    UnverifiedDetails,
    Visit,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerHold,
)
from listening.privacy import views
from listening.safeguarding import holds
from listening.volunteers import availability, volunteer_of

# A proposal is not a visit yet (the matching page shows them), and a withdrawn one never was.
CALENDAR_STATUSES = (VisitStatus.scheduled, VisitStatus.confirmed, VisitStatus.completed, VisitStatus.no_show,
                     VisitStatus.cancelled)


@dataclass(frozen=True)
class CalendarVisit:
    visit_id: int
    request_id: int
    starts_at: datetime
    ends_at: datetime
    mode: Mode
    status: VisitStatus
    resident_name: str
    volunteer_names: tuple[str, ...]  # the lead first
    held: bool = False  # a volunteer on it is held for a safeguarding decision (safeguarding/holds.py)


@dataclass(frozen=True)
class WeekCalendar:
    week_start: date  # a Monday
    days: tuple[tuple[date, tuple[CalendarVisit, ...]], ...]  # the seven local days, each with its visits in order

    @property
    def count(self) -> int:
        return sum(len(visits) for _, visits in self.days)


def week_visits(session: Session, *, actor: Account, week_start: date) -> WeekCalendar:
    """The visits of the week that holds `week_start`, by local day, in one query: every visit for a
    coordinator, a volunteer's own for a volunteer. Names shown are a view of those residents (recorded)."""
    require_role(actor, Role.coordinator, Role.volunteer)
    week_start = availability.week_start_of(week_start)
    window = clock.day_bounds(week_start, week_start + timedelta(days=6))
    # In the same query: whether this row's volunteer is held for a safeguarding decision (safeguarding/holds.py).
    on_hold = sa.exists().where(VolunteerHold.volunteer_id == VisitVolunteer.volunteer_id,
                                col(VolunteerHold.decided_at).is_(None))
    query = (
        select(Visit, sa.func.coalesce(UnverifiedDetails.display_name, Resident.display_name), Resident.id,
               Volunteer.full_name, on_hold)
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .join(UnverifiedDetails, col(UnverifiedDetails.request_id) == col(ListeningRequest.id), isouter=True)
        .join(VisitVolunteer, col(VisitVolunteer.visit_id) == col(Visit.id), isouter=True)
        .join(Volunteer, col(Volunteer.id) == col(VisitVolunteer.volunteer_id), isouter=True)
        .where(window.holds(col(Visit.starts_at)), col(Visit.status).in_(CALENDAR_STATUSES))
        # The lead before the partner: "lead" < "partner" as text, in both databases.
        .order_by(col(Visit.starts_at), col(Visit.id), col(VisitVolunteer.role), col(VisitVolunteer.volunteer_id))
    )
    if actor.role == Role.volunteer:
        own = select(VisitVolunteer.visit_id).where(VisitVolunteer.volunteer_id == volunteer_of(session, actor).id)
        query = query.where(col(Visit.id).in_(own))
    visits: dict[int, Visit] = {}
    names: dict[int, tuple[str, int]] = {}
    team: dict[int, list[str]] = defaultdict(list)
    held: set[int] = set()
    for visit, resident_name, resident_id, volunteer_name, volunteer_held in session.exec(query):
        visits.setdefault(visit.id, visit)
        if volunteer_held and visit.status in holds.HOLDABLE:
            held.add(visit.id)
        names[visit.id] = (resident_name, resident_id)
        if volunteer_name is not None:
            team[visit.id].append(volunteer_name)
    views.record_view(session, viewer=actor, resident_ids=[resident_id for _, resident_id in names.values()],
                      context=views.ViewContext.calendar)
    by_day: dict[date, list[CalendarVisit]] = defaultdict(list)
    for visit in visits.values():
        by_day[clock.local_date(visit.starts_at)].append(CalendarVisit(
            visit_id=visit.id, request_id=visit.request_id, starts_at=visit.starts_at, ends_at=visit.ends_at,
            mode=visit.mode, status=visit.status, resident_name=names[visit.id][0],
            volunteer_names=tuple(team[visit.id]), held=visit.id in held))
    days = tuple((week_start + timedelta(days=n), tuple(by_day.get(week_start + timedelta(days=n), ())))
                 for n in range(7))
    return WeekCalendar(week_start=week_start, days=days)
