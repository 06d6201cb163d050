"""What came of an escalation: referrals and follow-up, each recorded once, with who and when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import StrEnum, enum_column, utc_column


class EscalationOutcomeKind(StrEnum):
    social_worker = "social_worker"  # referred to a social worker
    police = "police"  # referred to the police
    hospital = "hospital"  # referred to a hospital (or an ambulance called)
    followed_up = "followed_up"  # the coordinator followed up with the resident


class EscalationOutcome(SQLModel, table=True):
    __tablename__ = "escalation_outcome"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True, ondelete="CASCADE")
    kind: EscalationOutcomeKind = Field(sa_column=enum_column(EscalationOutcomeKind))
    recorded_by: int = Field(foreign_key="account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.UniqueConstraint("escalation_id", "kind", name="uq_escalation_outcome_kind"),)
