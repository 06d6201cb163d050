"""The way back to real people: the centre's catalogue of community activities, an activity a volunteer suggested
to a resident with the follow-ups at two and six weeks, and a resident's journey plan (goals they chose, when to
review, a planned last session)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import StrEnum, enum_column, utc_column
from listening.models.enums import Language

FOLLOW_UP_WEEKS = (2, 6)  # when the centre asks whether the resident went, then whether they still go


class ActivityKind(StrEnum):
    dazi_group = "dazi_group"  # 搭子小组: people who do one thing together (chess, walks, meals)
    sport = "sport"
    class_ = "class"
    volunteering = "volunteering"
    other = "other"


class FollowUpAnswer(StrEnum):
    went = "went"  # at six weeks: still goes
    not_went = "not_went"
    unknown = "unknown"  # nobody could find out


class Activity(SQLModel, table=True):
    """A real group or activity the centre can vouch for; retired, never deleted (suggestions point at it)."""

    __tablename__ = "activity"

    id: int | None = Field(default=None, primary_key=True)
    name_zh: str = Field(max_length=20)
    name_en: str | None = Field(default=None, max_length=40)
    kind: ActivityKind = Field(sa_column=enum_column(ActivityKind))
    community_id: int = Field(foreign_key="community.id", index=True)
    place: str = Field(max_length=30)
    schedule: str = Field(max_length=20)  # as people say it: 每周三 19:00
    free: bool = True
    cost: str | None = Field(default=None, max_length=12)  # e.g. 每次 10 元; only when not free
    contact_id: int = Field(foreign_key="account.id")  # the coordinator who knows the group
    accessibility: str = Field(default="", max_length=200)
    retired_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("NOT free OR cost IS NULL", name="ck_activity_cost"),)


class ActivityLanguage(SQLModel, table=True):
    __tablename__ = "activity_language"

    activity_id: int = Field(foreign_key="activity.id", primary_key=True, ondelete="CASCADE")
    language: Language = Field(sa_column=enum_column(Language, primary_key=True))


class ActivitySuggestion(SQLModel, table=True):
    """A volunteer suggested an activity in a session log; the resident got its details by SMS."""

    __tablename__ = "activity_suggestion"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    activity_id: int = Field(foreign_key="activity.id", index=True)
    visit_id: int = Field(foreign_key="visit.id", ondelete="CASCADE")
    suggested_by: int = Field(foreign_key="volunteer.id", index=True)
    suggested_on: date = Field(index=True)  # the centre's local day: follow-ups are due 2 and 6 weeks later
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.UniqueConstraint("visit_id", "activity_id", name="uq_activity_suggestion"),)


class ActivityFollowUp(SQLModel, table=True):
    """The answer at one checkpoint (2 or 6 weeks): did the resident go, do they still go."""

    __tablename__ = "activity_follow_up"

    suggestion_id: int = Field(foreign_key="activity_suggestion.id", primary_key=True, ondelete="CASCADE")
    weeks: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    answer: FollowUpAnswer = Field(sa_column=enum_column(FollowUpAnswer))
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("weeks IN (2, 6)", name="ck_follow_up_weeks"),)


class JourneyPlan(SQLModel, table=True):
    """One plan per resident with repeated sessions: reviewed after `review_after` held sessions."""

    __tablename__ = "journey_plan"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE", sa_column_kwargs={"unique": True})
    review_after: int = 6
    planned_sessions: int | None = None  # the planned last session, by number ...
    planned_last_on: date | None = None  # ... or by date
    # Sessions held from this instant count toward the review: when the plan was made, or last reviewed.
    counted_since: datetime = Field(sa_column=utc_column())
    reviewed_on: date | None = None
    recorded_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.CheckConstraint("review_after BETWEEN 1 AND 52", name="ck_journey_review_after"),
        sa.CheckConstraint("planned_sessions IS NULL OR planned_sessions BETWEEN 1 AND 200",
                           name="ck_journey_planned_sessions"),
    )


class JourneyGoal(SQLModel, table=True):
    """A goal the resident chose, in their words as the coordinator typed them."""

    __tablename__ = "journey_goal"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="journey_plan.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(max_length=80)

    __table_args__ = (sa.UniqueConstraint("plan_id", "position", name="uq_journey_goal_position"),)
