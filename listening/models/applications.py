"""A neighbour's application to become a volunteer, sent from the public page, and the one-time codes that prove
the applicant holds the phone number they gave.

An application is not a volunteer: a coordinator accepts it (a volunteer at the "applicant" stage is made, and
vetting starts) or declines it. Why the person wants to listen is their own words: it is emptied like session
notes once the application is decided (listening/privacy/retention.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import StrEnum, enum_column, utc_column
from listening.models.enums import Gender, Language, PartOfDay


class ApplicationStatus(StrEnum):
    submitted = "submitted"  # waiting in the coordinators' queue
    accepted = "accepted"  # a volunteer (stage "applicant") was made from it
    declined = "declined"


class DeclineReason(StrEnum):
    not_reachable = "not_reachable"  # the centre could not reach the applicant
    withdrew = "withdrew"  # the applicant no longer wants to
    not_a_fit = "not_a_fit"
    duplicate = "duplicate"  # the same person applied twice
    other = "other"


class DayKind(StrEnum):
    weekdays = "weekdays"
    weekends = "weekends"


class VolunteerApplication(SQLModel, table=True):
    __tablename__ = "volunteer_application"

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=100)
    gender: Gender = Field(sa_column=enum_column(Gender))
    phone: str = Field(max_length=20, index=True)  # E.164, proved by a code
    community_id: int = Field(foreign_key="community.id", index=True)
    motivation: str = Field(default="", max_length=1000)  # the applicant's words: emptied after the decision
    locale: str = Field(default="zh_CN", max_length=8)
    status: ApplicationStatus = Field(default=ApplicationStatus.submitted,
                                      sa_column=enum_column(ApplicationStatus, default=ApplicationStatus.submitted,
                                                            index=True))
    consent_at: datetime = Field(sa_column=utc_column())
    code_of_conduct_seen_at: datetime = Field(sa_column=utc_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    decided_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    decline_reason: DeclineReason | None = Field(default=None, sa_column=enum_column(DeclineReason, nullable=True))
    volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id", ondelete="SET NULL",
                                     sa_column_kwargs={"unique": True})
    # A resident who was listened to and now wants to listen too: entered by a coordinator, consent given aloud.
    resident_id: int | None = Field(default=None, foreign_key="resident.id", ondelete="SET NULL")
    entered_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")

    __table_args__ = (
        sa.CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="ck_application_decided"),
        sa.CheckConstraint("(status = 'accepted') = (volunteer_id IS NOT NULL)", name="ck_application_volunteer"),
        sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name="ck_application_reason"),
    )


class ApplicationLanguage(SQLModel, table=True):
    __tablename__ = "volunteer_application_language"

    application_id: int = Field(foreign_key="volunteer_application.id", primary_key=True, ondelete="CASCADE")
    language: Language = Field(sa_column=enum_column(Language, primary_key=True))


class ApplicationTime(SQLModel, table=True):
    """When the applicant could listen, in broad strokes: weekdays or weekends, by part of the day."""

    __tablename__ = "volunteer_application_time"

    application_id: int = Field(foreign_key="volunteer_application.id", primary_key=True, ondelete="CASCADE")
    days: DayKind = Field(sa_column=enum_column(DayKind, primary_key=True))
    part_of_day: PartOfDay = Field(sa_column=enum_column(PartOfDay, primary_key=True))


class PhoneCode(SQLModel, table=True):
    """A one-time code sent by SMS to prove a phone number on a public form. Only keyed hashes of the number, the
    client address and the code are kept; a code is single use, expires, and is burnt after a few wrong tries."""

    __tablename__ = "phone_code"

    id: int | None = Field(default=None, primary_key=True)
    phone_key: str = Field(max_length=32, index=True)  # HMAC of the E.164 number
    client_key: str = Field(max_length=32, index=True)  # HMAC of the client address
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    expires_at: datetime = Field(sa_column=utc_column())
    wrong_attempts: int = Field(default=0)
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
