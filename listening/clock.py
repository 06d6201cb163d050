"""The programme's local time (settings.timezone, Asia/Shanghai): days as people in the centre count them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from listening.config import get_settings


def local_date(at: datetime) -> date:
    """The programme's day of an instant (a visit at 00:30 Shanghai time is on that day, not the UTC one)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime refused: {at!r}")
    return at.astimezone(get_settings().tz).date()


def today() -> date:
    return local_date(datetime.now(UTC))


def local_datetime(day: date, at: time) -> datetime:
    """A local date and clock time (as a person enters them) as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=get_settings().tz).astimezone(UTC)


def day_bounds(first: date, last: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in local time, as aware datetimes: whole local days, inclusive."""
    tz = tz or get_settings().tz
    return (datetime.combine(first, time(0), tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))
