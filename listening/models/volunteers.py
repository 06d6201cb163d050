"""Volunteers, their languages, training records and weekly availability."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import enum_column, utc_column
from listening.models.enums import CompletionMethod, Gender, Language, Mode, VolunteerStatus


class Volunteer(SQLModel, table=True):
    __tablename__ = "volunteer"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", sa_column_kwargs={"unique": True})
    full_name: str = Field(max_length=100)
    gender: Gender = Field(sa_column=enum_column(Gender))
    phone: str = Field(max_length=20)  # E.164
    community_id: int = Field(foreign_key="community.id", index=True)
    status: VolunteerStatus = Field(
        default=VolunteerStatus.active, sa_column=enum_column(VolunteerStatus, default=VolunteerStatus.active)
    )
    weekly_hour_cap: int = Field(default=4, ge=1, le=20)
    mentor_id: int | None = Field(default=None, foreign_key="volunteer.id")
    joined_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("weekly_hour_cap BETWEEN 1 AND 20", name="ck_volunteer_hour_cap"),)


class VolunteerLanguage(SQLModel, table=True):
    __tablename__ = "volunteer_language"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, ondelete="CASCADE")
    language: Language = Field(sa_column=enum_column(Language, primary_key=True))


class TrainingModule(SQLModel, table=True):
    __tablename__ = "training_module"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    position: int
    title_zh: str = Field(max_length=100)
    title_en: str = Field(max_length=100)
    summary_zh: str = Field(default="", max_length=500)
    summary_en: str = Field(default="", max_length=500)
    requires_quiz: bool = False
    requires_signoff: bool = False
    valid_months: int | None = None  # None: never expires


class TrainingModuleMode(SQLModel, table=True):
    """The visit modes a module unlocks (a volunteer needs every module that unlocks a mode)."""

    __tablename__ = "training_module_mode"

    module_id: int = Field(foreign_key="training_module.id", primary_key=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode, primary_key=True))


class TrainingCompletion(SQLModel, table=True):
    __tablename__ = "training_completion"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="training_module.id", index=True)
    completed_on: date
    method: CompletionMethod = Field(sa_column=enum_column(CompletionMethod))
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.UniqueConstraint("volunteer_id", "module_id", "completed_on", name="uq_completion"),)


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="training_module.id")
    score_percent: int
    passed: bool
    taken_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("score_percent BETWEEN 0 AND 100", name="ck_quiz_score"),)


class ShadowSession(SQLModel, table=True):
    """A session a trainee observed beside a mentor; N of them lead to 'active'."""

    __tablename__ = "shadow_session"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="volunteer.id")
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    observed_on: date
    signed_off_by: int | None = Field(default=None, foreign_key="account.id")

    __table_args__ = (
        sa.CheckConstraint("volunteer_id <> mentor_id", name="ck_shadow_not_self"),
        sa.UniqueConstraint("volunteer_id", "mentor_id", "observed_on", name="uq_shadow_session"),
    )


class AvailabilityRule(SQLModel, table=True):
    """A recurring weekly window, expanded with dateutil.rrule in the program's timezone."""

    __tablename__ = "availability_rule"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    weekday: int  # 0 = Monday
    start_time: time
    end_time: time
    valid_from: date
    valid_until: date | None = None

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_rule_weekday"),
        sa.CheckConstraint("end_time > start_time", name="ck_rule_times"),
    )


class AvailabilityException(SQLModel, table=True):
    """Leave, holidays: no slot inside [starts_at, ends_at)."""

    __tablename__ = "availability_exception"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    reason: str = Field(default="", max_length=200)

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ck_exception_times"),)
