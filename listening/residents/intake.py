"""A resident's request coming in: the public form and entry on a resident's behalf.

Every field is checked before anything is written (`validate_form`); `submit` and `record_on_behalf` then store
the request and raise a safeguarding escalation for risk words. The public form never changes what is stored for
a known number (it adds a "same number" request); a coordinator's entry on a resident's behalf may.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlmodel import Session, col, select

from listening import safeguarding
from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import InvalidForm, InvalidInput
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
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
    SmsHold,
    StrEnum,
    UnverifiedDetails,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    utcnow,
)
from listening.residents import lifecycle, limits
from listening.sms import reminders

NAME_MAX = 50
TOPIC_MAX = 300
# The topic box takes far more than TOPIC_MAX: at its own limit a browser drops a whole paste without a word,
# while over TOPIC_MAX the page says so beside the box and keeps what was typed.
TOPIC_TYPED_MAX = 5000
ADDRESS_MAX = 200
MAX_DATES = 10
DATES_AHEAD = timedelta(days=60)


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
    same_number = "same_number"  # public form, known number: a request of its own beside the original
    updated = "updated"  # a coordinator's entry: the open request of this number was updated
    kept_visit = "kept_visit"  # a coordinator's entry: a visit is booked, only the topic was updated


@dataclass(frozen=True)
class SubmitResult:
    request: ListeningRequest
    outcome: SubmitOutcome
    risk_kinds: frozenset[str]
    sms_held: SmsHold | None = None  # why no "request received" SMS was queued although it was asked for


def _enum(enum_cls, value, *, field: str, message: str, optional: bool = False):
    if value in (None, ""):
        if optional:
            return None
        raise InvalidInput(message, field=field)
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidInput(message, field=field) from None


def _one_line(raw: str | None, *, field: str, blank: str, invisible: str) -> str:
    """A one-line field cleaned (`clean_typed`); typed but nothing visible left is its own clear message."""
    text = clean_typed(raw)
    if not text:
        raise InvalidInput(invisible if (raw or "").strip() else blank, field=field)
    return text


def topic_problem(topic: str | None) -> InvalidInput | None:
    """What is wrong with the topic as typed (too long), or None: the page shows it at once, beside the field."""
    text = clean_typed(topic, multiline=True)
    if len(text) > TOPIC_MAX:
        return InvalidInput(N_("Please keep what you would like to talk about under {n} characters."),
                            field="topic", n=TOPIC_MAX)
    return None


def validate_form(session: Session, form: RequestForm, *, now: datetime | None = None) -> CleanRequest:
    """Every field cleaned (control and invisible characters removed, `core.text.clean_typed`) and checked before
    anything is written. Every problem is found, not only the first: InvalidForm carries one per field, in the
    form's order, and reads as the first where a single message is shown."""
    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()
    problems: dict[str, InvalidInput] = {}

    def check(step):
        try:
            return step()
        except InvalidInput as problem:
            problems.setdefault(problem.field or "", problem)
            return None

    name = check(lambda: _name(form.display_name))
    phone = check(lambda: _phone(form.phone, sms_consent=form.sms_consent))
    community = check(lambda: _community(session, form.community_code))
    mode = check(lambda: _enum(Mode, form.mode, field="mode", message=N_("Please choose how you would like to talk.")))
    language = check(lambda: _enum(Language, form.language, field="language",
                                   message=N_("Please choose a language or dialect.")))
    parts = check(lambda: _parts(form))
    days = check(lambda: _days(form, today=today))
    address = check(lambda: _address(form.address)) if mode == Mode.home else None  # only kept when needed
    gender_wish = check(lambda: _enum(Gender, form.gender_wish, field="gender_wish", optional=True,
                                      message=N_("Please choose a volunteer gender from the list, or no preference.")))
    topic = clean_typed(form.topic, multiline=True) or None
    if problem := topic_problem(topic):
        problems.setdefault("topic", problem)
    if form.sensitive_consent is not True:
        problems.setdefault("sensitive_consent", InvalidInput(
            N_("We can only take the request with your consent to use this information."), field="sensitive_consent"))
    if problems:
        raise InvalidForm(problems)
    locale = form.locale if form.locale in LOCALES else DEFAULT_LOCALE
    weekdays, dates = days
    windows = tuple([Window(part, weekday=w) for w in weekdays for part in parts]
                    + [Window(part, on_date=d) for d in dates for part in parts])
    return CleanRequest(display_name=name, phone=phone, community_id=community.id, mode=mode, language=language,
                        windows=windows, address=address, gender_wish=gender_wish,
                        wants_same_volunteer=bool(form.wants_same_volunteer), topic=topic,
                        sms_consent=bool(form.sms_consent), locale=locale)


def _name(raw: str | None) -> str:
    name = _one_line(raw, field="display_name", blank=N_("Please tell us a name or nickname."),
                     invisible=N_("The name has only invisible or control characters. Please type a name or "
                                  "nickname."))
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("Please keep the name to one line of at most {n} characters."), field="display_name",
                           n=NAME_MAX)
    return name


