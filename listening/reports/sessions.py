"""Logged sessions between two local dates: figures aggregated in the database for the page, and the
per-session table (without residents' names, phones or the volunteers' notes) for the Excel export only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.cells import neutralise_frame
from listening.core.clock import Window, day_bounds, hours_between
from listening.core.config import get_settings
from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Community, ListeningRequest, Outcome, Resident, Role, SessionLog, Visit, Volunteer
from listening.reports import xlsx

SESSION_COLUMNS = ("date", "mode", "language", "community", "volunteer", "outcome", "hours", "mood_before",
                   "mood_after", "topics", "follow_up_wanted")
COMMUNITY_COLUMNS = ("community", "sessions", "hours", "mood_change")
MAX_REPORT_DAYS = 370


def report_period(start: date, end: date, tz: ZoneInfo | None) -> Window:
    """The local days from `start` to `end` inclusive, at most MAX_REPORT_DAYS."""
    if end < start:
        raise InvalidInput(N_("The end date must not be before the start date."), field="end")
    if (end - start).days > MAX_REPORT_DAYS:
        raise InvalidInput(N_("Choose at most {days} days for one report."), field="end", days=MAX_REPORT_DAYS)
    return day_bounds(start, end, tz or get_settings().tz)


def _logs_in(query, days: Window):
    """The query over session logs of visits that started in the period, with their request and community."""
    return (query.select_from(SessionLog)
            .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
            .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
            .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
            .join(Community, col(Community.id) == col(Resident.community_id))
            .where(days.holds(col(Visit.starts_at))))


# ----- the page's figures, aggregated in SQL ----------------------------------------------------------------------

@dataclass(frozen=True)
class SessionFigures:
    """What the Reports page shows for a period; its size does not grow with the number of sessions."""

    held: int
    not_held: int  # no-show or no answer
    hours: float  # held sessions' hours, each rounded to 0.01 h as in the export, summed, to 0.1 h
    residents_heard: int  # distinct residents with at least one held session
    topics: pd.Series  # topic code -> held sessions that touched it, most frequent first
    by_community: pd.DataFrame  # COMMUNITY_COLUMNS, most sessions first


def session_figures(session: Session, *, actor: Account, start: date, end: date,
                    tz: ZoneInfo | None = None) -> SessionFigures:
    """The period's figures in three aggregate queries: as many rows back as communities and topic combinations."""
    require_role(actor, Role.coordinator)
    days = report_period(start, end, tz)
    held = SessionLog.outcome == Outcome.held
    hours = hours_between(SessionLog.actual_start, SessionLog.actual_end, session.get_bind().dialect.name, rounded=2)
    # The counts and the residents heard in one pass over the period's logs (a district's year is 47,000).
    held_count, logged, heard = session.exec(_logs_in(select(
        sa.func.count(sa.case((held, 1))), sa.func.count(),
        sa.func.count(sa.distinct(sa.case((held, ListeningRequest.resident_id))))), days)).one()
    change = sa.cast(SessionLog.mood_after - SessionLog.mood_before, sa.Float)
    communities = session.exec(
        _logs_in(select(Community.code, sa.func.count(), sa.func.coalesce(sa.func.sum(hours), 0),
                        sa.func.avg(change)), days)
        .where(held).group_by(Community.code)).all()
    combinations = session.exec(_logs_in(select(SessionLog.topics, sa.func.count()), days)
                                .where(held).group_by(SessionLog.topics)).all()
    topics: Counter[str] = Counter()
    for combination, n in combinations:
        for code in (combination or "").split(","):
            if code:
                topics[code] += n
    frame = pd.DataFrame(
        [(code, n, round(float(h), 1), None if m is None else round(float(m), 2)) for code, n, h, m in communities],
        columns=list(COMMUNITY_COLUMNS))
    frame["mood_change"] = frame["mood_change"].astype("Float64")
    frame = frame.sort_values(["sessions", "community"], ascending=[False, True], kind="stable").reset_index(drop=True)
    topic_series = pd.Series(dict(topics.most_common()), dtype="int64", name="count")
    return SessionFigures(held=held_count, not_held=logged - held_count,
                          hours=round(sum(float(h) for _code, _n, h, _m in communities), 1),
                          residents_heard=heard, topics=topic_series, by_community=frame)


# ----- the per-session table, for the export ----------------------------------------------------------------------

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
    """One row per session (only the columns the table needs: no ORM objects), for the export."""
    require_role(actor, Role.coordinator)
    tz = tz or get_settings().tz
    days = report_period(start, end, tz)
    # Each session's hours are taken in SQL, rounded as session_figures rounds them: a year of a district is
    # 47,000 rows, and reading two more instants per row (parsed from text on SQLite) was a second of the export.
    hours = hours_between(SessionLog.actual_start, SessionLog.actual_end, session.get_bind().dialect.name, rounded=2)
    rows = session.exec(
        _logs_in(select(Visit.starts_at, SessionLog.mode, Visit.mode, ListeningRequest.language,
                        ListeningRequest.resident_id, Community.code, Volunteer.full_name, SessionLog.outcome,
                        sa.func.coalesce(hours, 0), SessionLog.mood_before,
                        SessionLog.mood_after, SessionLog.topics, SessionLog.follow_up_wanted), days)
        .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id))
        .order_by(col(Visit.starts_at))
    ).all()
    heard = set()
    records = []
    for (starts_at, log_mode, visit_mode, language, resident_id, community, volunteer, outcome, session_hours,
         mood_before, mood_after, topics, follow_up) in rows:
        if outcome == Outcome.held:
            heard.add(resident_id)
        records.append((starts_at.astimezone(tz).date(), (log_mode or visit_mode).value, language.value, community,
                        volunteer, outcome.value, round(float(session_hours), 2), mood_before,
                        mood_after, topics, follow_up))
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
        return pd.DataFrame(columns=list(COMMUNITY_COLUMNS))
    change = (held["mood_after"] - held["mood_before"]).astype("Float64")
    grouped = held.assign(mood_change=change).groupby("community")
    return (grouped.agg(sessions=("hours", "size"), hours=("hours", "sum"), mood_change=("mood_change", "mean"))
            .round({"hours": 1, "mood_change": 2}).reset_index().sort_values("sessions", ascending=False))


def excel_workbook(session: Session, *, actor: Account, sheets: dict[str, pd.DataFrame]) -> bytes:
    """The report as an .xlsx file; no cell can run as a formula (core.cells, and every cell is written by its
    column's type, never parsed: reports/xlsx.py); the export is audited."""
    require_role(actor, Role.coordinator)
    content = xlsx.workbook({name: neutralise_frame(frame) for name, frame in sheets.items()})
    audit.record(session, actor_id=actor.id, action=AuditAction.report_exported, entity="report",
                 details={"sheets": list(sheets), "rows": {name: len(frame) for name, frame in sheets.items()}})
    return content
