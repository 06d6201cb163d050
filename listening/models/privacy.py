"""Privacy: numbers that must never be texted again after their owner was erased, and who viewed whose details."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import utc_column


class ErasedOptOut(SQLModel, table=True):
    """An opt-out that outlived its resident's erasure: only a keyed hash of the number (core.phones.opt_out_hash),
    so the outbox can still refuse the number without the database holding it."""

    __tablename__ = "erased_opt_out"

    phone_hash: str = Field(primary_key=True, max_length=64)
    opted_out_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ResidentView(SQLModel, table=True):
    """One staff member saw one resident's details (a list row counts): the answer to "who viewed this resident".

    Written by privacy.views.record_view next to the audit event; a repeat within a few minutes is not written.
    """

    __tablename__ = "resident_view"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    viewer_id: int = Field(foreign_key="account.id", index=True)
    context: str = Field(max_length=32)  # privacy.views.ViewContext
    contact: bool = False  # the full number or address was shown
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