def _phone(raw: str | None, *, sms_consent: bool) -> str:
    phone = phones.normalise(raw, field="phone")
    number_type = phonenumbers.number_type(phonenumbers.parse(phone, None))
    if sms_consent and number_type not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        # A landline is fine without text messages: the centre calls instead.
        raise InvalidInput(N_("Text messages need a mobile number. Please give a mobile number, or untick the "
                              "text messages and the centre will call you on this number."), field="phone")
    return phone


def _community(session: Session, code: str | None) -> Community:
    community = session.exec(select(Community).where(Community.code == (code or ""))).first()
    if community is None:
        raise InvalidInput(N_("Please choose your community."), field="community")
    return community


def _address(raw: str | None) -> str:
    address = _one_line(raw, field="address", blank=N_("A home visit needs the address."),
                        invisible=N_("The address has only invisible or control characters. Please type "
                                     "the address."))
    if len(address) > ADDRESS_MAX:
        raise InvalidInput(N_("Please keep the address to at most {n} characters."), field="address", n=ADDRESS_MAX)
    return address


def _parts(form: RequestForm) -> list[PartOfDay]:
    parts = [_enum(PartOfDay, p, field="parts_of_day", message=N_("Please choose a part of the day from the list."))
             for p in form.parts_of_day]
    if not parts:
        raise InvalidInput(N_("Please choose at least one part of the day."), field="parts_of_day")
    return sorted(set(parts), key=list(PartOfDay).index)


def _days(form: RequestForm, *, today: date) -> tuple[list[int], list[date]]:
    """The weekdays and the dates chosen, sorted; a problem with either is the weekdays' or the dates' field."""
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
    return sorted(set(form.weekdays)), sorted(set(form.dates))


# ----- submitting ---------------------------------------------------------------------------------------------


def topic_risks(topic: str | None) -> frozenset[str]:
    """The kinds of risk in what the resident wrote: any of them means crisis help at once and an escalation."""
    return frozenset(safeguarding.detect_risk(clean_typed(topic, multiline=True)))


def sms_locale(language: Language | str | None) -> str:
    """The locale of a resident's SMS when a coordinator enters the request (the resident chose no page language):
    English for an English speaker, Chinese for every other language or dialect."""
    return "en" if language == Language.english else DEFAULT_LOCALE


def _resident_by_phone(session: Session, phone: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.phone == phone).with_for_update()).first()


def _open_request(session: Session, resident_id: int) -> ListeningRequest | None:
    """The resident's one open request (same-number requests waiting beside it are not it)."""
    return session.exec(
        select(ListeningRequest).where(ListeningRequest.resident_id == resident_id)
        .where(col(ListeningRequest.status).in_(OPEN_REQUEST_STATUSES))
        .where(col(ListeningRequest.same_number_as_id).is_(None)).with_for_update()
    ).first()


def _latest_request(session: Session, resident_id: int) -> ListeningRequest | None:
    return session.exec(
        select(ListeningRequest).where(ListeningRequest.resident_id == resident_id)
        .where(col(ListeningRequest.same_number_as_id).is_(None))
        .order_by(col(ListeningRequest.created_at).desc(), col(ListeningRequest.id).desc())
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


def _new_resident(session: Session, clean: CleanRequest, *, now: datetime) -> Resident:
    resident = Resident(display_name=clean.display_name, phone=clean.phone, community_id=clean.community_id,
                        address=clean.address, locale=clean.locale, sensitive_consent_at=now,
                        sms_consent_at=now if clean.sms_consent else None, created_at=now)
    session.add(resident)
    session.flush()
    return resident


def _new_request(session: Session, resident: Resident, clean: CleanRequest, *, source: RequestSource,
                 urgency: int, risk: bool, now: datetime, same_number_as: int | None = None) -> ListeningRequest:
    request = ListeningRequest(resident_id=resident.id, mode=clean.mode, language=clean.language, source=source,
                               same_number_as_id=same_number_as, created_at=now, updated_at=now)
    _apply(session, request, clean, urgency=urgency, risk=risk, now=now)
    return request


def _record_submission(session: Session, *, actor: Account | None, request: ListeningRequest, resident: Resident,
                       outcome: SubmitOutcome, clean: CleanRequest, risk_kinds: frozenset[str], now: datetime,
                       extra: dict | None = None) -> None:
    """The audit event of a submission and, for risk words, the safeguarding escalation."""
    action = (AuditAction.request_updated if outcome in (SubmitOutcome.updated, SubmitOutcome.kept_visit)
              else AuditAction.request_submitted)
    details = {"resident_id": resident.id, "source": request.source.value, "outcome": outcome.value,
               "risk_flag": bool(risk_kinds), "sms_consent": clean.sms_consent, **(extra or {})}
    audit.record(session, actor_id=actor.id if actor else None, action=action, entity="listening_request",
                 entity_id=request.id, details=details, at=now)
    if risk_kinds:
        safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds=set(risk_kinds),
                                      request_id=request.id, actor=actor, now=now)


