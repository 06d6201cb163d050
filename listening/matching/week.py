"""The matching week, from the database: the instance of one local week, in exactly the structure of
docs/matching-instance.md (the same `python -m listening match` reads), so any run can be reproduced outside the
app. Training decides each volunteer's `modes`, availability decides their `slots`, sessions already booked and
cooling-off periods what is left of their week.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening import sessions
from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.matching.instance import SLOT_FORMAT, Instance
from listening.models import (
    Community,
    DoNotMatch,
    Gender,
    ListeningRequest,
    Mode,
    PartOfDay,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    SameNumberDecision,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerLanguage,
    VolunteerStatus,
    utcnow,
)
from listening.volunteers import availability, lifecycle, training, vetting

# The hours each part of the day offers as slot starts (morning 08-12, afternoon 12-18, evening 18-21).
PART_OF_DAY_HOURS = {
    PartOfDay.morning: range(8, 12),
    PartOfDay.afternoon: range(12, 18),
    PartOfDay.evening: range(18, 21),
}


def volunteer_key(volunteer_id: int) -> str:
    return f"v{volunteer_id}"


def request_key(request_id: int) -> str:
    return f"r{request_id}"


def id_of(key: str) -> int:
    return int(key[1:])


def slot_key(moment: datetime, tz) -> str:
    return moment.astimezone(tz).strftime(SLOT_FORMAT)


def slot_time(key: str, tz) -> datetime:
    return datetime.strptime(key, SLOT_FORMAT).replace(tzinfo=tz)




@dataclass
class WeekInstance:
    week_start: date
    data: dict[str, Any]  # the documented JSON structure
    now: datetime

    @property
    def instance(self) -> Instance:
        return Instance.from_dict(self.data)


def request_slots(windows: list[RequestTimeWindow], *, week_start: date, tz, after: datetime) -> list[datetime]:
    """The local hourly slots of a request's time windows that fall in the week and after `after`."""
    days = [week_start + timedelta(days=i) for i in range(7)]
    slots: set[datetime] = set()
    for window in windows:
        if window.on_date is not None:
            chosen = [d for d in days if d == window.on_date]
        else:
            chosen = [d for d in days if d.weekday() == window.weekday]
        for day in chosen:
            for hour in PART_OF_DAY_HOURS[window.part_of_day]:
                moment = datetime.combine(day, time(hour), tzinfo=tz)
                if moment > after and availability.wall_time_exists(moment):
                    slots.add(moment)
    return sorted(slots)


def _matchable_volunteers(session: Session, *, now: datetime) -> list[Volunteer]:
    resting = sessions.cooling_off_volunteer_ids(session, at=now)
    active = session.exec(select(Volunteer).where(Volunteer.status == VolunteerStatus.active)
                          .order_by(col(Volunteer.id))).all()
    vetted = vetting.vetted_volunteer_ids(session, [v.id for v in active])  # the training ladder is checked after
    away = lifecycle.away_volunteer_ids(session)  # paused, left or held (volunteers/lifecycle.py)
    return [v for v in active if v.id not in resting and v.id in vetted and v.id not in away]


def previous_volunteers(session: Session, resident_ids: list[int]) -> dict[int, int]:
    """Each resident's lead volunteer of their last completed visit."""
    rows = session.exec(
        select(ListeningRequest.resident_id, VisitVolunteer.volunteer_id)
        .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
        .join(VisitVolunteer, col(VisitVolunteer.visit_id) == col(Visit.id))
        .where(col(ListeningRequest.resident_id).in_(resident_ids))
        .where(Visit.status == VisitStatus.completed, VisitVolunteer.role == VisitRole.lead)
        .order_by(col(Visit.starts_at))
    ).all()
    return {resident_id: volunteer_id for resident_id, volunteer_id in rows}  # the last one wins


def residents_with_home_visit(session: Session, resident_ids: list[int]) -> set[int]:
    return set(session.exec(
        select(ListeningRequest.resident_id)
        .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
        .where(col(ListeningRequest.resident_id).in_(resident_ids))
        .where(Visit.status == VisitStatus.completed, Visit.mode == Mode.home)
    ).all())


