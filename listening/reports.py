"""Figures and pandas frames for dashboards and exports."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.cells import neutralise_frame
from listening.core.clock import Window, day_bounds, local_date
from listening.core.config import get_settings
from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    Community,
    Escalation,
    EscalationStatus,
    ListeningRequest,
    MessageStatus,
    OutboundMessage,
    RequestStatus,
    Resident,
    Role,
    SessionLog,
    Visit,
    VisitStatus,
    Volunteer,
    VolunteerStatus,
    utcnow,
)
from listening.sessions.logs import duration_hours
from listening.volunteers.training.ladder import training_statuses


@dataclass(frozen=True)
class Overview:
    open_requests: int
    waiting_for_match: int
    urgent_open: int
    oldest_wait_days: int
    visits_next_7_days: int
    sessions_last_30_days: int
    hours_last_30_days: float
    active_volunteers: int  # can be matched today: trained for a mode, not paused, not left
    volunteers_in_training: int  # not paused or left, but applicants, in training or still shadowing
    open_escalations: int
    failed_messages: int


def _count(session: Session, query) -> int:
    return session.exec(query).one()


def coordinator_overview(session: Session, *, actor: Account, now: datetime | None = None) -> Overview:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    open_filter = col(ListeningRequest.status).in_(OPEN_REQUEST_STATUSES)
    oldest_new = session.exec(
        select(func.min(ListeningRequest.created_at)).where(ListeningRequest.status == RequestStatus.new)
    ).one()
    if oldest_new is not None and oldest_new.tzinfo is None:  # aggregates bypass the column type on SQLite
        oldest_new = datetime.fromisoformat(str(oldest_new)).replace(tzinfo=now.tzinfo)
    logs = session.exec(
        select(SessionLog.actual_start, SessionLog.actual_end).where(
            col(SessionLog.actual_start) >= now - timedelta(days=30)
        )
    ).all()
    hours = sum(duration_hours(start, end) for start, end in logs)
    # The ladder decides who can be matched, as matching does: a volunteer of status "active" may still be an
    # applicant or a trainee.
    ladder = [s for s in training_statuses(session, on=local_date(now)) if s.volunteer.status == VolunteerStatus.active]
    return Overview(
        open_requests=_count(session, select(func.count()).select_from(ListeningRequest).where(open_filter)),
        waiting_for_match=_count(
            session, select(func.count()).select_from(ListeningRequest).where(ListeningRequest.status == RequestStatus.new)
        ),
        urgent_open=_count(
            session,
            select(func.count()).select_from(ListeningRequest).where(open_filter, col(ListeningRequest.urgency) >= 3),
        ),
        oldest_wait_days=(now - oldest_new).days if oldest_new else 0,
        visits_next_7_days=_count(
            session,
            select(func.count()).select_from(Visit).where(
                col(Visit.status).in_((VisitStatus.scheduled, VisitStatus.confirmed)),
                Window(now, now + timedelta(days=7)).holds(col(Visit.starts_at)),
            ),
        ),
        sessions_last_30_days=len(logs),
        hours_last_30_days=round(hours, 1),
        active_volunteers=sum(1 for s in ladder if s.modes),
        volunteers_in_training=sum(1 for s in ladder if not s.modes),
        open_escalations=_count(
            session,
            select(func.count()).select_from(Escalation).where(Escalation.status != EscalationStatus.closed),
        ),
        failed_messages=_count(
            session, select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == MessageStatus.failed)
        ),
    )


def requests_by_week(session: Session, *, actor: Account, weeks: int = 12, now: datetime | None = None,
                     tz: ZoneInfo | None = None) -> pd.DataFrame:
    """Requests received per week (weeks start on Monday, local time), by final status."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    tz = tz or get_settings().tz
    since = now - timedelta(weeks=weeks)
    rows = session.exec(
        select(ListeningRequest.created_at, ListeningRequest.status).where(col(ListeningRequest.created_at) >= since)
    ).all()
    frame = pd.DataFrame(rows, columns=["created_at", "status"])
    if frame.empty:
        return pd.DataFrame(columns=["week", "status", "requests"])
    local = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(str(tz))
    frame["week"] = (local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    frame["status"] = frame["status"].map(str)
    return frame.groupby(["week", "status"]).size().reset_index(name="requests")


# ----- session report and export ------------------------------------------------------------------------------

SESSION_COLUMNS = ("date", "mode", "language", "community", "volunteer", "outcome", "hours", "mood_before",
                   "mood_after", "topics", "follow_up_wanted")
MAX_REPORT_DAYS = 370


@dataclass(frozen=True)
class SessionReport:
    """Logged sessions between two local dates, without residents' names, phones or the volunteers' notes."""

    sessions: pd.DataFrame  # one row per logged session, SESSION_COLUMNS
    residents_heard: int  # distinct residents with at least one held session

    @property
    def held(self) -> pd.DataFrame:
        return self.sessions[self.sessions["outcome"] == "held"]


def session_report(session: Session, *, actor: Account, start: date, end: date,
                   tz: ZoneInfo | None = None) -> SessionReport:
    require_role(actor, Role.coordinator)
    if end < start:
        raise InvalidInput(N_("The end date must not be before the start date."), field="end")
    if (end - start).days > MAX_REPORT_DAYS:
        raise InvalidInput(N_("Choose at most {days} days for one report."), field="end", days=MAX_REPORT_DAYS)
    tz = tz or get_settings().tz
    days = day_bounds(start, end, tz)
    rows = session.exec(
        select(SessionLog, Visit, ListeningRequest.language, ListeningRequest.resident_id, Community.code,
               Volunteer.full_name)
        .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .join(Community, col(Community.id) == col(Resident.community_id))
        .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id))
        .where(days.holds(col(Visit.starts_at)))
        .order_by(col(Visit.starts_at))
    ).all()
    records, heard = [], set()
    for log, visit, language, resident_id, community, volunteer in rows:
        if log.outcome.value == "held":
            heard.add(resident_id)
        records.append({
            "date": visit.starts_at.astimezone(tz).date(),
            "mode": (log.mode or visit.mode).value,
            "language": language.value,
            "community": community,
            "volunteer": volunteer,
            "outcome": log.outcome.value,
            "hours": round(duration_hours(log.actual_start, log.actual_end), 2),
            "mood_before": log.mood_before,
            "mood_after": log.mood_after,
            "topics": log.topics,
            "follow_up_wanted": log.follow_up_wanted,
        })
    frame = pd.DataFrame.from_records(records, columns=list(SESSION_COLUMNS))
    frame["mood_before"] = frame["mood_before"].astype("Int64")
    frame["mood_after"] = frame["mood_after"].astype("Int64")
    return SessionReport(sessions=frame, residents_heard=len(heard))


