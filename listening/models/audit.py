"""The audit trail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import utc_column


class AuditEvent(SQLModel, table=True):
    """Who did what to which record. `details` never holds a resident's words or phone number."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    actor_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    details: dict | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))

    # A request's history reads its events in time order (migration 0008).
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id", "at"),)