def build_instance(session: Session, *, week_start: date, now: datetime | None = None,
                   request_ids: list[int] | None = None) -> WeekInstance:
    """The matching instance of the local week starting `week_start` (a Monday): every matchable volunteer and
    every new request (or just `request_ids`), in the documented format. Only slots after `now` are offered."""
    if week_start.weekday() != 0:
        raise InvalidInput(N_("A matching week starts on a Monday."), field="week_start")
    tz = availability.programme_tz()
    now = now or utcnow()
    communities = {c.id: c.code for c in session.exec(select(Community))}

    volunteers = _matchable_volunteers(session, now=now)
    ids = [v.id for v in volunteers]
    modes = training.eligible_modes(session, on=week_start, volunteer_ids=ids)
    languages: dict[int, list[str]] = defaultdict(list)
    if ids:
        for row in session.exec(select(VolunteerLanguage).where(col(VolunteerLanguage.volunteer_id).in_(ids))
                                .order_by(col(VolunteerLanguage.language))):
            languages[row.volunteer_id].append(row.language.value)
    free = availability.free_slots(session, week_start=week_start, volunteer_ids=ids)
    booked_of = sessions.booked_hours_by_volunteer(session, volunteer_ids=ids, week_start=week_start)
    volunteer_rows = []
    for volunteer in volunteers:
        volunteer_modes = sorted(m.value for m in modes.get(volunteer.id, set()))
        if not volunteer_modes or not languages.get(volunteer.id):
            continue  # not certified for anything (yet, or any more): not a candidate this week
        booked = booked_of[volunteer.id]
        volunteer_rows.append({
            "id": volunteer_key(volunteer.id),
            "languages": languages[volunteer.id],
            "gender": volunteer.gender.value if volunteer.gender in (Gender.female, Gender.male) else None,
            "modes": volunteer_modes,
            "community": communities.get(volunteer.community_id),
            "max_slots": max(0, volunteer.weekly_hour_cap - math.ceil(booked)),
            "slots": [slot_key(s, tz) for s in free.get(volunteer.id, []) if s > now],
        })
    known = {row["id"] for row in volunteer_rows}

    query = select(ListeningRequest, Resident).join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
    if request_ids is None:
        # A same-number request waits for a coordinator to merge it or keep it before anyone is matched to it.
        query = query.where(ListeningRequest.status == RequestStatus.new).where(
            sa.or_(col(ListeningRequest.same_number_as_id).is_(None),
                   ListeningRequest.same_number_decision == SameNumberDecision.kept))
    else:
        query = query.where(col(ListeningRequest.id).in_(request_ids))
    pairs = session.exec(query.order_by(col(ListeningRequest.created_at), col(ListeningRequest.id))).all()
    request_ids = [r.id for r, _ in pairs]
    resident_ids = sorted({res.id for _, res in pairs})
    windows: dict[int, list[RequestTimeWindow]] = defaultdict(list)
    avoid: dict[int, list[str]] = defaultdict(list)
    if request_ids:
        for window in session.exec(select(RequestTimeWindow)
                                   .where(col(RequestTimeWindow.request_id).in_(request_ids))):
            windows[window.request_id].append(window)
        for row in session.exec(select(DoNotMatch).where(col(DoNotMatch.resident_id).in_(resident_ids))):
            avoid[row.resident_id].append(volunteer_key(row.volunteer_id))
    previous = previous_volunteers(session, resident_ids) if resident_ids else {}
    had_home_visit = residents_with_home_visit(session, resident_ids) if resident_ids else set()
    request_rows = []
    for request, resident in pairs:
        previous_id = None
        if request.wants_same_volunteer:
            previous_id = request.previous_volunteer_id or previous.get(resident.id)
        previous_ref = volunteer_key(previous_id) if previous_id else None
        request_rows.append({
            "id": request_key(request.id),
            "mode": request.mode.value,
            "language": request.language.value,
            "gender_wish": request.gender_wish.value if request.gender_wish in (Gender.female, Gender.male)
            else None,
            "community": communities.get(resident.community_id),
            "urgency": request.urgency,
            "waiting_days": max(0, (now - request.created_at).days),
            "previous_volunteer": previous_ref if previous_ref in known else None,
            "avoid": sorted(set(avoid.get(resident.id, []))),
            "needs_pair": request.mode == Mode.home and resident.id not in had_home_visit,
            "slots": [slot_key(s, tz) for s in request_slots(windows[request.id], week_start=week_start, tz=tz,
                                                             after=now)],
        })
    data = {"timezone": str(tz.key), "slot_minutes": availability.SLOT_MINUTES,
            "volunteers": volunteer_rows, "requests": request_rows}
    return WeekInstance(week_start=week_start, data=data, now=now)

