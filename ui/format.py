"""Display helpers for pages: enum labels (from the one registry, `listening.core.labels`), local times, and the
one colour of each request status in charts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from listening.core.config import get_settings
from listening.core.i18n import _, format_datetime, format_short_datetime
from listening.core.labels import label
from listening.models import RequestStatus
from listening.residents.triage import URGENCY_LABELS, URGENCY_MARKERS

__all__ = ["STATUS_COLOURS", "label", "local_time", "status_chart", "urgency_text", "visit_time"]

# One meaning per colour, the same in every language: waiting amber, on its way blues, done green, no-show red,
# cancelled grey. Keyed by the status, never by its translated label.
STATUS_COLOURS: dict[RequestStatus, str] = {
    RequestStatus.new: "#f0a030",
    RequestStatus.matched: "#9ecae1",
    RequestStatus.scheduled: "#4a90c8",
    RequestStatus.confirmed: "#1f5f9e",
    RequestStatus.completed: "#2e9e4f",
    RequestStatus.no_show: "#d62728",
    RequestStatus.cancelled: "#9e9e9e",
}



def local_time(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, get_settings().tz, fmt)


def status_chart(counts: pd.DataFrame, *, index: str, value: str) -> tuple[pd.DataFrame, list[str]]:
    """A frame with one column per request status (its label, in the status order) and the colours to draw them
    in, for st.bar_chart(frame, color=colours). `counts` has columns `index`, "status" (the stored value), `value`."""
    wide = counts.pivot_table(index=index, columns="status", values=value, fill_value=0)
    statuses = [s for s in STATUS_COLOURS if s.value in wide.columns]
    wide = wide[[s.value for s in statuses]].rename(columns={s.value: label(s) for s in statuses})
    return wide, [STATUS_COLOURS[s] for s in statuses]


def visit_time(value: datetime) -> str:
    """A visit's start on a list: "12月2日 周三 14:00" / "Wed 2 Dec 14:00", in the programme's timezone."""
    return format_short_datetime(value, get_settings().tz)


def urgency_text(urgency: int, risk_flag: bool = False) -> str:
    """A word with a coloured marker; risk words in the request come first, whatever the urgency."""
    text = f"{URGENCY_MARKERS[urgency]} {_(URGENCY_LABELS[urgency])}"
    return "🆘 " + _("Risk") + " · " + text if risk_flag else text
