"""Residents, their listening requests and when they can, and who must never visit them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.core.i18n import DEFAULT_LOCALE
from listening.models.columns import enum_column, utc_column
from listening.models.duplicates import SameNumberDecision, SmsHold
from listening.models.enums import Gender, Language, Mode, PartOfDay, RequestSource, RequestStatus

OPEN_UNIQUE_WHERE = "status IN ('new','matched','scheduled','confirmed') AND same_number_as_id IS NULL"


class Resident(SQLModel, table=True):
    __tablename__ = "resident"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=50)
    phone: str = Field(max_length=20, sa_column_kwargs={"unique": True}, nullable=False)  # E.164
    community_id: int = Field(foreign_key="community.id", index=True)
    address: str | None = Field(default=None, max_length=200)  # only for home visits
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)  # language of the SMS the resident gets
    sensitive_consent_at: datetime = Field(sa_column=utc_column())
    sms_consent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    consent_verbal: bool = False
    consent_recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ListeningRequest(SQLModel, table=True):
    __tablename__ = "listening_request"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode))
    language: Language = Field(sa_column=enum_column(Language))
    gender_wish: Gender | None = Field(default=None, sa_column=enum_column(Gender, nullable=True))
    wants_same_volunteer: bool = False
    previous_volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id")
    topic: str | None = Field(default=None, max_length=300)
    urgency: int = 1
    risk_flag: bool = False
    status: RequestStatus = Field(
        default=RequestStatus.new, sa_column=enum_column(RequestStatus, default=RequestStatus.new, index=True)
    )
    source: RequestSource = Field(
        default=RequestSource.online, sa_column=enum_column(RequestSource, default=RequestSource.online)
    )
    cancel_reason: str | None = Field(default=None, max_length=200)
    # Sent from the public form with a number that already had request #N: the original is never touched.
    # No ON DELETE SET NULL: a NULL here would count it against the one-open-request index below.
    same_number_as_id: int | None = Field(default=None, foreign_key="listening_request.id")
    same_number_decision: SameNumberDecision | None = Field(
        default=None, sa_column=enum_column(SameNumberDecision, nullable=True))
    sms_held: SmsHold | None = Field(default=None, sa_column=enum_column(SmsHold, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.CheckConstraint("urgency BETWEEN 1 AND 3", name="ck_request_urgency"),
        # One open request per resident, besides same-number requests waiting for (or kept by) a coordinator.
        sa.Index(
            "uq_request_open_per_resident",
            "resident_id",
            unique=True,
            sqlite_where=sa.text(OPEN_UNIQUE_WHERE),
            postgresql_where=sa.text(OPEN_UNIQUE_WHERE),
        ),
        # The oldest request of a status (the home's "oldest wait"): without it the planner walks the created_at
        # index from two years back past every request that is no longer new.
        sa.Index("ix_listening_request_status_created", "status", "created_at"),
    )


class RequestTimeWindow(SQLModel, table=True):
    """When the resident can: a weekday (0 = Monday) or a specific date, and a part of the day."""

    __tablename__ = "request_time_window"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="listening_request.id", index=True, ondelete="CASCADE")
    weekday: int | None = None
    on_date: date | None = None
    part_of_day: PartOfDay = Field(sa_column=enum_column(PartOfDay))

    __table_args__ = (
        sa.CheckConstraint("(weekday IS NULL) <> (on_date IS NULL)", name="ck_window_weekday_or_date"),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="ck_window_weekday"),
    )


class DoNotMatch(SQLModel, table=True):
    """A resident who must never be matched with this volunteer again."""

    __tablename__ = "do_not_match"

    resident_id: int = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, ondelete="CASCADE")
    reason: str = Field(default="", max_length=200)
