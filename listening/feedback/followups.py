"""Follow-ups a worrying feedback answer opens (a score of LOW_SCORE or less, or a "yes" to money or private
contact): listed for the coordinators on the Feedback page, closed with an outcome code (no note: what was said
stays out of the record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.choices import one_of
from listening.core.errors import IllegalTransition, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.phones import mask
from listening.models import (
    Account,
    Complaint,
    ComplaintStatus,
    FeedbackChannel,
    FeedbackRequest,
    FollowUpOutcome,
    Resident,
    Role,
    Visit,
    VisitRole,
    VisitVolunteer,
    Volunteer,
    VolunteerHold,
    utcnow,
)
from listening.privacy import views


@dataclass(frozen=True)
class FollowUp:
    feedback_id: int
    resident_id: int
    resident_name: str
    phone_masked: str
    volunteer_name: str | None
    visit_starts_at: datetime
    score: int
    asked_for_money_or_contact: bool
    channel: FeedbackChannel
    answered_at: datetime
    escalation_id: int | None


def open_follow_ups(session: Session, *, actor: Account, limit: int = 100,
                    now: datetime | None = None) -> list[FollowUp]:
    """Follow-ups not closed yet, a "yes" first, then the lowest score, then the oldest."""
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(FeedbackRequest, Resident, Visit)
        .join(Resident, col(Resident.id) == col(FeedbackRequest.resident_id))
        .join(Visit, col(Visit.id) == col(FeedbackRequest.visit_id))
        .where(col(FeedbackRequest.follow_up_due).is_(True), col(FeedbackRequest.follow_up_closed_at).is_(None))
        .order_by(col(FeedbackRequest.asked_for_money_or_contact).desc(), col(FeedbackRequest.score),
                  col(FeedbackRequest.answered_at), col(FeedbackRequest.id)).limit(limit)
    ).all()
    leads = dict(session.exec(
        select(VisitVolunteer.visit_id, Volunteer.full_name)
        .join(Volunteer, col(Volunteer.id) == col(VisitVolunteer.volunteer_id))
        .where(col(VisitVolunteer.visit_id).in_([v.id for _f, _r, v in rows]), VisitVolunteer.role == VisitRole.lead)
    ).all()) if rows else {}
    shown = [FollowUp(feedback_id=f.id, resident_id=r.id, resident_name=r.display_name, phone_masked=mask(r.phone),
                      volunteer_name=leads.get(v.id), visit_starts_at=v.starts_at, score=f.score,
                      asked_for_money_or_contact=bool(f.asked_for_money_or_contact), channel=f.channel,
                      answered_at=f.answered_at, escalation_id=f.escalation_id) for f, r, v in rows]
    views.record_view(session, viewer=actor, resident_ids=[s.resident_id for s in shown],
                      context=views.ViewContext.feedback, now=now)
    return shown


def close_follow_up(session: Session, *, actor: Account, feedback_id: int, outcome: FollowUpOutcome | str,
                    now: datetime | None = None) -> FeedbackRequest:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    outcome = one_of(FollowUpOutcome, outcome, field="outcome", message=N_("Choose how the follow-up ended."))
    feedback = session.get(FeedbackRequest, feedback_id, with_for_update=True, populate_existing=True)
    if feedback is None:
        raise NotFound(N_("This feedback request does not exist."))
    if not feedback.follow_up_due:
        raise IllegalTransition(N_("This feedback has no follow-up to close."))
    if feedback.follow_up_closed_at is not None:
        raise IllegalTransition(N_("This follow-up was closed already."))
    feedback.follow_up_outcome, feedback.follow_up_closed_by, feedback.follow_up_closed_at = outcome, actor.id, now
    session.add(feedback)
    audit.record(session, actor_id=actor.id, action=AuditAction.feedback_follow_up_closed, entity="feedback_request",
                 entity_id=feedback.id, at=now, details={"visit_id": feedback.visit_id, "outcome": outcome.value})
    return feedback


@dataclass(frozen=True)
class Waiting:
    """What waits for a coordinator after visits, for the home page: counts only."""

    follow_ups: int
    calls: int  # feedback to ask by phone
    holds: int  # volunteers held until a decision
    complaints: int  # not closed

    @property
    def any(self) -> bool:
        return bool(self.follow_ups or self.calls or self.holds or self.complaints)


def waiting(session: Session, *, actor: Account) -> Waiting:
    require_role(actor, Role.coordinator)

    def count(model, *where) -> int:
        return session.exec(select(sa.func.count()).select_from(model).where(*where)).one()

    return Waiting(
        follow_ups=count(FeedbackRequest, col(FeedbackRequest.follow_up_due).is_(True),
                         col(FeedbackRequest.follow_up_closed_at).is_(None)),
        calls=count(FeedbackRequest, FeedbackRequest.channel == FeedbackChannel.phone,
                    col(FeedbackRequest.answered_at).is_(None)),
        holds=count(VolunteerHold, col(VolunteerHold.decided_at).is_(None)),
        complaints=count(Complaint, Complaint.status != ComplaintStatus.closed),
    )
