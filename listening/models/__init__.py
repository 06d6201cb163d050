"""Every table and enum of the program, one module per domain noun; import them from here.

Keys, foreign keys, unique constraints and enum checks live in the database, not only in Python. Every datetime
is timezone-aware and stored in UTC (`UTCDateTime`); dates without a time (training completions) are plain dates.
Importing this package registers every table on `SQLModel.metadata` (migrations and `core.db` rely on it).
"""

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.accounts import Account, AuthSession
from listening.models.alerts import AlertSkip, EscalationAlert
from listening.models.applications import (
    ApplicationLanguage,
    ApplicationStatus,
    ApplicationTime,
    DayKind,
    DeclineReason,
    PhoneCode,
    VolunteerApplication,
)
from listening.models.audit import AuditEvent
from listening.models.columns import StrEnum, UTCDateTime, enum_column, utc_column
from listening.models.communities import Community
from listening.models.complaints import Complaint, ComplaintChannel, ComplaintOutcome, ComplaintStatus
from listening.models.connections import (
    FOLLOW_UP_WEEKS,
    Activity,
    ActivityFollowUp,
    ActivityKind,
    ActivityLanguage,
    ActivitySuggestion,
    FollowUpAnswer,
    JourneyGoal,
    JourneyPlan,
)
from listening.models.data_version import DataVersion
from listening.models.duplicates import SameNumberDecision, SmsHold, UnverifiedDetails
from listening.models.enums import (
    OPEN_REQUEST_STATUSES,
    CompletionMethod,
    DebriefStatus,
    EscalationSource,
    EscalationStatus,
    Gender,
    Language,
    MessageKind,
    MessageStatus,
    Mode,
    Outcome,
    PartOfDay,
    RecipientKind,
    ReplyIntentValue,
    RequestSource,
    RequestStatus,
    Role,
    VisitRole,
    VisitStatus,
    VolunteerStatus,
)
from listening.models.escalation_outcomes import EscalationOutcome, EscalationOutcomeKind
from listening.models.feedback import (
    FeedbackChannel,
    FeedbackRequest,
    FollowUpOutcome,
    HoldDecision,
    VolunteerHold,
)
from listening.models.invites import AccountInvite, CodePurpose
from listening.models.limits import IntakeAttempt
from listening.models.messages import InboundMessage, OutboundMessage, SmsOptOut, SmsSendSlot, WorkerHeartbeat
from listening.models.privacy import ErasedOptOut, ResidentView
from listening.models.reasons import RequestReason
from listening.models.residents import DoNotMatch, ListeningRequest, RequestTimeWindow, Resident
from listening.models.safeguarding import DebriefRequest, DutyShift, Escalation
from listening.models.supervision import (
    Competency,
    CompetencySignoff,
    LeaveReason,
    ObservedIn,
    PauseReason,
    SupervisionAttendance,
    SupervisionKind,
    SupervisionSession,
    VolunteerDeparture,
    VolunteerPause,
    VolunteerSupervisor,
)
from listening.models.throttle import SignInThrottle
from listening.models.vetting import VettingStep, VettingStepKind
from listening.models.visits import SessionLog, Visit, VisitVolunteer
from listening.models.volunteers import (
    AvailabilityException,
    AvailabilityRule,
    QuizAttempt,
    ShadowSession,
    TrainingCompletion,
    TrainingModule,
    TrainingModuleMode,
    Volunteer,
    VolunteerLanguage,
)

__all__ = [
    "FOLLOW_UP_WEEKS",
    "OPEN_REQUEST_STATUSES",
    "Account",
    "AccountInvite",
    "Activity",
    "ActivityFollowUp",
    "ActivityKind",
    "ActivityLanguage",
    "ActivitySuggestion",
    "AlertSkip",
    "ApplicationLanguage",
    "ApplicationStatus",
    "ApplicationTime",
    "AuditEvent",
    "AuthSession",
    "AvailabilityException",
    "AvailabilityRule",
    "CodePurpose",
    "Community",
    "Competency",
    "CompetencySignoff",
    "Complaint",
    "ComplaintChannel",
    "ComplaintOutcome",
    "ComplaintStatus",
    "CompletionMethod",
    "DataVersion",
    "DayKind",
    "DebriefRequest",
    "DebriefStatus",
    "DeclineReason",
    "DoNotMatch",
    "DutyShift",
    "ErasedOptOut",
    "Escalation",
    "EscalationAlert",
    "EscalationOutcome",
    "EscalationOutcomeKind",
    "EscalationSource",
    "EscalationStatus",
    "FeedbackChannel",
    "FeedbackRequest",
    "FollowUpAnswer",
    "FollowUpOutcome",
    "Gender",
    "HoldDecision",
    "InboundMessage",
    "IntakeAttempt",
    "JourneyGoal",
    "JourneyPlan",
    "Language",
    "LeaveReason",
    "ListeningRequest",
    "MessageKind",
    "MessageStatus",
    "Mode",
    "ObservedIn",
    "OutboundMessage",
    "Outcome",
    "PartOfDay",
    "PauseReason",
    "PhoneCode",
    "QuizAttempt",
    "RecipientKind",
    "ReplyIntentValue",
    "RequestReason",
    "RequestSource",
    "RequestStatus",
    "RequestTimeWindow",
    "Resident",
    "ResidentView",
    "Role",
    "SameNumberDecision",
    "SessionLog",
    "ShadowSession",
    "SignInThrottle",
    "SmsHold",
    "SmsOptOut",
    "SmsSendSlot",
    "StrEnum",
    "SupervisionAttendance",
    "SupervisionKind",
    "SupervisionSession",
    "TrainingCompletion",
    "TrainingModule",
    "TrainingModuleMode",
    "UTCDateTime",
    "UnverifiedDetails",
    "VettingStep",
    "VettingStepKind",
    "Visit",
    "VisitRole",
    "VisitStatus",
    "VisitVolunteer",
    "Volunteer",
    "VolunteerApplication",
    "VolunteerDeparture",
    "VolunteerHold",
    "VolunteerLanguage",
    "VolunteerPause",
    "VolunteerStatus",
    "VolunteerSupervisor",
    "WorkerHeartbeat",
    "enum_column",
    "utc_column",
    "utcnow",
]
