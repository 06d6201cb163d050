"""Hours that count: one row per held session, shaped for the volunteer platforms' batch entry (name, phone, date,
start, end, hours, activity), as CSV or through `excel_workbook` as XLSX.

Times are local (settings.tz), hours to 0.01 h as in the sessions export. The phone is the full number, as the
platforms identify a volunteer by it: the export is for coordinators and is audited.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.cells import neutralise_frame
from listening.core.clock import day_bounds
from listening.core.config import get_settings
from listening.core.i18n import N_, gettext
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import Account, Outcome, Role, SessionLog, Visit, Volunteer
from listening.reports.sessions import report_period
from listening.sessions.logs import duration_hours

PLATFORM_COLUMNS = ("name", "phone", "date", "start", "end", "hours", "activity")
# The headers the platforms' templates use (志愿汇, 中国志愿服务网 read these Chinese names).
PLATFORM_HEADERS = {
    "name": N_("Name"), "phone": N_("Mobile number"), "date": N_("Service date"), "start": N_("Start time"),
    "end": N_("End time"), "hours": N_("Service hours"), "activity": N_("Activity"),
}
_ACTIVITY = N_("Listening Hour listening session ({mode})")


def _platform_phone(e164: str) -> str:
    """A mainland number as the 11 digits the platforms expect; any other with 00 for the + (as dialled from the
    mainland: a leading + would be read by a spreadsheet as a formula, and neutralised with a quote)."""
    return e164[3:] if e164.startswith("+86") else "00" + e164.removeprefix("+")


def platform_hours(session: Session, *, actor: Account, start: date, end: date,
                   volunteer_id: int | None = None) -> pd.DataFrame:
    """Held sessions between two local dates (inclusive), PLATFORM_COLUMNS, by volunteer then time."""
    require_role(actor, Role.coordinator)
    report_period(start, end, None)  # the export's limits: at most MAX_REPORT_DAYS, in order
    return held_hours(session, start=start, end=end, volunteer_id=volunteer_id)


def held_hours(session: Session, *, start: date, end: date, volunteer_id: int | None = None) -> pd.DataFrame:
    """`platform_hours` without the access check or the period limit, for callers that made their own checks
    (a certificate covers a volunteer's whole time with the programme)."""
    days = day_bounds(start, end, get_settings().tz)
    query = (select(Volunteer.full_name, Volunteer.phone, SessionLog.actual_start, SessionLog.actual_end,
                    SessionLog.mode, Visit.mode, SessionLog.volunteer_id)
             .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id))
             .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
             .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None),
                    col(SessionLog.actual_end).is_not(None))
             .where(days.holds(col(SessionLog.actual_start)))
             .order_by(col(Volunteer.full_name), col(SessionLog.volunteer_id), col(SessionLog.actual_start)))
    if volunteer_id is not None:
        query = query.where(SessionLog.volunteer_id == volunteer_id)
    tz = get_settings().tz
    rows = []
    for name, phone, started, ended, held_mode, planned_mode, _volunteer in session.exec(query):
        local_start, local_end = started.astimezone(tz), ended.astimezone(tz)
        kind = label(held_mode or planned_mode)
        rows.append({"name": name, "phone": _platform_phone(phone), "date": local_start.date().isoformat(),
                     "start": local_start.strftime("%H:%M"), "end": local_end.strftime("%H:%M"),
                     "hours": round(duration_hours(started, ended), 2),
                     "activity": gettext(_ACTIVITY, mode=kind)})
    return pd.DataFrame(rows, columns=list(PLATFORM_COLUMNS)).astype({"hours": "float64"})


def with_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """The platform table with its headers in the current language."""
    return frame.rename(columns={key: gettext(msgid) for key, msgid in PLATFORM_HEADERS.items()})


def platform_csv(session: Session, *, actor: Account, frame: pd.DataFrame) -> bytes:
    """The table as CSV in UTF-8 with a byte-order mark (Excel and the platforms read Chinese correctly then); no
    cell can run as a formula; the export is audited."""
    require_role(actor, Role.coordinator)
    data = neutralise_frame(with_headers(frame)).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    audit.record(session, actor_id=actor.id, action=AuditAction.report_exported, entity="report",
                 details={"sheets": ["platform_hours"], "rows": {"platform_hours": len(frame)}, "format": "csv"})
    return data
