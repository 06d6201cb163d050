"""Vetting: the explicit checks a volunteer passes before listening, one row per step, each with an owner and a date.

The real-name check records only who checked and when: no identity document number is ever stored.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import enum_column, utc_column


class VettingStepKind(StrEnum):
    interview = "interview"
    reference = "reference"  # a reference or a community endorsement
    real_name_check = "real_name_check"  # checked by whom, when; no ID number
    code_of_conduct = "code_of_conduct"  # includes: never ask residents for money, gifts or private contact


class VettingStep(SQLModel, table=True):
    __tablename__ = "vetting_step"
    __table_args__ = (UniqueConstraint("volunteer_id", "kind", name="uq_vetting_step_volunteer_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    kind: VettingStepKind = Field(sa_column=enum_column(VettingStepKind))
    done_on: date
    owner_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")  # who did the step
    # The interview's notes, kept short and emptied like session notes (privacy/retention.py).
    notes: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
