"""Recurring availability (dateutil.rrule) and exceptions -> concrete hourly slots.

A volunteer keeps weekly windows ("Tuesdays 19:00-21:00 from 1 March"), exceptions (leave, holidays) and a weekly
hour cap. Windows are wall-clock times in the programme's timezone: they are expanded day by day in that zone, so
a window keeps its local hours whatever the UTC offset of the day is, and a week is Monday 00:00 to Monday 00:00
local time (in Shenzhen that starts on Sunday 16:00 UTC). Visits already booked take their slots away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from dateutil.rrule import WEEKLY, rrule
from sqlmodel import Session, col, select

from listening.core import audit, clock
from listening.core.audit import AuditAction
from listening.core.clock import Window, day_bounds
from listening.core.config import get_settings
from listening.core.errors import InvalidInput, NotAllowed, NotFound
from listening.core.i18n import N_
from listening.core.text import clean_typed
from listening.models import (
    Account,
    AvailabilityException,
    AvailabilityRule,
    Role,
    Visit,
    VisitVolunteer,
    Volunteer,
    VolunteerStatus,
    utcnow,
)

SLOT_MINUTES = 60
SLOT = timedelta(minutes=SLOT_MINUTES)
MIN_CAP, MAX_CAP = 1, 20
MAX_EXCEPTION_DAYS = 366
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))  # 0 = Monday, as in AvailabilityRule.weekday
PREVIEW_FIRST_HOUR, PREVIEW_LAST_HOUR = 7, 22  # rows of the calendar preview (slots outside still count)


class SlotState:
    """Cell values of the calendar preview; the page shows them as symbols with a legend."""

    free = "free"
    booked = "booked"
    away = "away"  # inside an exception (leave, holiday)


def programme_tz() -> ZoneInfo:
    return get_settings().tz


def week_start_of(day: date) -> date:
    """The Monday of the week that holds `day`."""
    return day - timedelta(days=day.weekday())


def local_week_bounds(week_start: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in local time, as aware datetimes."""
    return day_bounds(week_start, week_start + timedelta(days=6), tz)


