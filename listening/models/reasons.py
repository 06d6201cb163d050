"""Reasons a coordinator typed for a request's transition (rejected proposal, back to the queue).

They used to sit in the audit trail's details; the audit names what happened, this table holds what was said,
and the retention purge empties it like every other text a person typed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import utc_column


class RequestReason(SQLModel, table=True):
    __tablename__ = "request_reason"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="listening_request.id", index=True, ondelete="CASCADE")
    action: str = Field(max_length=64)  # the AuditAction value of the transition it explains
    reason: str = Field(default="", max_length=200)  # emptied by the retention purge
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
