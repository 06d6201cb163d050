"""Display helpers for pages: enum labels (from the one registry, `listening.core.labels`) and local times."""

from __future__ import annotations

from datetime import datetime

from listening.core.config import get_settings
from listening.core.i18n import format_datetime, format_short_datetime
from listening.core.labels import label

__all__ = ["label", "local_time", "visit_time"]


def local_time(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, get_settings().tz, fmt)


def visit_time(value: datetime) -> str:
    """A visit's start on a list: "12月2日 周三 14:00" / "Wed 2 Dec 14:00", in the programme's timezone."""
    return format_short_datetime(value, get_settings().tz)
