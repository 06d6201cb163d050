"""Visits, the volunteers booked on them, and the session log each volunteer writes afterwards."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import enum_column, utc_column
from listening.models.enums import Mode, Outcome, VisitRole, VisitStatus


class Visit(SQLModel, table=True):
    __tablename__ = "visit"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="listening_request.id", index=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode))
    starts_at: datetime = Field(sa_column=utc_column(index=True))
    ends_at: datetime = Field(sa_column=utc_column())
    status: VisitStatus = Field(
        default=VisitStatus.scheduled, sa_column=enum_column(VisitStatus, default=VisitStatus.scheduled, index=True)
    )
    created_by: int | None = Field(default=None, foreign_key="account.id")
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ck_visit_times"),
        # A request has at most one live visit.
        sa.Index(
            "uq_visit_live_per_request",
            "request_id",
            unique=True,
            sqlite_where=sa.text("status IN ('proposed','scheduled','confirmed')"),
            postgresql_where=sa.text("status IN ('proposed','scheduled','confirmed')"),
        ),
    )


class VisitVolunteer(SQLModel, table=True):
    """A volunteer on a visit. `starts_at` and `live` are copied from the visit so the database itself refuses
    to book one volunteer twice in the same slot."""

    __tablename__ = "visit_volunteer"

    visit_id: int = Field(foreign_key="visit.id", primary_key=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, index=True)
    role: VisitRole = Field(sa_column=enum_column(VisitRole))
    starts_at: datetime = Field(sa_column=utc_column())
    live: bool = True
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    __table_args__ = (
        sa.Index(
            "uq_volunteer_slot_live",
            "volunteer_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("live = 1"),
            postgresql_where=sa.text("live"),
        ),
    )


class SessionLog(SQLModel, table=True):
    __tablename__ = "session_log"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True)
    outcome: Outcome = Field(sa_column=enum_column(Outcome))
    mode: Mode | None = Field(default=None, sa_column=enum_column(Mode, nullable=True))  # how it really took place
    actual_start: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))
    actual_end: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    mood_before: int | None = None
    mood_after: int | None = None
    topics: str = Field(default="", max_length=200)  # comma-separated topic codes
    follow_up_wanted: bool = False
    note: str = Field(default="", max_length=500)
    risk_suicide: bool = False
    risk_harm_others: bool = False
    risk_abuse: bool = False
    risk_medical: bool = False
    risk_scam: bool = False  # someone asked the resident for money (safeguarding.RISK_KINDS)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.UniqueConstraint("visit_id", "volunteer_id", name="uq_session_log"),
        sa.CheckConstraint("mood_before IS NULL OR mood_before BETWEEN 1 AND 5", name="ck_mood_before"),
        sa.CheckConstraint("mood_after IS NULL OR mood_after BETWEEN 1 AND 5", name="ck_mood_after"),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start", name="ck_session_times"
        ),
        # Each volunteer's last (or first) held session, for two thousand volunteers at once: an index-only scan.
        sa.Index("ix_session_log_volunteer_held", "volunteer_id", "outcome", "actual_start"),
    )
