"""Need to know: a volunteer sees a resident's full number and address only around their own visit.

The window runs from `CONTACT_WINDOW` before the visit starts to `CONTACT_WINDOW` after it ends (time to call
ahead, to find the door, to call back about something left open), edges included, and only for a visit that
was booked (scheduled, confirmed, completed or a no-show). Before and after it, and on anybody else's visit, the
number is masked and the address hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from listening.core import phones
from listening.models import Mode, Visit, VisitStatus

CONTACT_WINDOW = timedelta(hours=24)
CONTACT_STATUSES = frozenset({VisitStatus.scheduled, VisitStatus.confirmed, VisitStatus.completed,
                              VisitStatus.no_show})


@dataclass(frozen=True)
class Contact:
    phone: str  # full inside the window, masked outside
    address: str | None  # only for a home visit, only inside the window
    full: bool


def contact_window(visit: Visit) -> tuple[datetime, datetime]:
    return visit.starts_at - CONTACT_WINDOW, visit.ends_at + CONTACT_WINDOW


def may_see_contact(visit: Visit, *, own: bool, now: datetime) -> bool:
    """`own`: the viewer is a volunteer booked on this visit (the caller checks it against visit_volunteer)."""
    if not own or visit.status not in CONTACT_STATUSES:
        return False
    opens, closes = contact_window(visit)
    return opens <= now <= closes


def volunteer_contact(visit: Visit, *, phone: str, address: str | None, own: bool, now: datetime) -> Contact:
    if may_see_contact(visit, own=own, now=now):
        return Contact(phone=phone, address=address if visit.mode == Mode.home else None, full=True)
    return Contact(phone=phones.mask(phone), address=None, full=False)
