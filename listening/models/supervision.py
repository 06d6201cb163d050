"""Supervised practice, supervision and the volunteer's lifecycle: competency sign-offs, supervisors, supervision
sessions with attendance, pauses and departures. No notes of what was said: only who, when and which."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import StrEnum, enum_column, utc_column


class Competency(StrEnum):
    opening = "opening"
    reflecting_feelings = "reflecting_feelings"
    boundaries = "boundaries"
    ending = "ending"
    recognising_risk = "recognising_risk"


class ObservedIn(StrEnum):
    role_play = "role_play"
    first_session = "first_session"
    carried_over = "carried_over"  # volunteers already listening before sign-offs were recorded (migration 0011)


class SupervisionKind(StrEnum):
    one_to_one = "one_to_one"
    group = "group"


class PauseReason(StrEnum):
    holiday = "holiday"
    exams = "exams"
    other = "other"


class LeaveReason(StrEnum):
    moved_away = "moved_away"
    no_time = "no_time"
    health = "health"
    not_a_fit = "not_a_fit"
    other = "other"


class CompetencySignoff(SQLModel, table=True):
    """A trainer observed the volunteer show one competency, in a role-play or a first session."""

    __tablename__ = "competency_signoff"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    competency: Competency = Field(sa_column=enum_column(Competency))
    observed_in: ObservedIn = Field(sa_column=enum_column(ObservedIn))
    observed_on: date
    signed_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.UniqueConstraint("volunteer_id", "competency", name="uq_competency_signoff"),)


class VolunteerSupervisor(SQLModel, table=True):
    """Each volunteer's one supervisor (an account whose role may supervise)."""

    __tablename__ = "volunteer_supervisor"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, ondelete="CASCADE")
    supervisor_id: int = Field(foreign_key="account.id", index=True)
    assigned_on: date
    assigned_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")


class SupervisionSession(SQLModel, table=True):
    __tablename__ = "supervision_session"

    id: int | None = Field(default=None, primary_key=True)
    kind: SupervisionKind = Field(sa_column=enum_column(SupervisionKind))
    held_on: date = Field(index=True)
    supervisor_id: int = Field(foreign_key="account.id")
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class SupervisionAttendance(SQLModel, table=True):
    """Who was expected at a supervision session and whether they came."""

    __tablename__ = "supervision_attendance"

    session_id: int = Field(foreign_key="supervision_session.id", primary_key=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, index=True, ondelete="CASCADE")
    attended: bool


class VolunteerPause(SQLModel, table=True):
    """A break from listening; open while `returned_on` is empty (the volunteer's status is then paused)."""

    __tablename__ = "volunteer_pause"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    reason: PauseReason = Field(sa_column=enum_column(PauseReason))
    starts_on: date
    until_on: date | None = None  # the expected return, if known
    returned_on: date | None = None
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")

    __table_args__ = (sa.CheckConstraint("until_on IS NULL OR until_on >= starts_on", name="ck_pause_until"),)


class VolunteerDeparture(SQLModel, table=True):
    __tablename__ = "volunteer_departure"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", ondelete="CASCADE", sa_column_kwargs={"unique": True})
    reason: LeaveReason = Field(sa_column=enum_column(LeaveReason))
    left_on: date = Field(index=True)
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
