"""Every table and enum of the program.

Keys, foreign keys, unique constraints and enum checks live in the database, not only in Python. Every datetime
is timezone-aware and stored in UTC (`UTCDateTime`); dates without a time (training completions) are plain dates.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.core.i18n import DEFAULT_LOCALE


class UTCDateTime(TypeDecorator):
    """Refuses naive datetimes; stores UTC; always returns aware UTC datetimes (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(
    enum_cls: type[enum.Enum],
    *,
    nullable: bool = False,
    default: Any = None,
    index: bool = False,
    primary_key: bool = False,
):
    """A VARCHAR column with a CHECK constraint listing the enum's values (same on SQLite and PostgreSQL)."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=32,
            name=f"ck_{enum_cls.__name__.lower()}",
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        nullable=nullable,
        default=default,
        index=index,
        primary_key=primary_key,
    )


def utc_column(*, nullable: bool = False, default: Any = None, index: bool = False):
    return sa.Column(UTCDateTime(), nullable=nullable, default=default, index=index)


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return self.value


# ---------------------------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------------------------


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


class ReplyIntentValue(StrEnum):
    confirm = "confirm"
    cancel = "cancel"
    opt_out = "opt_out"
    opt_in = "opt_in"
    help = "help"
    other = "other"


class EscalationStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    closed = "closed"


class EscalationSource(StrEnum):
    request = "request"
    session_log = "session_log"
    unanswered_calls = "unanswered_calls"


class DebriefStatus(StrEnum):
    requested = "requested"
    held = "held"
    declined = "declined"


# ---------------------------------------------------------------------------------------------------------------
# Accounts and sign-in
# ---------------------------------------------------------------------------------------------------------------


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    display_name: str = Field(max_length=100)
    role: Role = Field(sa_column=enum_column(Role))
    password_hash: str = Field(max_length=255)
    phone: str | None = Field(default=None, max_length=20)  # E.164; duty coordinators get safeguarding SMS
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries the id (signed); idle and absolute expiry are checked here."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the random session token
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # One-time ticket that lets the browser fetch its HttpOnly cookie from the /auth/session route.
    ticket_hash: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    ticket_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# ---------------------------------------------------------------------------------------------------------------
# Places, volunteers, training
# ---------------------------------------------------------------------------------------------------------------


class Community(SQLModel, table=True):
    __tablename__ = "community"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)


class Volunteer(SQLModel, table=True):
    __tablename__ = "volunteer"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", sa_column_kwargs={"unique": True})
    full_name: str = Field(max_length=100)
    gender: Gender = Field(sa_column=enum_column(Gender))
    phone: str = Field(max_length=20)  # E.164
    community_id: int = Field(foreign_key="community.id", index=True)
    status: VolunteerStatus = Field(
        default=VolunteerStatus.active, sa_column=enum_column(VolunteerStatus, default=VolunteerStatus.active)
    )
    weekly_hour_cap: int = Field(default=4, ge=1, le=20)
    mentor_id: int | None = Field(default=None, foreign_key="volunteer.id")
    joined_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("weekly_hour_cap BETWEEN 1 AND 20", name="ck_volunteer_hour_cap"),)


class VolunteerLanguage(SQLModel, table=True):
    __tablename__ = "volunteer_language"

    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, ondelete="CASCADE")
    language: Language = Field(sa_column=enum_column(Language, primary_key=True))


class TrainingModule(SQLModel, table=True):
    __tablename__ = "training_module"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    position: int
    title_zh: str = Field(max_length=100)
    title_en: str = Field(max_length=100)
    summary_zh: str = Field(default="", max_length=500)
    summary_en: str = Field(default="", max_length=500)
    requires_quiz: bool = False
    requires_signoff: bool = False
    valid_months: int | None = None  # None: never expires


class TrainingModuleMode(SQLModel, table=True):
    """The visit modes a module unlocks (a volunteer needs every module that unlocks a mode)."""

    __tablename__ = "training_module_mode"

    module_id: int = Field(foreign_key="training_module.id", primary_key=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode, primary_key=True))


class TrainingCompletion(SQLModel, table=True):
    __tablename__ = "training_completion"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="training_module.id", index=True)
    completed_on: date
    method: CompletionMethod = Field(sa_column=enum_column(CompletionMethod))
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.UniqueConstraint("volunteer_id", "module_id", "completed_on", name="uq_completion"),)


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="training_module.id")
    score_percent: int
    passed: bool
    taken_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("score_percent BETWEEN 0 AND 100", name="ck_quiz_score"),)


class ShadowSession(SQLModel, table=True):
    """A session a trainee observed beside a mentor; N of them lead to 'active'."""

    __tablename__ = "shadow_session"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="volunteer.id")
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    observed_on: date
    signed_off_by: int | None = Field(default=None, foreign_key="account.id")

    __table_args__ = (
        sa.CheckConstraint("volunteer_id <> mentor_id", name="ck_shadow_not_self"),
        sa.UniqueConstraint("volunteer_id", "mentor_id", "observed_on", name="uq_shadow_session"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------------------------


class AvailabilityRule(SQLModel, table=True):
    """A recurring weekly window, expanded with dateutil.rrule in the program's timezone."""

    __tablename__ = "availability_rule"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    weekday: int  # 0 = Monday
    start_time: time
    end_time: time
    valid_from: date
    valid_until: date | None = None

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_rule_weekday"),
        sa.CheckConstraint("end_time > start_time", name="ck_rule_times"),
    )


