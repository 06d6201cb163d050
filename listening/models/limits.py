"""Every submission of the public form, counted for its limits: per client address, per number, and the hourly
cap on SMS to numbers never seen before. Stored, so a page reload or a new browser does not reset them. The
address and the number are kept only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import utc_column


class IntakeAttempt(SQLModel, table=True):
    __tablename__ = "intake_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    client_key: str = Field(max_length=32, index=True)  # HMAC of the client address
    phone_key: str = Field(max_length=32, index=True)  # HMAC of the E.164 number
    new_number: bool = False  # the number had never been seen before this submission
    sms_queued: bool = False  # a "request received" SMS was queued for it

    __table_args__ = (sa.Index("ix_intake_attempt_new_sms", "new_number", "sms_queued", "at"),)
