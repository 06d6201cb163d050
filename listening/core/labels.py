"""Every enum's name for people, in one registry keyed by enum class, then member.

The registry holds English msgids (marked with N_); `label` translates in the current locale, `label_in` in a
given one (an SMS goes out in its recipient's language, not the sender's). Keying by class keeps members of
different enums apart even where their values are the same string (`MessageStatus.cancelled` is not
`VisitStatus.cancelled`). A second registry exists only where a sentence needs other words than the plain label.
"""

from __future__ import annotations

from enum import Enum

from listening.core.audit import AuditAction
from listening.core.i18n import N_, gettext, translations
from listening.models import (
    ActivityKind,
    ApplicationStatus,
    Competency,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    DayKind,
    DeclineReason,
    EscalationStatus,
    FeedbackChannel,
    FollowUpAnswer,
    FollowUpOutcome,
    Gender,
    HoldDecision,
    Language,
    LeaveReason,
    MessageKind,
    MessageStatus,
    Mode,
    ObservedIn,
    Outcome,
    PauseReason,
    RecipientKind,
    ReplyIntentValue,
    RequestSource,
    RequestStatus,
    Role,
    SupervisionKind,
    VettingStepKind,
    VisitStatus,
    VolunteerStatus,
)

Registry = dict[type[Enum], dict[Enum, str]]

