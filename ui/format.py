"""Display helpers for pages: enum labels (from the one registry, `listening.core.labels`) and local times."""

from __future__ import annotations

from datetime import datetime

from listening.core.config import get_settings
from listening.core.i18n import format_datetime
from listening.core.labels import label

__all__ = ["label", "local_time"]


def local_time(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, get_settings().tz, fmt)
