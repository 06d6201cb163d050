"""The one clock, and the programme's local time (settings.timezone, Asia/Shanghai): days as people count them.

Product code takes "now" only from here (`now()`, `today()`); tests pin it (time-machine, see tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from listening.core.config import get_settings


def local_date(at: datetime) -> date:
    """The programme's day of an instant (a visit at 00:30 Shanghai time is on that day, not the UTC one)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime refused: {at!r}")
    return at.astimezone(get_settings().tz).date()


def now() -> datetime:
    """This instant, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """The programme's local day now (at 00:30 in Shenzhen the UTC date is still yesterday's)."""
    return local_date(now())


def local_datetime(day: date, at: time) -> datetime:
    """A local date and clock time (as a person enters them) as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=get_settings().tz).astimezone(UTC)


def day_bounds(first: date, last: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in local time, as aware datetimes: whole local days, inclusive."""
    tz = tz or get_settings().tz
    return (datetime.combine(first, time(0), tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))
