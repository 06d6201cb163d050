"""Outcomes beside hours: what residents answered after their visits, complaints and how long they took, and scam
or misconduct reports, over a period of local days. Aggregated in SQL: the cost does not grow with the years
kept (the handling-time median reads one number per complaint closed in the period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core.clock import Window, hours_between
from listening.core.config import get_settings
from listening.core.permissions import require_role
from listening.feedback.asking import LOW_SCORE
from listening.models import (
    Account,
    Complaint,
    Escalation,
    EscalationSource,
    FeedbackRequest,
    Role,
)
from listening.reports.sessions import report_period

MONTH_COLUMNS = ("month", "answers", "average_score")


@dataclass(frozen=True)
class FeedbackFigures:
    answers: int  # feedback answered in the period (by SMS or from a call)
    average_score: float | None  # "did you feel listened to", 1-5; None without answers
    low_scores: int  # answers of feedback.asking.LOW_SCORE or less
    asked_for_money_or_contact: int  # answers that said yes
    complaints: int  # received in the period
    complaints_closed: int  # closed in the period
    median_handling_days: float | None  # received to closed, of the complaints closed in the period
    scam_reports: int  # scam_or_misconduct escalations raised in the period


def _months(days: Window, tz: ZoneInfo) -> list[Window]:
    """The local calendar months the period touches, each cut to the period."""
    first = days.start.astimezone(tz).date().replace(day=1)
    months = []
    while True:
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        following = (first.replace(day=28) + pd.Timedelta(days=4)).replace(day=1)
        end = datetime.combine(following, datetime.min.time(), tzinfo=tz)
        months.append(Window(max(start, days.start), min(end, days.end)))
        if end >= days.end:
            return months
        first = following


def feedback_by_month(session: Session, *, actor: Account, start: date, end: date,
                      tz: ZoneInfo | None = None) -> pd.DataFrame:
    """Answers and the average score per local month (its first day) of the period; months without answers
    are left out. One query: each answer is put in its month by a CASE over the months' bounds."""
    require_role(actor, Role.coordinator)
    tz = tz or get_settings().tz
    days = report_period(start, end, tz)
    months = _months(days, tz)
    answered = col(FeedbackRequest.answered_at)
    month = sa.case(*[(window.holds(answered), index) for index, window in enumerate(months)], else_=None)
    rows = session.exec(
        select(month, sa.func.count(), sa.func.avg(sa.cast(FeedbackRequest.score, sa.Float)))
        .where(days.holds(answered)).group_by(month).order_by(month)
    ).all()
    frame = pd.DataFrame(
        [(months[i].start.astimezone(tz).date().replace(day=1), n, round(float(avg), 2)) for i, n, avg in rows
         if i is not None], columns=list(MONTH_COLUMNS))
    return frame.astype({"answers": "int64", "average_score": "float64"})


def feedback_figures(session: Session, *, actor: Account, start: date, end: date,
                     tz: ZoneInfo | None = None) -> FeedbackFigures:
    """The period's feedback, complaint and scam-report figures."""
    require_role(actor, Role.coordinator)
    days = report_period(start, end, tz or get_settings().tz)
    answers, average, low, yes = session.exec(
        select(sa.func.count(), sa.func.avg(sa.cast(FeedbackRequest.score, sa.Float)),
               sa.func.coalesce(sa.func.sum(sa.case((col(FeedbackRequest.score) <= LOW_SCORE, 1), else_=0)), 0),
               sa.func.coalesce(sa.func.sum(sa.case((col(FeedbackRequest.asked_for_money_or_contact).is_(True), 1),
                                                    else_=0)), 0))
        .where(days.holds(col(FeedbackRequest.answered_at)))
    ).one()
    received = session.exec(select(sa.func.count()).select_from(Complaint)
                            .where(days.holds(col(Complaint.received_at)))).one()
    dialect = session.get_bind().dialect.name
    handling = [float(h) / 24 for h in session.exec(
        select(hours_between(Complaint.received_at, Complaint.closed_at, dialect))
        .where(days.holds(col(Complaint.closed_at)))).all() if h is not None]
    scams = session.exec(select(sa.func.count()).select_from(Escalation)
                         .where(Escalation.source == EscalationSource.scam_or_misconduct,
                                days.holds(col(Escalation.raised_at)))).one()
    return FeedbackFigures(
        answers=answers, average_score=None if average is None else round(float(average), 2),
        low_scores=int(low), asked_for_money_or_contact=int(yes), complaints=received,
        complaints_closed=len(handling), median_handling_days=round(median(handling), 1) if handling else None,
        scam_reports=scams)
