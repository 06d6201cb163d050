"""A resident's journey: for someone who comes back again and again, a plan with the goals they chose ("join one
group", "call my sister weekly"), a review after N held sessions, and a planned last session.

The plan is the resident's, recorded by a coordinator at their request; the review is a conversation, so the
software only says when it is due: once `review_after` sessions have been held since the plan was made or last
reviewed. Nothing here stops a resident from being heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today as local_today
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    Account,
    JourneyGoal,
    JourneyPlan,
    ListeningRequest,
    Outcome,
    Resident,
    Role,
    SessionLog,
    Visit,
    utcnow,
)

DEFAULT_REVIEW_AFTER = 6
MAX_GOALS = 6
GOAL_MAX = 80


@dataclass(frozen=True)
class JourneyView:
    resident_id: int
    goals: tuple[str, ...]
    review_after: int
    planned_sessions: int | None
    planned_last_on: date | None
    counted_since: datetime
    reviewed_on: date | None
    sessions_since: int  # held sessions since the plan was made or last reviewed

    @property
    def review_due(self) -> bool:
        return self.sessions_since >= self.review_after


def _held_since(session: Session, plan_ids: list[int]):
    """SQL: held visits per plan since its `counted_since` (a visit two volunteers logged counts once)."""
    return (select(JourneyPlan.id, sa.func.count(sa.distinct(Visit.id)).label("held"))
            .join(ListeningRequest, col(ListeningRequest.resident_id) == col(JourneyPlan.resident_id))
            .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
            .join(SessionLog, col(SessionLog.visit_id) == col(Visit.id))
            .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None))
            .where(col(SessionLog.actual_start) >= col(JourneyPlan.counted_since))
            .where(col(JourneyPlan.id).in_(plan_ids))
            .group_by(JourneyPlan.id))


def _plan(session: Session, resident_id: int) -> JourneyPlan | None:
    return session.exec(select(JourneyPlan).where(JourneyPlan.resident_id == resident_id)).first()


def plan_for(session: Session, *, actor: Account, resident_id: int) -> JourneyView | None:
    require_role(actor, Role.coordinator)
    plan = _plan(session, resident_id)
    if plan is None:
        return None
    goals = session.exec(select(JourneyGoal.text).where(JourneyGoal.plan_id == plan.id)
                         .order_by(col(JourneyGoal.position))).all()
    held = dict(session.exec(_held_since(session, [plan.id])).all())
    return JourneyView(resident_id, tuple(goals), plan.review_after, plan.planned_sessions, plan.planned_last_on,
                       plan.counted_since, plan.reviewed_on, held.get(plan.id, 0))


def _clean_goals(goals: list[str]) -> list[str]:
    cleaned = [g for g in (clean_typed(goal) for goal in goals) if g]
    if not cleaned:
        raise InvalidInput(N_("Write at least one goal the resident chose."), field="goals")
    if len(cleaned) > MAX_GOALS:
        raise InvalidInput(N_("Keep to {n} goals at most: a few the resident really wants."), field="goals",
                           n=MAX_GOALS)
    if any(len(g) > GOAL_MAX for g in cleaned):
        raise InvalidInput(N_("Keep each goal under {n} characters."), field="goals", n=GOAL_MAX)
    return cleaned


def save_plan(session: Session, *, actor: Account, resident_id: int, goals: list[str],
              review_after: int = DEFAULT_REVIEW_AFTER, planned_sessions: int | None = None,
              planned_last_on: date | None = None, now: datetime | None = None) -> JourneyPlan:
    """Make or change a resident's plan; the goals are replaced as a whole. The audit keeps counts, not words."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    if session.get(Resident, resident_id) is None:
        raise NotFound(N_("There is no resident with the number {id}."), id=resident_id)
    cleaned = _clean_goals(goals)
    if not isinstance(review_after, int) or not 1 <= review_after <= 52:
        raise InvalidInput(N_("Review after between 1 and 52 sessions."), field="review_after")
    if planned_sessions is not None and not 1 <= planned_sessions <= 200:
        raise InvalidInput(N_("The planned number of sessions is between 1 and 200."), field="planned_sessions")
    if planned_last_on is not None and planned_last_on < local_today(now):
        raise InvalidInput(N_("The planned last session cannot be in the past."), field="planned_last_on")
    plan = _plan(session, resident_id)
    created = plan is None
    if plan is None:
        plan = JourneyPlan(resident_id=resident_id, counted_since=now, created_at=now)
    plan.review_after, plan.planned_sessions, plan.planned_last_on = review_after, planned_sessions, planned_last_on
    plan.recorded_by, plan.updated_at = actor.id, now
    session.add(plan)
    session.flush()
    if not created:
        session.execute(sa.delete(JourneyGoal).where(col(JourneyGoal.plan_id) == plan.id))
    session.add_all(JourneyGoal(plan_id=plan.id, position=n, text=goal) for n, goal in enumerate(cleaned))
    audit.record(session, actor_id=actor.id, action=AuditAction.journey_plan_saved, entity="journey_plan",
                 entity_id=plan.id, at=now,
                 details={"resident_id": resident_id, "goals": len(cleaned), "review_after": review_after,
                          "planned_sessions": planned_sessions,
                          "planned_last_on": planned_last_on.isoformat() if planned_last_on else None,
                          "created": created})
    return plan


def record_review(session: Session, *, actor: Account, resident_id: int, now: datetime | None = None) -> JourneyPlan:
    """The coordinator and the resident went over the plan: the count of sessions starts again."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    plan = _plan(session, resident_id)
    if plan is None:
        raise IllegalTransition(N_("This resident has no journey plan to review."))
    held = dict(session.exec(_held_since(session, [plan.id])).all()).get(plan.id, 0)
    plan.counted_since, plan.reviewed_on, plan.updated_at = now, local_today(now), now
    session.add(plan)
    audit.record(session, actor_id=actor.id, action=AuditAction.journey_reviewed, entity="journey_plan",
                 entity_id=plan.id, at=now, details={"resident_id": resident_id, "sessions": held})
    return plan


@dataclass(frozen=True)
class ReviewDue:
    resident_id: int
    resident_name: str
    sessions_since: int
    review_after: int


def reviews_due(session: Session, *, actor: Account, limit: int = 100) -> list[ReviewDue]:
    """Plans whose review is due, the most sessions past due first; counted in SQL."""
    require_role(actor, Role.coordinator)
    held = _held_since(session, select(JourneyPlan.id)).subquery()
    rows = session.exec(
        select(JourneyPlan.resident_id, Resident.display_name, held.c.held, JourneyPlan.review_after)
        .join(held, held.c.id == col(JourneyPlan.id))
        .join(Resident, col(Resident.id) == col(JourneyPlan.resident_id))
        .where(held.c.held >= col(JourneyPlan.review_after))
        .order_by((held.c.held - col(JourneyPlan.review_after)).desc(), col(JourneyPlan.resident_id))
        .limit(limit)).all()
    return [ReviewDue(*row) for row in rows]
