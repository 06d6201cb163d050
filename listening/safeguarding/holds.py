"""A volunteer held from visits: a resident answered that someone asked for money, gifts, investment or private
contact (feedback/asking.py). Until a coordinator decides (`decide_hold`), the volunteer's upcoming visits
(proposed, scheduled, confirmed) are held: nothing is sent about them (their queued SMS are `not_sent` with
VISIT_HELD, and reminders.py writes new ones the same way), and matching offers the volunteer nobody
(volunteers/lifecycle.py `away_volunteer_ids`). The decision: release (the visits go ahead, their SMS back in the
queue), cancel the visits (their requests back in the queue), or cancel and pause the volunteer.
"""

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
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import (
    Account,
    HoldDecision,
    MessageStatus,
    OutboundMessage,
    PauseReason,
    Role,
    Visit,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerHold,
    VolunteerStatus,
    utcnow,
)
from listening.residents import lifecycle
from listening.sms import outbox
from listening.volunteers import lifecycle as volunteer_lifecycle

HOLDABLE = (VisitStatus.proposed, VisitStatus.scheduled, VisitStatus.confirmed)
# Kept with the request's other reasons (purged like them); neutral words: the resident hears only "cancelled".
CANCEL_REASON = "the volunteer is not available (safeguarding decision)"


def open_hold(session: Session, volunteer_id: int) -> VolunteerHold | None:
    return session.exec(select(VolunteerHold).where(VolunteerHold.volunteer_id == volunteer_id,
                                                    col(VolunteerHold.decided_at).is_(None))).first()


def held_volunteer_ids(session: Session) -> set[int]:
    return set(session.exec(select(VolunteerHold.volunteer_id).where(col(VolunteerHold.decided_at).is_(None))))


def upcoming_visits(session: Session, volunteer_id: int, *, now: datetime) -> list[Visit]:
    return list(session.exec(
        select(Visit).join(VisitVolunteer, col(VisitVolunteer.visit_id) == col(Visit.id))
        .where(VisitVolunteer.volunteer_id == volunteer_id, col(Visit.status).in_(HOLDABLE),
               col(Visit.starts_at) > now)
        .order_by(col(Visit.starts_at), col(Visit.id))))


def held_visit_ids(session: Session, visit_ids: list[int] | None = None) -> set[int]:
    """The live visits (of `visit_ids`, or all) that have a held volunteer on them."""
    query = (select(VisitVolunteer.visit_id)
             .join(VolunteerHold, col(VolunteerHold.volunteer_id) == col(VisitVolunteer.volunteer_id))
             .join(Visit, col(Visit.id) == col(VisitVolunteer.visit_id))
             .where(col(VolunteerHold.decided_at).is_(None), col(Visit.status).in_(HOLDABLE)))
    if visit_ids is not None:
        if not visit_ids:
            return set()
        query = query.where(col(VisitVolunteer.visit_id).in_(visit_ids))
    return set(session.exec(query))


def hold_volunteer(session: Session, *, volunteer_id: int, escalation_id: int | None, actor: Account | None = None,
                   now: datetime | None = None) -> VolunteerHold:
    """Hold the volunteer's upcoming visits (a hold already open is kept: a second report joins it)."""
    now = now or utcnow()
    existing = open_hold(session, volunteer_id)
    if existing is not None:
        return existing
    hold = VolunteerHold(volunteer_id=volunteer_id, escalation_id=escalation_id, held_at=now)
    session.add(hold)
    session.flush()
    visits = [v.id for v in upcoming_visits(session, volunteer_id, now=now)]
    silenced = 0
    if visits:
        silenced = session.execute(
            sa.update(OutboundMessage)
            .where(col(OutboundMessage.visit_id).in_(visits), OutboundMessage.status == MessageStatus.queued)
            .values(status=MessageStatus.not_sent, error_message=outbox.VISIT_HELD, updated_at=now)
        ).rowcount
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.volunteer_held,
                 entity="volunteer", entity_id=volunteer_id, at=now,
                 details={"escalation_id": escalation_id, "visit_ids": visits, "messages": silenced})
    return hold