class AvailabilityException(SQLModel, table=True):
    """Leave, holidays: no slot inside [starts_at, ends_at)."""

    __tablename__ = "availability_exception"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    reason: str = Field(default="", max_length=200)

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ck_exception_times"),)


# ---------------------------------------------------------------------------------------------------------------
# Residents and requests
# ---------------------------------------------------------------------------------------------------------------


class Resident(SQLModel, table=True):
    __tablename__ = "resident"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=50)
    phone: str = Field(max_length=20, sa_column_kwargs={"unique": True}, nullable=False)  # E.164
    community_id: int = Field(foreign_key="community.id", index=True)
    address: str | None = Field(default=None, max_length=200)  # only for home visits
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)  # language of the SMS the resident gets
    sensitive_consent_at: datetime = Field(sa_column=utc_column())
    sms_consent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    consent_verbal: bool = False
    consent_recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ListeningRequest(SQLModel, table=True):
    __tablename__ = "listening_request"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode))
    language: Language = Field(sa_column=enum_column(Language))
    gender_wish: Gender | None = Field(default=None, sa_column=enum_column(Gender, nullable=True))
    wants_same_volunteer: bool = False
    previous_volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id")
    topic: str | None = Field(default=None, max_length=300)
    urgency: int = 1
    risk_flag: bool = False
    status: RequestStatus = Field(
        default=RequestStatus.new, sa_column=enum_column(RequestStatus, default=RequestStatus.new, index=True)
    )
    source: RequestSource = Field(
        default=RequestSource.online, sa_column=enum_column(RequestSource, default=RequestSource.online)
    )
    cancel_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.CheckConstraint("urgency BETWEEN 1 AND 3", name="ck_request_urgency"),
        # One open request per resident: a second submission updates the open one.
        sa.Index(
            "uq_request_open_per_resident",
            "resident_id",
            unique=True,
            sqlite_where=sa.text("status IN ('new','matched','scheduled','confirmed')"),
            postgresql_where=sa.text("status IN ('new','matched','scheduled','confirmed')"),
        ),
    )


class RequestTimeWindow(SQLModel, table=True):
    """When the resident can: a weekday (0 = Monday) or a specific date, and a part of the day."""

    __tablename__ = "request_time_window"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="listening_request.id", index=True, ondelete="CASCADE")
    weekday: int | None = None
    on_date: date | None = None
    part_of_day: PartOfDay = Field(sa_column=enum_column(PartOfDay))

    __table_args__ = (
        sa.CheckConstraint("(weekday IS NULL) <> (on_date IS NULL)", name="ck_window_weekday_or_date"),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="ck_window_weekday"),
    )


class DoNotMatch(SQLModel, table=True):
    """A resident who must never be matched with this volunteer again."""

    __tablename__ = "do_not_match"

    resident_id: int = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, ondelete="CASCADE")
    reason: str = Field(default="", max_length=200)


# ---------------------------------------------------------------------------------------------------------------
# Visits and session logs
# ---------------------------------------------------------------------------------------------------------------


class Visit(SQLModel, table=True):
    __tablename__ = "visit"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="listening_request.id", index=True, ondelete="CASCADE")
    mode: Mode = Field(sa_column=enum_column(Mode))
    starts_at: datetime = Field(sa_column=utc_column(index=True))
    ends_at: datetime = Field(sa_column=utc_column())
    status: VisitStatus = Field(
        default=VisitStatus.scheduled, sa_column=enum_column(VisitStatus, default=VisitStatus.scheduled, index=True)
    )
    created_by: int | None = Field(default=None, foreign_key="account.id")
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ck_visit_times"),
        # A request has at most one live visit.
        sa.Index(
            "uq_visit_live_per_request",
            "request_id",
            unique=True,
            sqlite_where=sa.text("status IN ('proposed','scheduled','confirmed')"),
            postgresql_where=sa.text("status IN ('proposed','scheduled','confirmed')"),
        ),
    )


