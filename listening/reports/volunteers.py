"""How the volunteer body changes: who left per month and why (attrition), and how long a new volunteer waits
from joining to their first held session (the median, in days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core.clock import local_date
from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Outcome, Role, SessionLog, Volunteer, VolunteerDeparture, VolunteerStatus

ATTRITION_COLUMNS = ("month", "reason", "left")


def _check(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(N_("The end date must not be before the start date."), field="end")


def attrition(session: Session, *, actor: Account, start: date, end: date) -> pd.DataFrame:
    """Departures between two dates (inclusive) per month (its first day) and reason, oldest month first."""
    require_role(actor, Role.coordinator)
    _check(start, end)
    rows = session.exec(select(VolunteerDeparture.left_on, VolunteerDeparture.reason)
                        .where(col(VolunteerDeparture.left_on) >= start, col(VolunteerDeparture.left_on) <= end)).all()
    frame = pd.DataFrame([{"month": left_on.replace(day=1), "reason": reason.value} for left_on, reason in rows],
                         columns=["month", "reason"])
    if frame.empty:
        return pd.DataFrame(columns=list(ATTRITION_COLUMNS)).astype({"left": "int64"})
    return (frame.groupby(["month", "reason"]).size().rename("left").reset_index()
            .sort_values(["month", "left", "reason"], ascending=[True, False, True], kind="stable")
            .reset_index(drop=True))


@dataclass(frozen=True)
class FirstSessionFigures:
    median_days: float | None  # None when nobody who joined in the period has held a session yet
    with_session: int
    still_waiting: int  # joined in the period, no held session yet (and not left)


def time_to_first_session(session: Session, *, actor: Account, joined_from: date,
                          joined_to: date) -> FirstSessionFigures:
    """For volunteers who joined between two dates (inclusive): days from joining to their first held session,
    counted in local days."""
    require_role(actor, Role.coordinator)
    _check(joined_from, joined_to)
    joined = {v_id: (on, status) for v_id, on, status in session.exec(
        select(Volunteer.id, Volunteer.joined_on, Volunteer.status)
        .where(col(Volunteer.joined_on) >= joined_from, col(Volunteer.joined_on) <= joined_to))}
    if not joined:
        return FirstSessionFigures(None, 0, 0)
    # The first held session of each, aggregated in SQL (a year's joiners have tens of thousands of sessions);
    # the earliest instant is on the earliest local day. type_coerce: min() of the UTC column read as that column.
    first = sa.type_coerce(sa.func.min(SessionLog.actual_start), SessionLog.__table__.c.actual_start.type)
    earliest: dict[int, date] = {
        volunteer_id: local_date(started) for volunteer_id, started in session.exec(
            select(SessionLog.volunteer_id, first)
            .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None))
            .where(col(SessionLog.volunteer_id).in_(list(joined)))
            .group_by(SessionLog.volunteer_id)).all()}
    days = [(earliest[v] - joined[v][0]).days for v in earliest]
    waiting = sum(1 for v, (_on, status) in joined.items() if v not in earliest and status != VolunteerStatus.left)
    return FirstSessionFigures(float(median(days)) if days else None, len(days), waiting)



