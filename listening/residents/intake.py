"""A resident's request coming in: the public form and entry on a resident's behalf.

Every field is checked before anything is written (`validate_form`); `submit` and `record_on_behalf` then store
the request, keeping one open request per phone number, and raise a safeguarding escalation for risk words.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlmodel import Session, col, select

from listening import safeguarding
from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import InvalidInput, NotAllowed
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_
from listening.core.permissions import require_role
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    AuditEvent,
    Community,
    EscalationSource,
    Gender,
    Language,
    ListeningRequest,
    Mode,
    PartOfDay,
    RequestSource,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    Role,
    StrEnum,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    utcnow,
)
from listening.residents import lifecycle
from listening.sms import reminders

NAME_MAX = 50
TOPIC_MAX = 300
ADDRESS_MAX = 200
MAX_DATES = 10
DATES_AHEAD = timedelta(days=60)
PHONE_LIMIT_PER_DAY = 3
BROWSER_LIMIT_PER_HOUR = 5
SUBMIT_ACTIONS = (AuditAction.request_submitted, AuditAction.request_updated)


@dataclass
class RequestForm:
    """What a resident (or a coordinator on their behalf) typed, before any checking."""

    display_name: str = ""
    phone: str = ""
    community_code: str = ""
    mode: Mode | str | None = None
    language: Language | str | None = None
    weekdays: list[int] = field(default_factory=list)  # 0 = Monday
    parts_of_day: list[PartOfDay | str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    address: str = ""
    gender_wish: Gender | str | None = None
    wants_same_volunteer: bool = False
    topic: str = ""
    sensitive_consent: bool = False
    sms_consent: bool = False
    locale: str = DEFAULT_LOCALE


@dataclass(frozen=True)
class Window:
    part_of_day: PartOfDay
    weekday: int | None = None
    on_date: date | None = None


@dataclass(frozen=True)
class CleanRequest:
    display_name: str
    phone: str  # E.164
    community_id: int
    mode: Mode
    language: Language
    windows: tuple[Window, ...]
    address: str | None
    gender_wish: Gender | None
    wants_same_volunteer: bool
    topic: str | None
    sms_consent: bool
    locale: str


class SubmitOutcome(StrEnum):
    created = "created"  # a new request
    updated = "updated"  # the open request of this number was updated
    kept_visit = "kept_visit"  # a visit is already booked: only the topic was updated, the visit stands


@dataclass(frozen=True)
class SubmitResult:
    request: ListeningRequest
    outcome: SubmitOutcome
    risk_kinds: frozenset[str]


def _text(value: str | None) -> str:
    # Full-width letters and digits typed on a Chinese keyboard count as their ordinary forms.
    return unicodedata.normalize("NFKC", value or "").strip()


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


def _enum(enum_cls, value, *, field: str, message: str, optional: bool = False):
    if value in (None, ""):
        if optional:
            return None
        raise InvalidInput(message, field=field)
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidInput(message, field=field) from None


def validate_form(session: Session, form: RequestForm, *, now: datetime | None = None,
                  mobile_required: bool = True) -> CleanRequest:
    """Every field checked before anything is written; the first problem raises InvalidInput(field=...)."""
    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()

    name = _text(form.display_name)
    if not name:
        raise InvalidInput(N_("Please tell us a name or nickname."), field="display_name")
    if len(name) > NAME_MAX or _has_control_characters(name) or "\n" in name:
        raise InvalidInput(N_("Please keep the name to one line of at most {n} characters."), field="display_name",
                           n=NAME_MAX)

    phone = phones.normalise(form.phone, field="phone")
    is_mobile = phonenumbers.number_type(phonenumbers.parse(phone, None)) in (
        PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not is_mobile and (mobile_required or form.sms_consent):
        raise InvalidInput(N_("Please give a mobile number: we confirm the visit by text message."), field="phone")

    community = session.exec(select(Community).where(Community.code == (form.community_code or ""))).first()
    if community is None:
        raise InvalidInput(N_("Please choose your community."), field="community")

    mode = _enum(Mode, form.mode, field="mode", message=N_("Please choose how you would like to talk."))
    language = _enum(Language, form.language, field="language",
                     message=N_("Please choose a language or dialect."))

    windows = _windows(form, today=today)

    address = _text(form.address) or None
    if mode == Mode.home:
        if not address:
            raise InvalidInput(N_("A home visit needs the address."), field="address")
        if len(address) > ADDRESS_MAX or _has_control_characters(address):
            raise InvalidInput(N_("Please keep the address to at most {n} characters."), field="address",
                               n=ADDRESS_MAX)
    else:
        address = None  # only kept when a volunteer needs it

    gender_wish = _enum(Gender, form.gender_wish, field="gender_wish", optional=True,
                        message=N_("Please choose a volunteer gender from the list, or no preference."))

    topic = (form.topic or "").strip() or None
    if topic and len(topic) > TOPIC_MAX:
        raise InvalidInput(N_("Please keep what you would like to talk about under {n} characters."),
                           field="topic", n=TOPIC_MAX)
    if topic and _has_control_characters(topic):
        raise InvalidInput(N_("The text contains characters we cannot store."), field="topic")

    if form.sensitive_consent is not True:
        raise InvalidInput(N_("We can only take the request with your consent to use this information."),
                           field="sensitive_consent")
    locale = form.locale if form.locale in LOCALES else DEFAULT_LOCALE
    return CleanRequest(display_name=name, phone=phone, community_id=community.id, mode=mode, language=language,
                        windows=windows, address=address, gender_wish=gender_wish,
                        wants_same_volunteer=bool(form.wants_same_volunteer), topic=topic,
                        sms_consent=bool(form.sms_consent), locale=locale)


def _windows(form: RequestForm, *, today: date) -> tuple[Window, ...]:
    parts = [_enum(PartOfDay, p, field="parts_of_day", message=N_("Please choose a part of the day from the list."))
             for p in form.parts_of_day]
    if not parts:
        raise InvalidInput(N_("Please choose at least one part of the day."), field="parts_of_day")
    for weekday in form.weekdays:
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise InvalidInput(N_("Please choose weekdays from the list."), field="weekdays")
    if not form.weekdays and not form.dates:
        raise InvalidInput(N_("Please choose the weekdays or the dates that suit you."), field="weekdays")
    if len(form.dates) > MAX_DATES:
        raise InvalidInput(N_("Please choose at most {n} dates."), field="dates", n=MAX_DATES)
    for day in form.dates:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidInput(N_("Please choose dates from the calendar."), field="dates")
        if day < today:
            raise InvalidInput(N_("The date {date} has already passed."), field="dates", date=day.isoformat())
        if day > today + DATES_AHEAD:
            raise InvalidInput(N_("Please choose dates within the next {days} days."), field="dates",
                               days=DATES_AHEAD.days)
    ordered_parts = sorted(set(parts), key=list(PartOfDay).index)
    windows = [Window(part, weekday=w) for w in sorted(set(form.weekdays)) for part in ordered_parts]
    windows += [Window(part, on_date=d) for d in sorted(set(form.dates)) for part in ordered_parts]
    return tuple(windows)


# ----- submitting ---------------------------------------------------------------------------------------------


def topic_risks(topic: str | None) -> frozenset[str]:
    """The kinds of risk in what the resident wrote: any of them means crisis help at once and an escalation."""
    return frozenset(safeguarding.detect_risk(topic or ""))


def sms_locale(language: Language | str | None) -> str:
    """The locale of a resident's SMS when a coordinator enters the request (the resident chose no page language):
    English for an English speaker, Chinese for every other language or dialect."""
    return "en" if language == Language.english else DEFAULT_LOCALE


def browser_key(browser_session: str) -> str:
    """What the audit trail keeps of a browser session: a short hash, never the session id itself."""
    return hashlib.sha256(f"browser:{browser_session}".encode()).hexdigest()[:16]


def _check_abuse_limits(session: Session, *, resident: Resident | None, browser: str, now: datetime) -> None:
    """At most a few submissions per phone number a day and per browser session an hour, from the audit trail."""
    recent = session.exec(
        select(AuditEvent).where(col(AuditEvent.action).in_(SUBMIT_ACTIONS))
        .where(col(AuditEvent.at) > now - timedelta(days=1))
    ).all()
    centre_phone = get_settings().centre_phone
    by_browser = [e for e in recent if (e.details or {}).get("browser") == browser and e.at > now - timedelta(hours=1)]
    if len(by_browser) >= BROWSER_LIMIT_PER_HOUR:
        raise NotAllowed(N_("Too many requests were sent from this browser in the last hour. Please try again "
                            "later, or call the centre at {phone}."), phone=centre_phone)
    if resident is not None:
        by_phone = [e for e in recent if (e.details or {}).get("resident_id") == resident.id]
        if len(by_phone) >= PHONE_LIMIT_PER_DAY:
            raise NotAllowed(N_("This phone number has already sent {n} requests today. Please try again tomorrow, "
                                "or call the centre at {phone}."), n=PHONE_LIMIT_PER_DAY, phone=centre_phone)


def _resident_by_phone(session: Session, phone: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.phone == phone).with_for_update()).first()


def _open_request(session: Session, resident_id: int) -> ListeningRequest | None:
    return session.exec(
        select(ListeningRequest).where(ListeningRequest.resident_id == resident_id)
        .where(col(ListeningRequest.status).in_(OPEN_REQUEST_STATUSES)).with_for_update()
    ).first()


def _previous_volunteer(session: Session, resident_id: int) -> int | None:
    """The lead volunteer of the resident's last completed visit, for a 'same volunteer again' wish."""
    return session.exec(
        select(VisitVolunteer.volunteer_id)
        .join(Visit, col(Visit.id) == col(VisitVolunteer.visit_id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .where(ListeningRequest.resident_id == resident_id)
        .where(Visit.status == VisitStatus.completed)
        .where(VisitVolunteer.role == VisitRole.lead)
        .order_by(col(Visit.starts_at).desc())
    ).first()


def _apply(session: Session, request: ListeningRequest, clean: CleanRequest, *, urgency: int, risk: bool,
           now: datetime) -> None:
    request.mode = clean.mode
    request.language = clean.language
    request.gender_wish = clean.gender_wish
    request.wants_same_volunteer = clean.wants_same_volunteer
    request.previous_volunteer_id = (
        _previous_volunteer(session, request.resident_id) if clean.wants_same_volunteer else None)
    request.topic = clean.topic
    request.urgency = max(urgency, 3 if risk else 1)
    request.risk_flag = risk
    request.updated_at = now
    session.add(request)
    session.flush()
    for old in session.exec(select(RequestTimeWindow).where(RequestTimeWindow.request_id == request.id)):
        session.delete(old)
    session.flush()
    for window in clean.windows:
        session.add(RequestTimeWindow(request_id=request.id, weekday=window.weekday, on_date=window.on_date,
                                      part_of_day=window.part_of_day))


def _store(session: Session, clean: CleanRequest, *, actor: Account | None, source: RequestSource,
           browser: str | None, urgency: int, consent_verbal: bool, now: datetime) -> SubmitResult:
    risk_kinds = topic_risks(clean.topic)
    resident = _resident_by_phone(session, clean.phone)
    if source == RequestSource.online:
        _check_abuse_limits(session, resident=resident, browser=browser or "", now=now)

    created_resident = resident is None
    if resident is None:
        resident = Resident(display_name=clean.display_name, phone=clean.phone, community_id=clean.community_id,
                            sensitive_consent_at=now, created_at=now)
    resident.display_name = clean.display_name
    resident.community_id = clean.community_id
    resident.locale = clean.locale
    resident.sensitive_consent_at = now
    resident.sms_consent_at = now if clean.sms_consent else None  # unticking it withdraws the consent
    resident.consent_verbal = consent_verbal
    resident.consent_recorded_by = actor.id if consent_verbal and actor else None
    session.add(resident)
    session.flush()

    request = None if created_resident else _open_request(session, resident.id)
    if request is None:
        outcome = SubmitOutcome.created
        request = ListeningRequest(resident_id=resident.id, mode=clean.mode, language=clean.language,
                                   source=source, created_at=now, updated_at=now)
        _apply(session, request, clean, urgency=urgency, risk=bool(risk_kinds), now=now)
        resident.address = clean.address
    elif request.status in (RequestStatus.new, RequestStatus.matched):
        outcome = SubmitOutcome.updated
        if request.status == RequestStatus.matched:
            # The proposal was made for the old wishes and the resident has not heard of it yet: withdraw it.
            lifecycle.withdraw_proposal(session, actor=actor, request=request)
        _apply(session, request, clean, urgency=max(urgency, request.urgency), risk=bool(risk_kinds) or
               request.risk_flag, now=now)
        resident.address = clean.address
    else:
        # A visit is booked and the resident was told; changing its time or mode is a call to the centre.
        outcome = SubmitOutcome.kept_visit
        if clean.topic:
            request.topic = clean.topic
        if risk_kinds:
            request.risk_flag, request.urgency = True, 3
        request.updated_at = now
        session.add(request)
    session.add(resident)
    session.flush()

    action = AuditAction.request_submitted if outcome == SubmitOutcome.created else AuditAction.request_updated
    details = {"resident_id": resident.id, "source": source.value, "outcome": outcome.value,
               "risk_flag": bool(risk_kinds), "sms_consent": clean.sms_consent}
    if browser:
        details["browser"] = browser
    if consent_verbal:
        details["consent_verbal"] = True
    audit.record(session, actor_id=actor.id if actor else None, action=action, entity="listening_request",
                 entity_id=request.id, details=details, at=now)
    if risk_kinds:
        safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds=set(risk_kinds),
                                      request_id=request.id, actor=actor, now=now)
    if outcome == SubmitOutcome.created and clean.sms_consent:
        reminders.on_request_received(session, request=request, now=now)
    return SubmitResult(request=request, outcome=outcome, risk_kinds=risk_kinds)


def submit(session: Session, *, form: RequestForm, browser_session: str, now: datetime | None = None) -> SubmitResult:
    """A resident's own request from the public page (no account). One open request per phone number."""
    now = now or utcnow()
    clean = validate_form(session, form, now=now, mobile_required=True)
    return _store(session, clean, actor=None, source=RequestSource.online, browser=browser_key(browser_session),
                  urgency=1, consent_verbal=False, now=now)


def record_on_behalf(session: Session, *, actor: Account, form: RequestForm, consent_verbal: bool,
                     urgency: int = 1, now: datetime | None = None) -> SubmitResult:
    """A coordinator enters the request of a resident who phoned or walked in, who consented verbally."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    if consent_verbal is not True:
        raise InvalidInput(N_("Confirm that the resident gave their consent verbally."), field="consent_verbal")
    if urgency not in (1, 2, 3):
        raise InvalidInput(N_("Urgency is 1, 2 or 3."), field="urgency")
    # The coordinator confirms the verbal consent; the sensitive-information consent follows from it.
    form = replace(form, sensitive_consent=True)
    clean = validate_form(session, form, now=now, mobile_required=False)
    return _store(session, clean, actor=actor, source=RequestSource.coordinator, browser=None, urgency=urgency,
                  consent_verbal=True, now=now)