LABELS: Registry = {
    # Also the phrase an SMS puts in brackets after the time: "… booked for {when} ({mode})".
    Mode: {
        Mode.centre: N_("at the centre"),
        Mode.phone: N_("by phone"),
        Mode.home: N_("home visit"),
    },
    Language: {
        Language.mandarin: N_("Mandarin"),
        Language.cantonese: N_("Cantonese"),
        Language.hakka: N_("Hakka"),
        Language.teochew: N_("Teochew"),
        Language.english: N_("English"),
    },
    Role: {
        Role.coordinator: N_("coordinator"),
        Role.volunteer: N_("volunteer"),
    },
    RequestSource: {
        RequestSource.online: N_("the public form"),
        RequestSource.coordinator: N_("entered by a coordinator"),
    },
    Gender: {
        Gender.female: N_("female"),
        Gender.male: N_("male"),
        Gender.other: N_("other"),
    },
    VolunteerStatus: {
        VolunteerStatus.active: N_("active"),
        VolunteerStatus.paused: N_("paused"),
        VolunteerStatus.left: N_("left"),
    },
    RequestStatus: {
        RequestStatus.new: N_("new"),
        RequestStatus.matched: N_("matched"),
        RequestStatus.scheduled: N_("scheduled"),
        RequestStatus.confirmed: N_("confirmed"),
        RequestStatus.completed: N_("completed"),
        RequestStatus.cancelled: N_("cancelled"),
        RequestStatus.no_show: N_("no-show"),
    },
    VisitStatus: {
        VisitStatus.proposed: N_("proposed"),
        VisitStatus.scheduled: N_("scheduled"),
        VisitStatus.confirmed: N_("confirmed"),
        VisitStatus.completed: N_("completed"),
        VisitStatus.cancelled: N_("cancelled"),
        VisitStatus.no_show: N_("no-show"),
    },
    Outcome: {
        Outcome.held: N_("held"),
        Outcome.no_show: N_("no-show"),
        Outcome.no_answer: N_("no answer"),
    },
    MessageKind: {
        MessageKind.request_received: N_("request received"),
        MessageKind.account_invite: N_("account code"),
        MessageKind.visit_scheduled: N_("visit booked"),
        MessageKind.reminder_24h: N_("reminder 24 h before"),
        MessageKind.reminder_2h: N_("reminder 2 h before"),
        MessageKind.cancellation: N_("cancellation"),
        MessageKind.no_show_followup: N_("no-show follow-up"),
        MessageKind.safeguarding_alert: N_("safeguarding alert"),
        MessageKind.reply_help: N_("help reply"),
        MessageKind.reply_ack: N_("reply acknowledgement"),
        MessageKind.coordinator_notice: N_("notice to the coordinator"),
        MessageKind.supervision_reminder: N_("supervision reminder"),
        MessageKind.application_code: N_("application code"),
        MessageKind.feedback_request: N_("feedback question"),
        MessageKind.feedback_thanks: N_("thanks for feedback"),
        MessageKind.complaint_received: N_("complaint received"),
        MessageKind.complaint_outcome: N_("complaint outcome"),
        MessageKind.activity_suggestion: N_("activity details"),
    },
    MessageStatus: {
        MessageStatus.queued: N_("queued"),
        MessageStatus.sending: N_("sending"),
        MessageStatus.sent: N_("sent"),
        MessageStatus.delivered: N_("delivered"),
        MessageStatus.undelivered: N_("undelivered"),
        MessageStatus.failed: N_("failed"),
        MessageStatus.expired: N_("expired"),
        MessageStatus.cancelled: N_("cancelled"),
        MessageStatus.not_sent: N_("not sent"),
    },
    RecipientKind: {
        RecipientKind.resident: N_("resident"),
        RecipientKind.volunteer: N_("volunteer"),
        RecipientKind.coordinator: N_("coordinator"),
        RecipientKind.applicant: N_("applicant"),
    },
    ReplyIntentValue: {
        ReplyIntentValue.confirm: N_("confirms"),
        ReplyIntentValue.cancel: N_("cancels"),
        ReplyIntentValue.opt_out: N_("stops SMS"),
        ReplyIntentValue.opt_in: N_("starts SMS again"),
        ReplyIntentValue.help: N_("asks for help"),
        ReplyIntentValue.feedback: N_("feedback answer"),
        ReplyIntentValue.complaint: N_("complaint"),
        ReplyIntentValue.other: N_("other reply"),
    },
    EscalationStatus: {
        EscalationStatus.open: N_("open"),
        EscalationStatus.acknowledged: N_("acknowledged"),
        EscalationStatus.closed: N_("closed"),
    },
    # What happened, as the audit log says it (tests/core/test_labels.py: every action has one).
    AuditAction: {
        AuditAction.account_created: N_("account created"),
        AuditAction.account_locked: N_("account locked after failed sign-ins"),
        AuditAction.account_invited: N_("volunteer invited to an account"),
        AuditAction.account_code_issued: N_("one-time code issued"),
        AuditAction.account_code_failed: N_("wrong one-time code"),
        AuditAction.account_code_used: N_("one-time code used"),
        AuditAction.account_password_set: N_("password set with a one-time code"),
        AuditAction.account_password_changed: N_("password changed"),
        AuditAction.auth_signed_in: N_("signed in"),
        AuditAction.auth_signed_out: N_("signed out"),
        AuditAction.auth_failed: N_("sign-in failed"),
        AuditAction.auth_expired: N_("session expired"),
        AuditAction.activity_added: N_("activity added to the catalogue"),
        AuditAction.activity_updated: N_("activity changed"),
        AuditAction.activity_retired: N_("activity retired"),
        AuditAction.activity_restored: N_("activity back in the catalogue"),
        AuditAction.activity_suggested: N_("activity suggested to a resident"),
        AuditAction.activity_follow_up_recorded: N_("activity follow-up recorded"),
        AuditAction.availability_rule_added: N_("weekly availability added"),
        AuditAction.availability_rule_removed: N_("weekly availability removed"),
        AuditAction.availability_exception_added: N_("time away added"),
        AuditAction.availability_exception_removed: N_("time away removed"),
        AuditAction.availability_cap_changed: N_("weekly hour cap changed"),
        AuditAction.debrief_requested: N_("debrief requested"),
        AuditAction.debrief_held: N_("debrief held"),
        AuditAction.debrief_declined: N_("debrief declined"),
        AuditAction.demo_seeded: N_("demo data seeded"),
        AuditAction.duty_shift_added: N_("duty shift added"),
        AuditAction.escalation_raised: N_("safeguarding escalation raised"),
        AuditAction.escalation_acknowledged: N_("escalation acknowledged"),
        AuditAction.escalation_action_recorded: N_("action on an escalation written"),
        AuditAction.escalation_closed: N_("escalation closed"),
        AuditAction.escalation_alerted: N_("coordinators alerted again"),
        AuditAction.escalation_contact_revealed: N_("number revealed to call about an escalation"),
        AuditAction.escalation_outcome_recorded: N_("outcome of an escalation recorded"),
        AuditAction.journey_plan_saved: N_("journey plan saved"),
        AuditAction.journey_reviewed: N_("journey plan reviewed"),
        AuditAction.matching_run: N_("matching run"),
        AuditAction.privacy_purged: N_("old texts purged (retention)"),
        AuditAction.report_exported: N_("report exported"),
        AuditAction.request_submitted: N_("request received"),
        AuditAction.request_updated: N_("request updated by a new submission"),
        AuditAction.request_proposed: N_("visit proposed"),
        AuditAction.request_proposal_rejected: N_("proposal rejected"),
        AuditAction.request_proposal_withdrawn: N_("proposal withdrawn"),
        AuditAction.request_scheduled: N_("visit scheduled"),
        AuditAction.request_confirmed: N_("visit confirmed"),
        AuditAction.request_completed: N_("visit completed"),
        AuditAction.request_no_show: N_("no-show"),
        AuditAction.request_cancelled: N_("request cancelled"),
        AuditAction.request_requeued: N_("request back in the queue"),
        AuditAction.request_merged: N_("request merged into the earlier one"),
        AuditAction.request_kept_separate: N_("request with the same number kept separate"),
        AuditAction.resident_details_viewed: N_("resident's details viewed"),
        AuditAction.resident_contact_viewed: N_("resident's full number or address viewed"),
        AuditAction.resident_copy_exported: N_("resident's copy downloaded"),
        AuditAction.resident_erased: N_("resident erased"),
        AuditAction.volunteer_contact_viewed: N_("volunteer's number viewed"),
        AuditAction.coordinator_contact_viewed: N_("coordinator's number viewed"),
        AuditAction.session_log_created: N_("session logged"),
        AuditAction.sms_inbound: N_("SMS received"),
        AuditAction.sms_resend: N_("SMS sent again"),
        AuditAction.training_completions_recorded: N_("training completions recorded"),
        AuditAction.training_csv_imported: N_("training completions imported"),
        AuditAction.training_quiz_taken: N_("quiz taken"),
        AuditAction.training_shadow_recorded: N_("shadow session recorded"),
        AuditAction.volunteer_applicant_added: N_("applicant added"),
        AuditAction.volunteer_vetting_step_recorded: N_("vetting step recorded"),
        AuditAction.volunteer_application_received: N_("volunteer application received"),
        AuditAction.volunteer_application_accepted: N_("volunteer application accepted"),
        AuditAction.volunteer_application_declined: N_("volunteer application declined"),
        AuditAction.applicant_contact_viewed: N_("applicant's number viewed"),
        AuditAction.phone_code_sent: N_("phone code sent"),
        AuditAction.phone_code_failed: N_("wrong phone code typed"),
        AuditAction.volunteer_competency_signed: N_("competency signed off"),
        AuditAction.volunteer_supervisor_assigned: N_("supervisor assigned"),
        AuditAction.volunteer_paused: N_("volunteer paused"),
        AuditAction.volunteer_returned: N_("volunteer back from a pause"),
        AuditAction.volunteer_left: N_("volunteer left"),
        AuditAction.supervision_logged: N_("supervision session logged"),
        AuditAction.supervision_reminded: N_("supervision reminder sent"),
        AuditAction.hours_certificate_issued: N_("hours certificate issued"),
        AuditAction.feedback_requested: N_("feedback asked after a visit"),
        AuditAction.feedback_answered: N_("feedback answered"),
        AuditAction.feedback_follow_up_closed: N_("feedback follow-up closed"),
        AuditAction.volunteer_held: N_("volunteer's visits held"),
        AuditAction.volunteer_hold_decided: N_("decision on a volunteer's held visits"),
        AuditAction.complaint_received: N_("complaint received"),
        AuditAction.complaint_assigned: N_("complaint assigned"),
        AuditAction.complaint_closed: N_("complaint closed"),
    },
    ActivityKind: {
        ActivityKind.dazi_group: N_("dazi group (people who do one thing together)"),
        ActivityKind.sport: N_("sport"),
        ActivityKind.class_: N_("class"),
        ActivityKind.volunteering: N_("volunteering"),
        ActivityKind.other: N_("other activity"),
    },
    FollowUpAnswer: {
        FollowUpAnswer.went: N_("went"),
        FollowUpAnswer.not_went: N_("did not go"),
        FollowUpAnswer.unknown: N_("not known"),
    },
    Competency: {
        Competency.opening: N_("opening a session"),
        Competency.reflecting_feelings: N_("reflecting feelings"),
        Competency.boundaries: N_("keeping boundaries"),
        Competency.ending: N_("ending a session"),
        Competency.recognising_risk: N_("recognising risk"),
    },
    ObservedIn: {
        ObservedIn.role_play: N_("role-play"),
        ObservedIn.first_session: N_("first session"),
        ObservedIn.carried_over: N_("carried over (listening before sign-offs)"),
    },
    SupervisionKind: {
        SupervisionKind.one_to_one: N_("one-to-one"),
        SupervisionKind.group: N_("group"),
    },
    PauseReason: {
        PauseReason.holiday: N_("holiday"),
        PauseReason.exams: N_("exams"),
        PauseReason.other: N_("other reason"),
    },
    ApplicationStatus: {
        ApplicationStatus.submitted: N_("waiting"),
        ApplicationStatus.accepted: N_("accepted"),
        ApplicationStatus.declined: N_("declined"),
    },
    DeclineReason: {
        DeclineReason.not_reachable: N_("could not be reached"),
        DeclineReason.withdrew: N_("withdrew"),
        DeclineReason.not_a_fit: N_("not a good fit"),
        DeclineReason.duplicate: N_("applied twice"),
        DeclineReason.other: N_("other reason"),
    },
    DayKind: {
        DayKind.weekdays: N_("weekdays"),
        DayKind.weekends: N_("weekends"),
    },
    VettingStepKind: {
        VettingStepKind.interview: N_("interview"),
        VettingStepKind.reference: N_("reference or community endorsement"),
        VettingStepKind.real_name_check: N_("real-name check"),
        VettingStepKind.code_of_conduct: N_("code of conduct signed"),
    },
    FeedbackChannel: {
        FeedbackChannel.sms: N_("by SMS"),
        FeedbackChannel.phone: N_("by a call from the centre"),
    },
    FollowUpOutcome: {
        FollowUpOutcome.spoke_with_resident: N_("spoke with the resident"),
        FollowUpOutcome.volunteer_supported: N_("talked it through with the volunteer"),
        FollowUpOutcome.no_answer: N_("the resident could not be reached"),
        FollowUpOutcome.no_action_needed: N_("no action needed"),
    },
    HoldDecision: {
        HoldDecision.release: N_("release: the visits go ahead"),
        HoldDecision.cancel_visits: N_("cancel the held visits"),
        HoldDecision.cancel_and_pause: N_("cancel the visits and pause the volunteer"),
    },
    ComplaintChannel: {
        ComplaintChannel.web: N_("the complaints page"),
        ComplaintChannel.sms: N_("SMS"),
    },
    ComplaintStatus: {
        ComplaintStatus.open: N_("waiting for an owner"),
        ComplaintStatus.in_progress: N_("in progress"),
        ComplaintStatus.closed: N_("closed"),
    },
    ComplaintOutcome: {
        ComplaintOutcome.upheld: N_("upheld"),
        ComplaintOutcome.partly_upheld: N_("partly upheld"),
        ComplaintOutcome.not_upheld: N_("not upheld"),
        ComplaintOutcome.withdrawn: N_("withdrawn"),
    },
    LeaveReason: {
        LeaveReason.moved_away: N_("moved away"),
        LeaveReason.no_time: N_("no time any more"),
        LeaveReason.health: N_("health"),
        LeaveReason.not_a_fit: N_("not a good fit"),
        LeaveReason.other: N_("other reason"),
    },
}

# A mode as the kind of session a volunteer is certified for: "certified for {mode} sessions".
SESSION_KIND_LABELS: Registry = {
    Mode: {
        Mode.phone: N_("phone"),
        Mode.centre: N_("centre"),
        Mode.home: N_("home-visit"),
    },
}


def msgid(member: Enum, *, registry: Registry = LABELS) -> str | None:
    """The untranslated label, for text translated later (a Reason's params, a template filled elsewhere)."""
    return registry.get(type(member), {}).get(member)


def msgid_for_value(enum_class: type[Enum], value: object, *, registry: Registry = LABELS) -> str | None:
    """The label of the member whose value is `value` (codes in matching JSON); None for an unknown code."""
    try:
        member = enum_class(value)
    except ValueError:
        return None
    return msgid(member, registry=registry)


def label(member: Enum, *, registry: Registry = LABELS) -> str:
    """The member's name in the current locale; a member without a label shows its value."""
    message = msgid(member, registry=registry)
    return gettext(message) if message else str(member.value)


def label_in(member: Enum, locale: str, *, registry: Registry = LABELS) -> str:
    """The member's name in `locale`, whatever the current locale is."""
    message = msgid(member, registry=registry)
    return translations(locale).gettext(message) if message else str(member.value)