def decide_hold(session: Session, *, actor: Account, hold_id: int, decision: HoldDecision | str,
                now: datetime | None = None) -> VolunteerHold:
    """A coordinator's decision on a hold: release, cancel the held visits, or cancel them and pause the volunteer."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    decision = one_of(HoldDecision, decision, field="decision", message=N_("Choose what happens to the held visits."))
    hold = session.get(VolunteerHold, hold_id, with_for_update=True, populate_existing=True)
    if hold is None:
        raise NotFound(N_("This hold does not exist."))
    if hold.decided_at is not None:
        raise IllegalTransition(N_("This hold was decided already: {decision}."), decision=label(hold.decision))
    visits = upcoming_visits(session, hold.volunteer_id, now=now)
    ids = [v.id for v in visits]
    restored = 0
    if decision == HoldDecision.release and ids:
        # Only what can still help goes back in the queue: not a reminder whose moment passed during the hold.
        restored = session.execute(
            sa.update(OutboundMessage)
            .where(col(OutboundMessage.visit_id).in_(ids), OutboundMessage.status == MessageStatus.not_sent,
                   OutboundMessage.error_message == outbox.VISIT_HELD,
                   sa.or_(col(OutboundMessage.expires_at).is_(None), col(OutboundMessage.expires_at) > now),
                   sa.or_(col(OutboundMessage.kind).not_in(outbox.REMINDER_KINDS), col(OutboundMessage.due_at) > now))
            .values(status=MessageStatus.queued, error_message=None, updated_at=now)
        ).rowcount
    else:
        for visit in visits:
            if visit.status == VisitStatus.proposed:
                lifecycle.reject_proposal(session, actor=actor, request_id=visit.request_id, reason=CANCEL_REASON)
            else:
                lifecycle.requeue(session, actor=actor, request_id=visit.request_id, reason=CANCEL_REASON)
    if decision == HoldDecision.cancel_and_pause:
        volunteer = session.get(Volunteer, hold.volunteer_id)
        if volunteer is not None and volunteer.status == VolunteerStatus.active:
            volunteer_lifecycle.pause(session, actor=actor, volunteer_id=volunteer.id, reason=PauseReason.other)
    hold.decision, hold.decided_by, hold.decided_at = decision, actor.id, now
    session.add(hold)
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_hold_decided, entity="volunteer",
                 entity_id=hold.volunteer_id, at=now,
                 details={"decision": decision.value, "visit_ids": ids, "messages": restored,
                          "escalation_id": hold.escalation_id})
    return hold


@dataclass(frozen=True)
class HoldView:
    id: int
    volunteer_id: int
    volunteer_name: str
    escalation_id: int | None
    held_at: datetime
    visits: list[Visit]  # upcoming, held


def open_holds(session: Session, *, actor: Account, now: datetime | None = None) -> list[HoldView]:
    """Holds waiting for a decision, oldest first."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(select(VolunteerHold, Volunteer)
                        .join(Volunteer, col(Volunteer.id) == col(VolunteerHold.volunteer_id))
                        .where(col(VolunteerHold.decided_at).is_(None))
                        .order_by(col(VolunteerHold.held_at), col(VolunteerHold.id))).all()
    return [HoldView(id=hold.id, volunteer_id=volunteer.id, volunteer_name=volunteer.full_name,
                     escalation_id=hold.escalation_id, held_at=hold.held_at,
                     visits=upcoming_visits(session, volunteer.id, now=now)) for hold, volunteer in rows]


def holds_by_escalation(session: Session, escalation_ids: list[int]) -> dict[int, VolunteerHold]:
    """Each escalation's hold (open or decided), for the safeguarding page's cards."""
    if not escalation_ids:
        return {}
    rows = session.exec(select(VolunteerHold).where(col(VolunteerHold.escalation_id).in_(escalation_ids))
                        .order_by(col(VolunteerHold.id)))
    return {row.escalation_id: row for row in rows}