class VisitVolunteer(SQLModel, table=True):
    """A volunteer on a visit. `starts_at` and `live` are copied from the visit so the database itself refuses
    to book one volunteer twice in the same slot."""

    __tablename__ = "visit_volunteer"

    visit_id: int = Field(foreign_key="visit.id", primary_key=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", primary_key=True, index=True)
    role: VisitRole = Field(sa_column=enum_column(VisitRole))
    starts_at: datetime = Field(sa_column=utc_column())
    live: bool = True
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    __table_args__ = (
        sa.Index(
            "uq_volunteer_slot_live",
            "volunteer_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("live = 1"),
            postgresql_where=sa.text("live"),
        ),
    )


class SessionLog(SQLModel, table=True):
    __tablename__ = "session_log"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True)
    outcome: Outcome = Field(sa_column=enum_column(Outcome))
    mode: Mode | None = Field(default=None, sa_column=enum_column(Mode, nullable=True))  # how it really took place
    actual_start: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    actual_end: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    mood_before: int | None = None
    mood_after: int | None = None
    topics: str = Field(default="", max_length=200)  # comma-separated topic codes
    follow_up_wanted: bool = False
    note: str = Field(default="", max_length=500)
    risk_suicide: bool = False
    risk_harm_others: bool = False
    risk_abuse: bool = False
    risk_medical: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    __table_args__ = (
        sa.UniqueConstraint("visit_id", "volunteer_id", name="uq_session_log"),
        sa.CheckConstraint("mood_before IS NULL OR mood_before BETWEEN 1 AND 5", name="ck_mood_before"),
        sa.CheckConstraint("mood_after IS NULL OR mood_after BETWEEN 1 AND 5", name="ck_mood_after"),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start", name="ck_session_times"
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# SMS
# ---------------------------------------------------------------------------------------------------------------


class OutboundMessage(SQLModel, table=True):
    """Transactional outbox: written with the change that causes it, sent later by the worker."""

    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, sa_column_kwargs={"unique": True}, nullable=False)
    kind: MessageKind = Field(sa_column=enum_column(MessageKind))
    recipient_kind: RecipientKind = Field(sa_column=enum_column(RecipientKind))
    to_phone: str = Field(max_length=20, index=True)
    body: str = Field(max_length=1000)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    urgent: bool = False  # urgent messages ignore quiet hours
    request_id: int | None = Field(default=None, foreign_key="listening_request.id", ondelete="SET NULL")
    visit_id: int | None = Field(default=None, foreign_key="visit.id", ondelete="SET NULL")
    status: MessageStatus = Field(
        default=MessageStatus.queued, sa_column=enum_column(MessageStatus, default=MessageStatus.queued, index=True)
    )
    due_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    attempts: int = 0
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    provider: str | None = Field(default=None, max_length=32)
    provider_sid: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    segments: int | None = None
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_message"

    id: int | None = Field(default=None, primary_key=True)
    provider_sid: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    from_phone: str = Field(max_length=20, index=True)
    body: str = Field(max_length=1600)
    intent: ReplyIntentValue = Field(sa_column=enum_column(ReplyIntentValue))
    received_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class SmsOptOut(SQLModel, table=True):
    """A number that said STOP. Nothing is ever sent to it until it says START."""

    __tablename__ = "sms_opt_out"

    phone: str = Field(primary_key=True, max_length=20)
    opted_out_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    source: str = Field(default="sms", max_length=32)


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=64)
    pid: int
    host: str = Field(max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_beat_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    messages_sent: int = 0


# ---------------------------------------------------------------------------------------------------------------
# Safeguarding, wellbeing, audit
# ---------------------------------------------------------------------------------------------------------------


class DutyShift(SQLModel, table=True):
    """Who is the coordinator on duty, for safeguarding alerts."""

    __tablename__ = "duty_shift"

    id: int | None = Field(default=None, primary_key=True)
    coordinator_id: int = Field(foreign_key="account.id", index=True)
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ck_duty_times"),)


class Escalation(SQLModel, table=True):
    __tablename__ = "escalation"

    id: int | None = Field(default=None, primary_key=True)
    source: EscalationSource = Field(sa_column=enum_column(EscalationSource))
    request_id: int | None = Field(default=None, foreign_key="listening_request.id", ondelete="SET NULL")
    session_log_id: int | None = Field(default=None, foreign_key="session_log.id", ondelete="SET NULL")
    risk_kinds: str = Field(max_length=120)  # comma-separated codes, never the resident's words
    status: EscalationStatus = Field(
        default=EscalationStatus.open, sa_column=enum_column(EscalationStatus, default=EscalationStatus.open)
    )
    raised_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    acknowledged_by: int | None = Field(default=None, foreign_key="account.id")
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    action_taken: str | None = Field(default=None, max_length=500)
    closed_by: int | None = Field(default=None, foreign_key="account.id")
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class DebriefRequest(SQLModel, table=True):
    __tablename__ = "debrief_request"

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteer.id", index=True, ondelete="CASCADE")
    session_log_id: int | None = Field(default=None, foreign_key="session_log.id", ondelete="SET NULL")
    status: DebriefStatus = Field(
        default=DebriefStatus.requested, sa_column=enum_column(DebriefStatus, default=DebriefStatus.requested)
    )
    requested_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    handled_by: int | None = Field(default=None, foreign_key="account.id")
    handled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AuditEvent(SQLModel, table=True):
    """Who did what to which record. `details` never holds a resident's words or phone number."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    actor_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    details: dict | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