def submit(session: Session, *, form: RequestForm, client_address: str, now: datetime | None = None) -> SubmitResult:
    """A resident's own request from the public page (no account, nothing proves the number is theirs).

    A new number creates the resident and the request. A number the centre already knows changes nothing that
    is stored: the submission becomes a request of its own marked "same number as #N", with the name, address
    and SMS choice it gave kept beside it (`UnverifiedDetails`) for a coordinator to merge or keep
    (`residents.duplicates`). The caller's answer does not depend on which happened. The limits per client
    address, per number and on SMS to new numbers never refuse a request; they hold its confirmation SMS
    (`request.sms_held` says why).
    """
    now = now or utcnow()
    clean = validate_form(session, form, now=now)
    risk_kinds = topic_risks(clean.topic)
    resident = _resident_by_phone(session, clean.phone)
    new_number = resident is None
    client, phone = limits.client_key(client_address), limits.phone_key(clean.phone)
    hold = limits.sms_hold(session, client=client, phone=phone, new_number=new_number, now=now)
    extra: dict = {}
    if resident is None:
        outcome = SubmitOutcome.created
        resident = _new_resident(session, clean, now=now)
        request = _new_request(session, resident, clean, source=RequestSource.online, urgency=1,
                               risk=bool(risk_kinds), now=now)
    else:
        outcome = SubmitOutcome.same_number
        original = _open_request(session, resident.id) or _latest_request(session, resident.id)
        request = _new_request(session, resident, clean, source=RequestSource.online, urgency=1,
                               risk=bool(risk_kinds), now=now, same_number_as=original.id if original else None)
        session.add(UnverifiedDetails(request_id=request.id, display_name=clean.display_name,
                                      community_id=clean.community_id, address=clean.address, locale=clean.locale,
                                      sms_consent=clean.sms_consent))
        hold = hold or SmsHold.same_number  # the number's owner has not asked for this one
        extra["same_number_as"] = original.id if original else None
    queued = clean.sms_consent and hold is None
    request.sms_held = hold if clean.sms_consent else None
    session.add(request)
    limits.record(session, client=client, phone=phone, new_number=new_number, sms_queued=queued, now=now)
    session.flush()
    if request.sms_held:
        extra["sms_held"] = request.sms_held.value
    _record_submission(session, actor=None, request=request, resident=resident, outcome=outcome, clean=clean,
                       risk_kinds=risk_kinds, now=now, extra=extra)
    if queued:
        reminders.on_request_received(session, request=request, now=now)
    return SubmitResult(request=request, outcome=outcome, risk_kinds=risk_kinds, sms_held=request.sms_held)


def record_on_behalf(session: Session, *, actor: Account, form: RequestForm, consent_verbal: bool,
                     urgency: int = 1, now: datetime | None = None) -> SubmitResult:
    """A coordinator enters the request of a resident who phoned or walked in, who consented verbally.

    Unlike the public form, this path may change what is stored for a known number: the coordinator is signed
    in and speaking with the resident, which is the proof the public form lacks. The open request is updated
    (a pending proposal made for the old wishes is withdrawn); a booked visit keeps its time and gets the note.
    """
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    if consent_verbal is not True:
        raise InvalidInput(N_("Confirm that the resident gave their consent verbally."), field="consent_verbal")
    if urgency not in (1, 2, 3):
        raise InvalidInput(N_("Urgency is 1, 2 or 3."), field="urgency")
    # The coordinator confirms the verbal consent; the sensitive-information consent follows from it.
    clean = validate_form(session, replace(form, sensitive_consent=True), now=now)
    risk_kinds = topic_risks(clean.topic)
    resident = _resident_by_phone(session, clean.phone)
    request = None
    if resident is None:
        resident = _new_resident(session, clean, now=now)
    else:
        resident.display_name = clean.display_name
        resident.community_id = clean.community_id
        resident.locale = clean.locale
        resident.sensitive_consent_at = now
        resident.sms_consent_at = now if clean.sms_consent else None  # unticking it withdraws the consent
        request = _open_request(session, resident.id)
    resident.consent_verbal = True
    resident.consent_recorded_by = actor.id
    if request is None:
        outcome = SubmitOutcome.created
        request = _new_request(session, resident, clean, source=RequestSource.coordinator, urgency=urgency,
                               risk=bool(risk_kinds), now=now)
        resident.address = clean.address
    elif request.status in (RequestStatus.new, RequestStatus.matched):
        outcome = SubmitOutcome.updated
        if request.status == RequestStatus.matched:
            # The proposal was made for the old wishes and the resident has not heard of it yet: withdraw it.
            lifecycle.withdraw_proposal(session, actor=actor, request=request)
        _apply(session, request, clean, urgency=max(urgency, request.urgency),
               risk=bool(risk_kinds) or request.risk_flag, now=now)
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
    _record_submission(session, actor=actor, request=request, resident=resident, outcome=outcome, clean=clean,
                       risk_kinds=risk_kinds, now=now, extra={"consent_verbal": True})
    if outcome == SubmitOutcome.created and clean.sms_consent:
        reminders.on_request_received(session, request=request, now=now)
    return SubmitResult(request=request, outcome=outcome, risk_kinds=risk_kinds)
