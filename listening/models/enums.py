"""Every enum a table column holds. Values are what the database stores: never rename one without a migration."""

from __future__ import annotations

from listening.models.columns import StrEnum


class Role(StrEnum):
    coordinator = "coordinator"
    volunteer = "volunteer"


class Gender(StrEnum):
    female = "f"
    male = "m"
    other = "x"


class Mode(StrEnum):
    centre = "centre"
    phone = "phone"
    home = "home"


class Language(StrEnum):
    mandarin = "zh"
    cantonese = "yue"
    hakka = "hak"
    teochew = "teochew"
    english = "en"


class VolunteerStatus(StrEnum):
    active = "active"
    paused = "paused"
    left = "left"


class CompletionMethod(StrEnum):
    attendance = "attendance"
    quiz = "quiz"
    signoff = "signoff"
    csv_import = "import"


class RequestStatus(StrEnum):
    new = "new"
    matched = "matched"
    scheduled = "scheduled"
    confirmed = "confirmed"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


OPEN_REQUEST_STATUSES = (RequestStatus.new, RequestStatus.matched, RequestStatus.scheduled, RequestStatus.confirmed)


class RequestSource(StrEnum):
    online = "online"
    coordinator = "coordinator"


class PartOfDay(StrEnum):
    morning = "morning"  # 08:00-12:00
    afternoon = "afternoon"  # 12:00-18:00
    evening = "evening"  # 18:00-21:00


class VisitStatus(StrEnum):
    proposed = "proposed"
    scheduled = "scheduled"
    confirmed = "confirmed"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


class VisitRole(StrEnum):
    lead = "lead"
    partner = "partner"
    shadow = "shadow"


class Outcome(StrEnum):
    held = "held"
    no_show = "no_show"
    no_answer = "no_answer"


class MessageKind(StrEnum):
    request_received = "request_received"
    visit_scheduled = "visit_scheduled"
    reminder_24h = "reminder_24h"
    reminder_2h = "reminder_2h"
    cancellation = "cancellation"
    no_show_followup = "no_show_followup"
    safeguarding_alert = "safeguarding_alert"
    reply_help = "reply_help"
    reply_ack = "reply_ack"
    coordinator_notice = "coordinator_notice"
    account_invite = "account_invite"  # a one-time code to set a volunteer's password
    supervision_reminder = "supervision_reminder"  # a volunteer overdue for supervision or a session
    application_code = "application_code"  # a one-time code proving an applicant's phone number
    feedback_request = "feedback_request"  # two questions after a visit (listening/feedback/asking.py)
    feedback_thanks = "feedback_thanks"
    complaint_received = "complaint_received"  # with the complaint's reference
    complaint_outcome = "complaint_outcome"
    activity_suggestion = "activity_suggestion"  # an activity's details, after a volunteer suggested it


class MessageStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    expired = "expired"
    cancelled = "cancelled"
    not_sent = "not_sent"  # no provider configured, or the number opted out


class RecipientKind(StrEnum):
    resident = "resident"
    volunteer = "volunteer"
    coordinator = "coordinator"
    applicant = "applicant"  # someone applying to volunteer, not yet a volunteer


class ReplyIntentValue(StrEnum):
    confirm = "confirm"
    cancel = "cancel"
    opt_out = "opt_out"
    opt_in = "opt_in"
    help = "help"
    feedback = "feedback"  # two digits: a score and a yes/no (replies.feedback_answer)
    complaint = "complaint"  # starts with 投诉 / COMPLAINT
    other = "other"


class EscalationStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    closed = "closed"


class EscalationSource(StrEnum):
    request = "request"
    session_log = "session_log"
    unanswered_calls = "unanswered_calls"
    scam_or_misconduct = "scam_or_misconduct"  # a resident's feedback: asked for money, gifts or private contact


class DebriefStatus(StrEnum):
    requested = "requested"
    held = "held"
    declined = "declined"
