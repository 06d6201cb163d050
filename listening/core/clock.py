"""The one clock, and the programme's local time (settings.timezone, Asia/Shanghai): days as people count them.

Product code takes "now" only from here (`now()`, `today()`); tests pin it (time-machine, see tests/conftest.py).
A span of time is a half-open `Window` [start, end), in Python and in SQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from listening.core.config import get_settings


def local_date(at: datetime) -> date:
    """The programme's day of an instant (a visit at 00:30 Shanghai time is on that day, not the UTC one)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime refused: {at!r}")
    return at.astimezone(get_settings().tz).date()


def now() -> datetime:
    """This instant, aware, in UTC."""
    return datetime.now(UTC)


def today(at: datetime | None = None) -> date:
    """The programme's local day now, or of `at` (at 00:30 in Shenzhen the UTC date is still yesterday's)."""
    return local_date(at or now())


def local_datetime(day: date, at: time) -> datetime:
    """A local date and clock time (as a person enters them) as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=get_settings().tz).astimezone(UTC)


class Window(NamedTuple):
    """A half-open span of time [start, end): an instant at `end` is already outside. Unpacks as (start, end)."""

    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the span [start, end) shares any instant with this window."""
        return start < self.end and self.start < end

    def holds(self, column: Any) -> Any:
        """SQL: the instant in `column` lies in the window."""
        return sa.and_(column >= self.start, column < self.end)

    def meets(self, start_column: Any, end_column: Any) -> Any:
        """SQL: the stored span [start_column, end_column) overlaps the window."""
        return sa.and_(start_column < self.end, end_column > self.start)


def covers(start_column: Any, end_column: Any, moment: datetime) -> Any:
    """SQL: the stored span [start_column, end_column) holds the instant `moment`."""
    return sa.and_(start_column <= moment, end_column > moment)


def day_bounds(first: date, last: date, tz: ZoneInfo | None = None) -> Window:
    """[first 00:00, the day after last 00:00) in local time, as aware datetimes: whole local days, inclusive."""
    tz = tz or get_settings().tz
    return Window(datetime.combine(first, time(0), tzinfo=tz),
                  datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))


def hours_between(start: Any, end: Any, dialect: str, *, rounded: int | None = None) -> Any:
    """SQL: the hours from the instant in `start` to the one in `end` (NULL if either is NULL), so sums of hours
    are taken in the database. `rounded`: to that many decimals, row by row (as a report rounds each session)."""
    if dialect == "postgresql":
        hours = sa.cast(sa.extract("epoch", end - start), sa.Numeric) / 3600
        return sa.func.round(hours, rounded) if rounded is not None else sa.cast(hours, sa.Float)
    hours = (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0
    return sa.func.round(hours, rounded) if rounded is not None else hours
