"""Erasure on request (PIPL): a coordinator erases one resident, with a reason chosen from a list.

Every row that holds the resident's data goes: the resident, their requests and time windows, the reasons typed
about them, visits and bookings, session logs, escalations about them, SMS sent to or received from their number
(and alerts about their requests), who-viewed records do-not-match pairs, activities suggested to them with their follow-ups, and their journey plan with its goals. A number that had opted out leaves
only its keyed hash (core.phones.opt_out_hash), so it is never texted again. Volunteers' own records that pointed
at a visit (shadow sessions, debrief requests) stay, without the pointer.

The audit trail keeps that an erasure happened, by whom and the reason's code; never what was erased.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    ActivityFollowUp,
    ActivitySuggestion,
    Complaint,
    DebriefRequest,
    DoNotMatch,
    ErasedOptOut,
    Escalation,
    EscalationAlert,
    EscalationOutcome,
    FeedbackRequest,
    InboundMessage,
    IntakeAttempt,
    JourneyGoal,
    JourneyPlan,
    ListeningRequest,
    OutboundMessage,
    RequestReason,
    RequestTimeWindow,
    Resident,
    ResidentView,
    Role,
    SessionLog,
    ShadowSession,
    SmsOptOut,
    StrEnum,
    UnverifiedDetails,
    Visit,
    VisitVolunteer,
    VolunteerHold,
    utcnow,
)
from listening.residents import limits


class ErasureReason(StrEnum):
    resident_asked = "resident_asked"
    consent_withdrawn = "consent_withdrawn"
    entered_by_mistake = "entered_by_mistake"
    resident_died = "resident_died"


REASON_LABELS = {
    ErasureReason.resident_asked: N_("the resident asked to be erased"),
    ErasureReason.consent_withdrawn: N_("the resident withdrew their consent"),
    ErasureReason.entered_by_mistake: N_("entered by mistake or twice"),
    ErasureReason.resident_died: N_("the resident has died"),
}


@dataclass(frozen=True)
class ErasureCounts:
    requests: int
    visits: int
    session_logs: int
    escalations: int
    outbound_messages: int
    inbound_messages: int
    opt_out_kept_as_hash: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _delete(session: Session, model, *where) -> int:
    return session.execute(sa.delete(model).where(*where)).rowcount


def erase_resident(session: Session, *, actor: Account, resident_id: int, reason: ErasureReason,
                   confirm_name: str) -> ErasureCounts:
    """Erase the resident; `confirm_name` must repeat their name as stored (a guard against the wrong row)."""
    require_role(actor, Role.coordinator)
    if not isinstance(reason, ErasureReason):
        raise InvalidInput(N_("Choose a reason for the erasure."), field="reason")
    resident = session.get(Resident, resident_id, with_for_update=True)
    if resident is None:
        raise NotFound(N_("This resident does not exist (perhaps already erased)."))
    if (confirm_name or "").strip() != resident.display_name.strip():
        raise InvalidInput(N_("Type the resident's name exactly as shown to confirm the erasure."),
                           field="confirm_name")
    phone = resident.phone
    request_ids = list(session.exec(select(ListeningRequest.id).where(ListeningRequest.resident_id == resident.id)))
    visit_ids = list(session.exec(select(Visit.id).where(col(Visit.request_id).in_(request_ids)))) if request_ids else []
    log_ids = list(session.exec(select(SessionLog.id).where(col(SessionLog.visit_id).in_(visit_ids)))) if visit_ids else []

    escalation_ids = list(session.exec(select(Escalation.id).where(sa.or_(
        col(Escalation.request_id).in_(request_ids) if request_ids else sa.false(),
        col(Escalation.session_log_id).in_(log_ids) if log_ids else sa.false()))))
    if escalation_ids:
        # The alert rounds name the coordinators' SMS, so they go before the messages they point at.
        _delete(session, EscalationAlert, col(EscalationAlert.escalation_id).in_(escalation_ids))
        _delete(session, EscalationOutcome, col(EscalationOutcome.escalation_id).in_(escalation_ids))
    # The public form's counters hold only a keyed hash of the number, but that still says "this number asked".
    _delete(session, IntakeAttempt, IntakeAttempt.phone_key == limits.phone_key(phone))

    about_requests = col(OutboundMessage.request_id).in_(request_ids) if request_ids else sa.false()
    about_visits = col(OutboundMessage.visit_id).in_(visit_ids) if visit_ids else sa.false()
    outbound = _delete(session, OutboundMessage, sa.or_(OutboundMessage.to_phone == phone, about_requests, about_visits))
    inbound = _delete(session, InboundMessage, InboundMessage.from_phone == phone)
    opted_out = session.get(SmsOptOut, phone)
    if opted_out is not None:
        if session.get(ErasedOptOut, phones.opt_out_hash(phone)) is None:
            session.add(ErasedOptOut(phone_hash=phones.opt_out_hash(phone), opted_out_at=opted_out.opted_out_at))
        session.delete(opted_out)

    # Feedback (digits), a hold's link to the escalation, and complaints from this number or about this resident.
    _delete(session, FeedbackRequest, sa.or_(FeedbackRequest.resident_id == resident.id,
                                             col(FeedbackRequest.visit_id).in_(visit_ids) if visit_ids else sa.false()))
    if escalation_ids:
        session.execute(sa.update(VolunteerHold).where(col(VolunteerHold.escalation_id).in_(escalation_ids))
                        .values(escalation_id=None))
    _delete(session, Complaint, sa.or_(Complaint.phone == phone, Complaint.resident_id == resident.id))
    escalations = _delete(session, Escalation, col(Escalation.id).in_(escalation_ids)) if escalation_ids else 0
    if log_ids:
        session.execute(sa.update(DebriefRequest).where(col(DebriefRequest.session_log_id).in_(log_ids))
                        .values(session_log_id=None))
        _delete(session, SessionLog, col(SessionLog.id).in_(log_ids))
    # Activities suggested to the resident, their follow-ups, and the resident's journey plan with its goals.
    suggestion_ids = select(ActivitySuggestion.id).where(ActivitySuggestion.resident_id == resident.id)
    _delete(session, ActivityFollowUp, col(ActivityFollowUp.suggestion_id).in_(suggestion_ids))
    _delete(session, ActivitySuggestion, ActivitySuggestion.resident_id == resident.id)
    plan_ids = select(JourneyPlan.id).where(JourneyPlan.resident_id == resident.id)
    _delete(session, JourneyGoal, col(JourneyGoal.plan_id).in_(plan_ids))
    _delete(session, JourneyPlan, JourneyPlan.resident_id == resident.id)
    if visit_ids:
        session.execute(sa.update(ShadowSession).where(col(ShadowSession.visit_id).in_(visit_ids))
                        .values(visit_id=None))
        _delete(session, VisitVolunteer, col(VisitVolunteer.visit_id).in_(visit_ids))
        _delete(session, Visit, col(Visit.id).in_(visit_ids))
    if request_ids:
        _delete(session, RequestTimeWindow, col(RequestTimeWindow.request_id).in_(request_ids))
        _delete(session, RequestReason, col(RequestReason.request_id).in_(request_ids))
        _delete(session, UnverifiedDetails, col(UnverifiedDetails.request_id).in_(request_ids))
        _delete(session, ListeningRequest, col(ListeningRequest.id).in_(request_ids))
    _delete(session, DoNotMatch, DoNotMatch.resident_id == resident.id)
    _delete(session, ResidentView, ResidentView.resident_id == resident.id)
    session.delete(resident)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.resident_erased, entity="resident",
                 entity_id=resident_id, details={"reason": reason.value}, at=utcnow())
    return ErasureCounts(requests=len(request_ids), visits=len(visit_ids), session_logs=len(log_ids),
                         escalations=escalations, outbound_messages=outbound, inbound_messages=inbound,
                         opt_out_kept_as_hash=opted_out is not None)