def wall_time_exists(moment: datetime) -> bool:
    """False for a wall-clock time skipped by a daylight-saving jump (it would not round-trip through UTC)."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def slots_in_window(day: date, start: time, end: time, tz: ZoneInfo) -> list[datetime]:
    """The hourly slot starts of one local window on one day. Slots sit on whole hours and end by the window's
    end, so 09:30-12:00 offers 10:00 and 11:00."""
    slots = []
    first_hour = start.hour + (1 if (start.minute or start.second or start.microsecond) else 0)
    window_end = datetime.combine(day, end)
    for hour in range(first_hour, 24):
        slot_start = datetime.combine(day, time(hour))
        if slot_start + SLOT > window_end:
            break
        moment = slot_start.replace(tzinfo=tz)
        if wall_time_exists(moment):
            slots.append(moment)
    return slots


def expand_rule(rule: AvailabilityRule, *, start: date, end: date, tz: ZoneInfo | None = None) -> list[datetime]:
    """Every slot a weekly rule yields on the local days [start, end)."""
    tz = tz or programme_tz()
    first = max(start, rule.valid_from)
    last = end - timedelta(days=1)
    if rule.valid_until is not None:
        last = min(last, rule.valid_until)
    if last < first:
        return []
    days = rrule(WEEKLY, byweekday=rule.weekday, dtstart=datetime.combine(first, time(0)),
                 until=datetime.combine(last, time(0)))
    slots: list[datetime] = []
    for day in days:
        slots.extend(slots_in_window(day.date(), rule.start_time, rule.end_time, tz))
    return slots


def _overlaps(slot: datetime, spans: Iterable[tuple[datetime, datetime]]) -> bool:
    window = Window(slot, slot + SLOT)
    return any(window.overlaps(span_start, span_end) for span_start, span_end in spans)


@dataclass
class _WeekData:
    rules: dict[int, list[AvailabilityRule]]
    exceptions: dict[int, list[tuple[datetime, datetime]]]
    booked: dict[int, list[tuple[datetime, datetime]]]


def _load(session: Session, volunteer_ids: list[int], start: datetime, end: datetime) -> _WeekData:
    """Rules, exceptions and bookings touching [start, end), for these volunteers, in three queries."""
    week = Window(start, end)
    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    exceptions: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    booked: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    if not volunteer_ids:
        return _WeekData(rules, exceptions, booked)
    ids = col(AvailabilityRule.volunteer_id).in_(volunteer_ids)
    for rule in session.exec(select(AvailabilityRule).where(ids).order_by(col(AvailabilityRule.id))):
        rules[rule.volunteer_id].append(rule)
    for row in session.exec(
        select(AvailabilityException)
        .where(col(AvailabilityException.volunteer_id).in_(volunteer_ids))
        .where(week.meets(col(AvailabilityException.starts_at), col(AvailabilityException.ends_at)))
    ):
        exceptions[row.volunteer_id].append((row.starts_at, row.ends_at))
    # A visit a day long would be odd, but look back a day so one that started before the week still counts.
    for volunteer_id, starts_at, ends_at in session.exec(
        select(VisitVolunteer.volunteer_id, Visit.starts_at, Visit.ends_at)
        .join(Visit, col(Visit.id) == col(VisitVolunteer.visit_id))
        .where(col(VisitVolunteer.volunteer_id).in_(volunteer_ids))
        .where(col(VisitVolunteer.live).is_(True))
        .where(Window(start - timedelta(days=1), end).holds(col(Visit.starts_at)))
    ):
        if week.overlaps(starts_at, ends_at):
            booked[volunteer_id].append((starts_at, ends_at))
    return _WeekData(rules, exceptions, booked)


def _volunteer_ids(session: Session, volunteer_ids: list[int] | None) -> list[int]:
    if volunteer_ids is not None:
        return sorted(set(volunteer_ids))
    query = select(Volunteer.id).where(Volunteer.status != VolunteerStatus.left)
    return sorted(session.exec(query).all())


def free_slots(session: Session, *, week_start: date,
               volunteer_ids: list[int] | None = None) -> dict[int, list[datetime]]:
    """Each volunteer's free hourly slots in the local week starting `week_start` (a Monday), sorted.

    Slots come from the weekly rules, minus exceptions, minus visits already booked (live bookings). Times are
    aware datetimes in the programme's timezone. Every requested volunteer has a key (possibly an empty list);
    without `volunteer_ids`, every volunteer who has not left.
    """
    tz = programme_tz()
    ids = _volunteer_ids(session, volunteer_ids)
    start, end = local_week_bounds(week_start, tz)
    data = _load(session, ids, start, end)
    result: dict[int, list[datetime]] = {}
    for volunteer_id in ids:
        slots: set[datetime] = set()
        for rule in data.rules.get(volunteer_id, []):
            slots.update(expand_rule(rule, start=week_start, end=week_start + timedelta(days=7), tz=tz))
        blocked = data.exceptions.get(volunteer_id, []) + data.booked.get(volunteer_id, [])
        result[volunteer_id] = sorted(s for s in slots if not _overlaps(s, blocked))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Services: a volunteer edits their own availability; a coordinator may edit anyone's
# ---------------------------------------------------------------------------------------------------------------


def target_volunteer(session: Session, *, actor: Account, volunteer_id: int | None = None) -> Volunteer:
    """The volunteer whose availability `actor` may see and change: their own, or any for a coordinator."""
    if actor is None:
        raise NotAllowed(N_("Please sign in first."))
    if actor.role == Role.coordinator:
        if volunteer_id is None:
            raise InvalidInput(N_("Choose a volunteer."), field="volunteer_id")
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None:
            raise NotFound(N_("This volunteer no longer exists."))
        return volunteer
    if actor.role != Role.volunteer:
        raise NotAllowed(N_("This page is not available for your role."))
    volunteer = session.exec(select(Volunteer).where(Volunteer.account_id == actor.id)).first()
    if volunteer is None:
        raise NotFound(N_("No volunteer record is linked to this account. Ask a coordinator."))
    if volunteer_id is not None and volunteer_id != volunteer.id:
        raise NotAllowed(N_("You can only change your own availability."))
    return volunteer


def _check_rule(weekday: int, start_time: time, end_time: time, valid_from: date, valid_until: date | None) -> None:
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput(N_("Choose a day of the week."), field="weekday")
    if end_time <= start_time:
        raise InvalidInput(N_("The end time must be after the start time."), field="end_time")
    if not slots_in_window(date(2026, 1, 5), start_time, end_time, UTC):
        raise InvalidInput(N_("The window must hold at least one whole hour on the hour, such as 19:00-20:00."),
                           field="end_time")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(N_("The last day must not be before the first day."), field="valid_until")


def add_rule(session: Session, *, actor: Account, weekday: int, start_time: time, end_time: time,
             valid_from: date | None = None, valid_until: date | None = None,
             volunteer_id: int | None = None) -> AvailabilityRule:
    """A new weekly window. Refuses one that overlaps a window the volunteer already has on that day."""
    volunteer = target_volunteer(session, actor=actor, volunteer_id=volunteer_id)
    valid_from = valid_from or clock.today()
    _check_rule(weekday, start_time, end_time, valid_from, valid_until)
    for other in session.exec(select(AvailabilityRule).where(AvailabilityRule.volunteer_id == volunteer.id,
                                                             AvailabilityRule.weekday == weekday)):
        dates_overlap = ((other.valid_until is None or valid_from <= other.valid_until)
                         and (valid_until is None or other.valid_from <= valid_until))
        if dates_overlap and other.start_time < end_time and start_time < other.end_time:
            raise InvalidInput(
                N_("This overlaps your window {start}-{end} on the same day; change or remove that one first."),
                field="start_time", start=other.start_time.strftime("%H:%M"), end=other.end_time.strftime("%H:%M"))
    rule = AvailabilityRule(volunteer_id=volunteer.id, weekday=weekday, start_time=start_time, end_time=end_time,
                            valid_from=valid_from, valid_until=valid_until)
    session.add(rule)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.availability_rule_added, entity="volunteer",
                 entity_id=volunteer.id, details={"rule_id": rule.id, "weekday": weekday,
                                                  "start": start_time.isoformat(), "end": end_time.isoformat()})
    return rule


def remove_rule(session: Session, *, actor: Account, rule_id: int) -> None:
    rule = session.get(AvailabilityRule, rule_id)
    if rule is None:
        raise NotFound(N_("This availability window no longer exists."))
    volunteer = target_volunteer(session, actor=actor, volunteer_id=rule.volunteer_id)
    session.delete(rule)
    audit.record(session, actor_id=actor.id, action=AuditAction.availability_rule_removed, entity="volunteer",
                 entity_id=volunteer.id, details={"rule_id": rule_id})
    session.flush()


def add_exception(session: Session, *, actor: Account, starts_at: datetime, ends_at: datetime, reason: str = "",
                  volunteer_id: int | None = None) -> AvailabilityException:
    """Time off: no slot that overlaps [starts_at, ends_at) is offered."""
    volunteer = target_volunteer(session, actor=actor, volunteer_id=volunteer_id)
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(N_("A time without a timezone cannot be stored."), field=field)
    if ends_at <= starts_at:
        raise InvalidInput(N_("The end must be after the start."), field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_EXCEPTION_DAYS):
        raise InvalidInput(N_("Time off can last at most {days} days; for a longer break ask a coordinator to pause "
                              "you."), field="ends_at", days=MAX_EXCEPTION_DAYS)
    reason = clean_typed(reason)
    if len(reason) > 200:
        raise InvalidInput(N_("Keep the reason under {n} characters."), field="reason", n=200)
    row = AvailabilityException(volunteer_id=volunteer.id, starts_at=starts_at.astimezone(UTC),
                                ends_at=ends_at.astimezone(UTC), reason=reason)
    session.add(row)
    session.flush()
    # The reason stays out of the audit log: it may be personal (illness, family).
    audit.record(session, actor_id=actor.id, action=AuditAction.availability_exception_added, entity="volunteer",
                 entity_id=volunteer.id, details={"exception_id": row.id})
    return row


def add_time_off(session: Session, *, actor: Account, first_day: date, last_day: date, reason: str = "",
                 volunteer_id: int | None = None) -> AvailabilityException:
    """Whole local days off, `first_day` to `last_day` inclusive."""
    if last_day < first_day:
        raise InvalidInput(N_("The last day must not be before the first day."), field="last_day")
    starts_at, ends_at = day_bounds(first_day, last_day)
    return add_exception(session, actor=actor, starts_at=starts_at, ends_at=ends_at, reason=reason,
                         volunteer_id=volunteer_id)


def local_days(row: AvailabilityException) -> tuple[date, date]:
    """The first and last local day an exception touches (an exception ending at midnight ends the day before)."""
    tz = programme_tz()
    return row.starts_at.astimezone(tz).date(), (row.ends_at - timedelta(microseconds=1)).astimezone(tz).date()


def remove_exception(session: Session, *, actor: Account, exception_id: int) -> None:
    row = session.get(AvailabilityException, exception_id)
    if row is None:
        raise NotFound(N_("This time off no longer exists."))
    volunteer = target_volunteer(session, actor=actor, volunteer_id=row.volunteer_id)
    session.delete(row)
    audit.record(session, actor_id=actor.id, action=AuditAction.availability_exception_removed, entity="volunteer",
                 entity_id=volunteer.id, details={"exception_id": exception_id})
    session.flush()


def set_weekly_cap(session: Session, *, actor: Account, hours: int, volunteer_id: int | None = None) -> Volunteer:
    volunteer = target_volunteer(session, actor=actor, volunteer_id=volunteer_id)
    if isinstance(hours, bool) or not isinstance(hours, int) or not MIN_CAP <= hours <= MAX_CAP:
        raise InvalidInput(N_("The weekly cap must be a whole number of hours from {low} to {high}."),
                           field="weekly_hour_cap", low=MIN_CAP, high=MAX_CAP)
    if hours != volunteer.weekly_hour_cap:
        audit.record(session, actor_id=actor.id, action=AuditAction.availability_cap_changed, entity="volunteer",
                     entity_id=volunteer.id, details={"from": volunteer.weekly_hour_cap, "to": hours})
        volunteer.weekly_hour_cap = hours
        session.add(volunteer)
        session.flush()
    return volunteer


@dataclass(frozen=True)
class AvailabilityOverview:
    volunteer_id: int
    full_name: str
    weekly_hour_cap: int
    rules: list[AvailabilityRule]
    exceptions: list[AvailabilityException]  # the ones not yet over


def overview(session: Session, *, actor: Account, volunteer_id: int | None = None,
             now: datetime | None = None) -> AvailabilityOverview:
    volunteer = target_volunteer(session, actor=actor, volunteer_id=volunteer_id)
    now = now or utcnow()
    rules = list(session.exec(select(AvailabilityRule).where(AvailabilityRule.volunteer_id == volunteer.id)
                              .order_by(col(AvailabilityRule.weekday), col(AvailabilityRule.start_time))))
    exceptions = list(session.exec(select(AvailabilityException)
                                   .where(AvailabilityException.volunteer_id == volunteer.id)
                                   .where(col(AvailabilityException.ends_at) > now)
                                   .order_by(col(AvailabilityException.starts_at))))
    return AvailabilityOverview(volunteer.id, volunteer.full_name, volunteer.weekly_hour_cap, rules, exceptions)


# ---------------------------------------------------------------------------------------------------------------
# Calendar preview
# ---------------------------------------------------------------------------------------------------------------


def week_calendar(session: Session, *, volunteer_id: int, week_start: date) -> pd.DataFrame:
    """One local week as a grid: rows are hours ("19:00"), columns are days, cells a `SlotState` or "".

    "free": offered to matching; "booked": a visit holds it; "away": a window falls inside time off.
    """
    tz = programme_tz()
    start, end = local_week_bounds(week_start, tz)
    data = _load(session, [volunteer_id], start, end)
    days = [week_start + timedelta(days=i) for i in range(7)]
    hours = list(range(PREVIEW_FIRST_HOUR, PREVIEW_LAST_HOUR))
    grid = pd.DataFrame("", index=[f"{h:02d}:00" for h in hours], columns=days, dtype="object")
    offered: set[datetime] = set()
    for rule in data.rules.get(volunteer_id, []):
        offered.update(expand_rule(rule, start=week_start, end=week_start + timedelta(days=7), tz=tz))
    booked = data.booked.get(volunteer_id, [])
    for day in days:
        for hour in hours:
            slot = datetime.combine(day, time(hour), tzinfo=tz)
            if _overlaps(slot, booked):
                state = SlotState.booked
            elif slot in offered:
                state = SlotState.away if _overlaps(slot, data.exceptions.get(volunteer_id, [])) else SlotState.free
            else:
                continue
            grid.loc[f"{hour:02d}:00", day] = state
    return grid


def preview(session: Session, *, actor: Account, weeks: int = 4, volunteer_id: int | None = None,
            today: date | None = None) -> list[tuple[date, pd.DataFrame]]:
    """The coming `weeks` weeks (this one first) as calendar grids, for the availability page."""
    volunteer = target_volunteer(session, actor=actor, volunteer_id=volunteer_id)
    first = week_start_of(today or clock.today())
    return [(first + timedelta(weeks=i),
             week_calendar(session, volunteer_id=volunteer.id, week_start=first + timedelta(weeks=i)))
            for i in range(max(1, min(weeks, 12)))]