def topic_counts(report: SessionReport) -> pd.Series:
    """How often each topic came up in held sessions, most frequent first."""
    topics = report.held["topics"].str.split(",").explode()
    topics = topics[topics.notna() & (topics != "")]
    return topics.value_counts()


def by_community(report: SessionReport) -> pd.DataFrame:
    held = report.held
    if held.empty:
        return pd.DataFrame(columns=["community", "sessions", "hours", "mood_change"])
    change = (held["mood_after"] - held["mood_before"]).astype("Float64")
    grouped = held.assign(mood_change=change).groupby("community")
    return (grouped.agg(sessions=("hours", "size"), hours=("hours", "sum"), mood_change=("mood_change", "mean"))
            .round({"hours": 1, "mood_change": 2}).reset_index().sort_values("sessions", ascending=False))


def excel_workbook(session: Session, *, actor: Account, sheets: dict[str, pd.DataFrame]) -> bytes:
    """The report as an .xlsx file (openpyxl); no cell can run as a formula (core.cells); the export is audited."""
    require_role(actor, Role.coordinator)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
    audit.record(session, actor_id=actor.id, action=AuditAction.report_exported, entity="report",
                 details={"sheets": list(sheets), "rows": {name: len(frame) for name, frame in sheets.items()}})
    return buffer.getvalue()
