"""Safeguarding: the duty rota, escalations and volunteer debriefs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import enum_column, utc_column
from listening.models.enums import DebriefStatus, EscalationSource, EscalationStatus


class DutyShift(SQLModel, table=True):
    """Who is the coordinator on duty, for safeguarding alerts."""

    __tablename__ = "duty_shift"

    id: int | None = Field(default=None, primary_key=True)
    coordinator_id: int = Field(foreign_key="account.id", index=True)
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ck_duty_times"),)


class Escalation(SQLModel, table=True):
    __tablename__ = "escalation"

    id: int | None = Field(default=None, primary_key=True)
    source: EscalationSource = Field(sa_column=enum_column(EscalationSource))
    request_id: int | None = Field(default=None, foreign_key="listening_request.id", ondelete="SET NULL")
    session_log_id: int | None = Field(default=None, foreign_key="session_log.id", ondelete="SET NULL")
    risk_kinds: str = Field(max_length=120)  # comma-separated codes, never the resident's words
    status: EscalationStatus = Field(
        default=EscalationStatus.open, sa_column=enum_column(EscalationStatus, default=EscalationStatus.open)
    )
    raised_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    acknowledged_by: int | None = Field(default=None, foreign_key="account.id")
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    action_taken: str | None = Field(default=None, max_length=500)
    closed_by: int | None = Field(default=None, foreign_key="account.id")
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class DebriefRequest(SQLModel, table=True):
    __tablename__ = "debrief_request"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    session_log_id: int | None = Field(default=None, foreign_key="session_log.id", ondelete="SET NULL")
    status: DebriefStatus = Field(
        default=DebriefStatus.requested, sa_column=enum_column(DebriefStatus, default=DebriefStatus.requested)
    )
    requested_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    handled_by: int | None = Field(default=None, foreign_key="account.id")
    handled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
