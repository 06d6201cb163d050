"""Safeguarding alerts: every attempt to reach a coordinator about an escalation, sent or skipped."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import StrEnum, enum_column, utc_column


class AlertSkip(StrEnum):
    """Why a coordinator was not texted in a round of alerts."""

    no_phone = "no_phone"
    invalid_phone = "invalid_phone"
    opted_out = "opted_out"
    last_failed = "last_failed"  # the provider reported their last urgent SMS failed or undelivered


class EscalationAlert(SQLModel, table=True):
    """One coordinator in one round of alerts about one escalation: the SMS queued (`message_id`) or why not.

    Round 0 is the alert when the escalation opens; round n is the n-th re-alert. A coordinator appears at most
    once per round (the unique constraint), so two workers can never alert the same person twice in a round.
    """

    __tablename__ = "escalation_alert"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True, ondelete="CASCADE")
    round: int = 0
    coordinator_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="outbound_message.id", ondelete="SET NULL")
    skipped: AlertSkip | None = Field(default=None, sa_column=enum_column(AlertSkip, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.UniqueConstraint("escalation_id", "round", "coordinator_id", name="uq_escalation_alert_round"),
    )
