"""Complaints from residents (the public page or an SMS starting 投诉 / COMPLAINT): a reference, an owner, a
deadline and an outcome. The text is the complainant's words: shown inert, never audited, purged with other
texts (docs/privacy.md)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.core.i18n import DEFAULT_LOCALE
from listening.models.columns import StrEnum, enum_column, utc_column


class ComplaintChannel(StrEnum):
    web = "web"
    sms = "sms"


class ComplaintStatus(StrEnum):
    open = "open"  # nobody owns it yet
    in_progress = "in_progress"  # a coordinator owns it
    closed = "closed"


class ComplaintOutcome(StrEnum):
    upheld = "upheld"
    partly_upheld = "partly_upheld"
    not_upheld = "not_upheld"
    withdrawn = "withdrawn"


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"

    id: int | None = Field(default=None, primary_key=True)
    channel: ComplaintChannel = Field(sa_column=enum_column(ComplaintChannel))
    name: str = Field(default="", max_length=50)
    phone: str = Field(max_length=20, index=True)  # E.164: the outcome goes to it (or the coordinator calls)
    resident_id: int | None = Field(default=None, foreign_key="resident.id", ondelete="SET NULL")
    text: str = Field(default="", max_length=1000)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    sms_consent: bool = False
    client_key: str | None = Field(default=None, max_length=32, index=True)  # keyed hash, for the page's limit
    status: ComplaintStatus = Field(default=ComplaintStatus.open,
                                    sa_column=enum_column(ComplaintStatus, default=ComplaintStatus.open, index=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    due_at: datetime = Field(sa_column=utc_column())
    owner_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    outcome: ComplaintOutcome | None = Field(default=None, sa_column=enum_column(ComplaintOutcome, nullable=True))
    closed_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))

    __table_args__ = (
        sa.CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="ck_complaint_closed"),
        sa.CheckConstraint("due_at > received_at", name="ck_complaint_due"),
    )
