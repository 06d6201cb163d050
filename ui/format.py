"""Display helpers for pages: enum labels (from the one registry, `listening.core.labels`) and local times."""

from __future__ import annotations

from datetime import datetime

from listening.core.config import get_settings
from listening.core.i18n import _, format_datetime, format_short_datetime
from listening.core.labels import label
from listening.residents.triage import URGENCY_LABELS, URGENCY_MARKERS

__all__ = ["label", "local_time", "urgency_text", "visit_time"]


def local_time(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, get_settings().tz, fmt)


def visit_time(value: datetime) -> str:
    """A visit's start on a list: "12月2日 周三 14:00" / "Wed 2 Dec 14:00", in the programme's timezone."""
    return format_short_datetime(value, get_settings().tz)


def urgency_text(urgency: int, risk_flag: bool = False) -> str:
    """A word with a coloured marker; risk words in the request come first, whatever the urgency."""
    text = f"{URGENCY_MARKERS[urgency]} {_(URGENCY_LABELS[urgency])}"
    return "🆘 " + _("Risk") + " · " + text if risk_flag else text
