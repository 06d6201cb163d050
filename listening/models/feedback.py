"""A resident's feedback after a visit, the follow-up a worrying answer opens, and a volunteer held from visits
until a coordinator decides (a resident said someone asked for money or private contact).

Only digits and codes: no resident's words are stored here (an SMS reply's text is in inbound_message)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import StrEnum, enum_column, utc_column


class FeedbackChannel(StrEnum):
    sms = "sms"  # the resident replies with two digits
    phone = "phone"  # a +86 number or no SMS consent: a coordinator phones and records the answers


class FollowUpOutcome(StrEnum):
    """How a coordinator closed a feedback follow-up (no note: the outcome is a code)."""

    spoke_with_resident = "spoke_with_resident"
    volunteer_supported = "volunteer_supported"  # talked it through with the volunteer or their supervisor
    no_answer = "no_answer"  # the resident could not be reached
    no_action_needed = "no_action_needed"


class HoldDecision(StrEnum):
    release = "release"  # nothing wrong found: the held visits go ahead
    cancel_visits = "cancel_visits"  # the held visits are cancelled, their requests back in the queue
    cancel_and_pause = "cancel_and_pause"  # and the volunteer is paused from the programme


class FeedbackRequest(SQLModel, table=True):
    """One per visit held: asked by SMS or by a coordinator's call; the answers once given."""

    __tablename__ = "feedback_request"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", ondelete="CASCADE", sa_column_kwargs={"unique": True},
                          nullable=False)
    resident_id: int = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    channel: FeedbackChannel = Field(sa_column=enum_column(FeedbackChannel))
    asked_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    score: int | None = None  # "did you feel listened to", 1-5
    asked_for_money_or_contact: bool | None = None
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")  # None: by SMS
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", ondelete="SET NULL")
    follow_up_due: bool = False  # a low score or a "yes" asks a coordinator to follow up
    follow_up_outcome: FollowUpOutcome | None = Field(default=None,
                                                      sa_column=enum_column(FollowUpOutcome, nullable=True))
    follow_up_closed_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    follow_up_closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    __table_args__ = (
        sa.CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="ck_feedback_score"),
        sa.CheckConstraint("(answered_at IS NULL) = (score IS NULL)", name="ck_feedback_answered"),
    )


class VolunteerHold(SQLModel, table=True):
    """A volunteer's upcoming visits held (no reminders, not offered by matching) until a coordinator decides."""

    __tablename__ = "volunteer_hold"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", ondelete="SET NULL")
    held_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decision: HoldDecision | None = Field(default=None, sa_column=enum_column(HoldDecision, nullable=True))
    decided_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    __table_args__ = (
        # One undecided hold per volunteer: a second "yes" about them joins the first.
        sa.Index("uq_volunteer_hold_open", "volunteer_id", unique=True,
                 sqlite_where=sa.text("decided_at IS NULL"), postgresql_where=sa.text("decided_at IS NULL")),
        sa.CheckConstraint("(decided_at IS NULL) = (decision IS NULL)", name="ck_hold_decided"),
    )
