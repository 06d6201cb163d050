"""The coordinator's home figures and requests per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from listening.core.clock import Window, hours_between, local_date
from listening.core.config import get_settings
from listening.core.permissions import require_role
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    Escalation,
    EscalationStatus,
    ListeningRequest,
    MessageStatus,
    OutboundMessage,
    RequestStatus,
    Role,
    SessionLog,
    Visit,
    VisitStatus,
    VolunteerStatus,
    utcnow,
)
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
    dialect = session.get_bind().dialect.name
    sessions_30, hours = session.exec(
        select(func.count(), func.coalesce(func.sum(hours_between(SessionLog.actual_start, SessionLog.actual_end,
                                                                  dialect)), 0))
        .where(col(SessionLog.actual_start) >= now - timedelta(days=30))
    ).one()
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
        sessions_last_30_days=sessions_30,
        hours_last_30_days=round(float(hours), 1),
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


