"""The audit trail: one row per state change or sensitive read, written in the same transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from listening.core.permissions import require_role
from listening.models import Account, AuditEvent, Role, utcnow


class AuditAction(StrEnum):
    """Every action the audit trail knows: what happened, never what was said. Stored as its value."""

    account_created = "account.created"
    account_locked = "account.locked"
    account_invited = "account.invited"  # a volunteer's account made, with a one-time code to set a password
    account_code_issued = "account.code_issued"  # a new one-time code (a reset, or an invite sent again)
    account_code_failed = "account.code_failed"  # a wrong code typed for the account
    account_code_used = "account.code_used"
    account_password_set = "account.password_set"  # with a one-time code
    account_password_changed = "account.password_changed"  # by the signed-in person, with the current one
    auth_signed_in = "auth.signed_in"
    auth_signed_out = "auth.signed_out"
    auth_failed = "auth.failed"
    auth_expired = "auth.expired"
    activity_added = "activity.added"
    activity_updated = "activity.updated"
    activity_retired = "activity.retired"
    activity_restored = "activity.restored"
    activity_suggested = "activity.suggested"  # in a session log; the resident gets its details by SMS
    activity_follow_up_recorded = "activity.follow_up_recorded"  # went, still goes, or not, at 2 or 6 weeks
    availability_rule_added = "availability.rule_added"
    availability_rule_removed = "availability.rule_removed"
    availability_exception_added = "availability.exception_added"
    availability_exception_removed = "availability.exception_removed"
    availability_cap_changed = "availability.cap_changed"
    debrief_requested = "debrief.requested"
    debrief_held = "debrief.held"
    debrief_declined = "debrief.declined"
    demo_seeded = "demo.seeded"
    duty_shift_added = "duty_shift.added"
    escalation_raised = "escalation.raised"
    escalation_acknowledged = "escalation.acknowledged"
    escalation_action_recorded = "escalation.action_recorded"
    escalation_closed = "escalation.closed"
    escalation_alerted = "escalation.alerted"  # a re-alert, or the chain moving on after failed SMS
    escalation_contact_revealed = "escalation.contact_revealed"  # a coordinator revealed a number to call
    escalation_outcome_recorded = "escalation.outcome_recorded"
    journey_plan_saved = "journey.plan_saved"
    journey_reviewed = "journey.reviewed"
    matching_run = "matching.run"
    privacy_purged = "privacy.purged"
    report_exported = "report.exported"
    request_submitted = "request.submitted"
    request_updated = "request.updated"
    request_proposed = "request.proposed"
    request_proposal_rejected = "request.proposal_rejected"
    request_proposal_withdrawn = "request.proposal_withdrawn"
    request_scheduled = "request.scheduled"
    request_confirmed = "request.confirmed"
    request_completed = "request.completed"
    request_no_show = "request.no_show"
    request_cancelled = "request.cancelled"
    request_requeued = "request.requeued"
    request_merged = "request.merged"  # a same-number request closed into the original; nothing copied
    request_kept_separate = "request.kept_separate"  # a same-number request kept as a request of its own
    resident_details_viewed = "resident.details_viewed"
    resident_contact_viewed = "resident.contact_viewed"
    resident_copy_exported = "resident.copy_exported"
    resident_erased = "resident.erased"
    volunteer_contact_viewed = "volunteer.contact_viewed"
    coordinator_contact_viewed = "coordinator.contact_viewed"
    session_log_created = "session_log.created"
    sms_inbound = "sms.inbound"
    sms_resend = "sms.resend"
    training_completions_recorded = "training.completions_recorded"
    training_csv_imported = "training.csv_imported"
    training_quiz_taken = "training.quiz_taken"
    training_shadow_recorded = "training.shadow_recorded"
    volunteer_applicant_added = "volunteer.applicant_added"
    volunteer_vetting_step_recorded = "volunteer.vetting_step_recorded"
    volunteer_application_received = "volunteer_application.received"
    volunteer_application_accepted = "volunteer_application.accepted"
    volunteer_application_declined = "volunteer_application.declined"
    applicant_contact_viewed = "volunteer_application.contact_viewed"
    phone_code_sent = "phone_code.sent"
    phone_code_failed = "phone_code.failed"
    volunteer_competency_signed = "volunteer.competency_signed"
    volunteer_supervisor_assigned = "volunteer.supervisor_assigned"
    volunteer_paused = "volunteer.paused"
    volunteer_returned = "volunteer.returned"
    volunteer_left = "volunteer.left"
    supervision_logged = "supervision.logged"
    supervision_reminded = "supervision.reminded"
    hours_certificate_issued = "hours.certificate_issued"
    feedback_requested = "feedback.requested"  # after a visit held: by SMS, or a call task for a coordinator
    feedback_answered = "feedback.answered"  # the two digits, by SMS or recorded from a call
    feedback_follow_up_closed = "feedback.follow_up_closed"
    volunteer_held = "volunteer.held"  # upcoming visits held after a scam or misconduct answer
    volunteer_hold_decided = "volunteer.hold_decided"
    complaint_received = "complaint.received"
    complaint_assigned = "complaint.assigned"
    complaint_closed = "complaint.closed"


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: AuditAction,
    entity: str,
    entity_id: int | str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction. `details` must never hold a resident's words."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"an audit action is an AuditAction, not {action!r}")
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
        at=at or utcnow(),
    )
    session.add(event)
    return event


def recent_events(session: Session, *, actor: Account, limit: int = 200, entity: str | None = None) -> list[AuditEvent]:
    require_role(actor, Role.coordinator)
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return list(session.exec(query))
