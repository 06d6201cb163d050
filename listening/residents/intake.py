"""Resident requests and their lifecycle.

new -> matched (a proposed visit) -> scheduled (coordinator approved, SMS sent) -> confirmed (resident replied)
-> completed | cancelled | no_show. Every transition is one function below: it locks the request, checks the
current state, writes an audit event, and raises `IllegalTransition` for a move the state does not permit.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import phonenumbers
import sqlalchemy as sa
from phonenumbers import PhoneNumberType
from sqlmodel import Session, col, select

from listening import safeguarding
from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_
from listening.core.labels import label
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
    Volunteer,
    utcnow,
)
from listening.sms import reminders

VISIT_LENGTH = timedelta(minutes=60)
REASON_MAX = 200
LIVE_VISIT_STATUSES = (VisitStatus.proposed, VisitStatus.scheduled, VisitStatus.confirmed)
CONFIRM_CHANNELS = ("sms", "phone", "app")
CANCELLED_BY = ("resident", "coordinator")


# ----- helpers ------------------------------------------------------------------------------------------------


def _locked_request(session: Session, request_id: int) -> ListeningRequest:
    """The request, locked for the rest of the transaction (PostgreSQL) so two transitions cannot interleave."""
    request = session.get(ListeningRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    return request


def _require_status(request: ListeningRequest, allowed: tuple[RequestStatus, ...], message: str) -> None:
    if request.status not in allowed:
        # The label is translated now: the error is raised and shown within the same script run and locale.
        raise IllegalTransition(message, status=label(request.status))


def _live_visit(session: Session, request_id: int) -> Visit | None:
    return session.exec(
        select(Visit).where(Visit.request_id == request_id).where(col(Visit.status).in_(LIVE_VISIT_STATUSES))
    ).first()


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(N_("Please give a reason."), field="reason")
    if len(text) > REASON_MAX:
        raise InvalidInput(N_("Keep the reason under {n} characters."), field="reason", n=REASON_MAX)
    return text


def _require_staff_on_visit(session: Session, actor: Account | None, visit: Visit | None) -> Account:
    """A coordinator, or a volunteer who is on this visit."""
    require_role(actor, Role.coordinator, Role.volunteer)
    if actor.role == Role.coordinator:
        return actor
    on_visit = visit is not None and session.exec(
        select(VisitVolunteer)
        .join(Volunteer, col(Volunteer.id) == col(VisitVolunteer.volunteer_id))
        .where(VisitVolunteer.visit_id == visit.id)
        .where(Volunteer.account_id == actor.id)
    ).first()
    if not on_visit:
        raise NotAllowed(N_("Only a coordinator or a volunteer on this visit may do this."))
    return actor


def _release_bookings(session: Session, visit: Visit) -> None:
    for booking in session.exec(select(VisitVolunteer).where(VisitVolunteer.visit_id == visit.id)):
        booking.live = False
        session.add(booking)


def _set_status(session: Session, request: ListeningRequest, status: RequestStatus, *, actor: Account | None,
                action: AuditAction, details: dict | None = None) -> None:
    previous = request.status
    request.status = status
    request.updated_at = utcnow()
    session.add(request)
    audit.record(session, actor_id=actor.id if actor else None, action=action, entity="listening_request",
                 entity_id=request.id, details={"from": previous.value, "to": status.value, **(details or {})})


# ----- transitions --------------------------------------------------------------------------------------------


def propose(session: Session, *, actor: Account, request_id: int, volunteer_ids: list[int],
            starts_at: datetime) -> Visit:
    """new -> matched: a proposed one-hour visit; the first volunteer leads, the second is the partner."""
    require_role(actor, Role.coordinator)
    if not volunteer_ids:
        raise InvalidInput(N_("Choose at least one volunteer."), field="volunteer_ids")
    if len(set(volunteer_ids)) != len(volunteer_ids):
        raise InvalidInput(N_("The same volunteer is listed twice."), field="volunteer_ids")
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise InvalidInput(N_("The start time needs a time zone."), field="starts_at")
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.new,),
                    N_("Only a new request can get a proposed visit; this one is {status}."))
    known = set(session.exec(select(Volunteer.id).where(col(Volunteer.id).in_(volunteer_ids))))
    if missing := [v for v in volunteer_ids if v not in known]:
        raise NotFound(N_("Volunteer {id} does not exist."), id=missing[0])

    roles = [VisitRole.lead, VisitRole.partner]
    try:
        # A savepoint: a refused double booking must not roll back the caller's other work.
        with session.begin_nested():
            visit = Visit(request_id=request.id, mode=request.mode, starts_at=starts_at,
                          ends_at=starts_at + VISIT_LENGTH, status=VisitStatus.proposed, created_by=actor.id)
            session.add(visit)
            session.flush()
            for index, volunteer_id in enumerate(volunteer_ids):
                session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer_id,
                                           role=roles[index] if index < len(roles) else VisitRole.shadow,
                                           starts_at=starts_at, live=True))
            session.flush()
    except sa.exc.IntegrityError:
        raise IllegalTransition(N_("A chosen volunteer is already booked at that time.")) from None
    _set_status(session, request, RequestStatus.matched, actor=actor, action=AuditAction.request_proposed,
                details={"visit_id": visit.id, "volunteer_ids": list(volunteer_ids)})
    return visit


def reject_proposal(session: Session, *, actor: Account, request_id: int, reason: str) -> None:
    """matched -> new: the proposed visit is cancelled and its volunteers are free again."""
    require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.matched,),
                    N_("Only a matched request has a proposal to reject; this one is {status}."))
    visit = _live_visit(session, request.id)
    if visit is not None:
        visit.status = VisitStatus.cancelled
        session.add(visit)
        _release_bookings(session, visit)
    _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_proposal_rejected,
                details={"visit_id": visit.id if visit else None, "reason": reason})


def schedule(session: Session, *, actor: Account, request_id: int, now: datetime | None = None) -> Visit:
    """matched -> scheduled: the coordinator approves the proposal; the SMS go out through the outbox."""
    require_role(actor, Role.coordinator)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.matched,),
                    N_("Only a matched request can be scheduled; this one is {status}."))
    visit = _live_visit(session, request.id)
    if visit is None or visit.status != VisitStatus.proposed:
        raise IllegalTransition(N_("This request has no proposed visit to schedule."))
    visit.status = VisitStatus.scheduled
    session.add(visit)
    _set_status(session, request, RequestStatus.scheduled, actor=actor, action=AuditAction.request_scheduled,
                details={"visit_id": visit.id})
    session.flush()
    reminders.on_visit_scheduled(session, visit=visit, now=now)
    return visit


def confirm(session: Session, *, actor: Account | None, request_id: int, via: str) -> None:
    """scheduled -> confirmed. `actor` is None only when the resident confirmed by SMS."""
    if via not in CONFIRM_CHANNELS:
        raise InvalidInput(N_("Unknown confirmation channel: {via}"), field="via", via=via)
    if actor is None and via != "sms":
        raise NotAllowed(N_("Please sign in first."))
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    if actor is not None:
        _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled,),
                    N_("Only a scheduled visit can be confirmed; this request is {status}."))
    visit.status = VisitStatus.confirmed
    visit.confirmed_at = utcnow()
    session.add(visit)
    _set_status(session, request, RequestStatus.confirmed, actor=actor, action=AuditAction.request_confirmed,
                details={"visit_id": visit.id, "via": via})


def complete(session: Session, *, actor: Account, request_id: int) -> None:
    """scheduled|confirmed -> completed: the hour took place."""
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed visit can be completed; this request is {status}."))
    visit.status = VisitStatus.completed
    session.add(visit)
    _set_status(session, request, RequestStatus.completed, actor=actor, action=AuditAction.request_completed,
                details={"visit_id": visit.id})


def mark_no_show(session: Session, *, actor: Account, request_id: int) -> None:
    """scheduled|confirmed -> no_show: nobody was there (or nobody answered the phone)."""
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed visit can be marked as a no-show; this request is {status}."))
    visit.status = VisitStatus.no_show
    session.add(visit)
    _set_status(session, request, RequestStatus.no_show, actor=actor, action=AuditAction.request_no_show,
                details={"visit_id": visit.id})
    reminders.on_no_show(session, visit=visit)


def cancel(session: Session, *, actor: Account | None, request_id: int, reason: str, by: str) -> None:
    """Any open state -> cancelled, by the resident or a coordinator, with a reason.

    `actor` is None only when the resident cancelled by SMS; a coordinator who takes a resident's call passes
    themselves as actor and by="resident".
    """
    if by not in CANCELLED_BY:
        raise InvalidInput(N_("Unknown cancellation source: {by}"), field="by", by=by)
    if actor is None and by != "resident":
        raise NotAllowed(N_("Please sign in first."))
    if actor is not None:
        require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, OPEN_REQUEST_STATUSES, N_("This request is already {status}; it cannot be cancelled."))
    visit = _live_visit(session, request.id)
    announced = visit is not None and visit.status != VisitStatus.proposed  # only then was the resident told
    if visit is not None:
        visit.status = VisitStatus.cancelled
        session.add(visit)
        _release_bookings(session, visit)
    request.cancel_reason = reason  # kept on the request, not in the audit trail: it may echo the resident
    _set_status(session, request, RequestStatus.cancelled, actor=actor, action=AuditAction.request_cancelled,
                details={"by": by, "visit_id": visit.id if visit else None})
    if announced:
        session.flush()
        reminders.on_visit_cancelled(session, visit=visit)


def requeue(session: Session, *, actor: Account | None, request_id: int, reason: str) -> None:
    """scheduled|confirmed -> new: the resident called the visit off but still wants an hour."""
    if actor is not None:
        require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed request can go back to the queue; this one is {status}."))
    visit = _live_visit(session, request.id)
    if visit is not None:
        visit.status = VisitStatus.cancelled
        session.add(visit)
        _release_bookings(session, visit)
    _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_requeued,
                details={"visit_id": visit.id if visit else None, "reason": reason})
    if visit is not None:
        session.flush()
        reminders.on_visit_cancelled(session, visit=visit)




# ----- the request form ---------------------------------------------------------------------------------------

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
    risk_kinds = frozenset(safeguarding.detect_risk(clean.topic or ""))
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
            visit = _live_visit(session, request.id)
            if visit is not None:
                visit.status = VisitStatus.cancelled
                session.add(visit)
                _release_bookings(session, visit)
            _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_proposal_withdrawn,
                        details={"visit_id": visit.id if visit else None})
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


# ----- triage -------------------------------------------------------------------------------------------------


class TriageSort(StrEnum):
    priority = "priority"  # most urgent first, then the longest wait
    waiting = "waiting"  # longest wait first
    newest = "newest"


@dataclass(frozen=True)
class TriageRow:
    id: int
    resident_name: str
    phone_masked: str
    community_code: str
    mode: Mode
    language: Language
    status: RequestStatus
    urgency: int
    risk_flag: bool
    source: RequestSource
    gender_wish: Gender | None
    windows: tuple[Window, ...]
    created_at: datetime
    waiting: timedelta


def open_requests(session: Session, *, actor: Account, now: datetime | None = None,
                  statuses: list[RequestStatus] | None = None, modes: list[Mode] | None = None,
                  languages: list[Language] | None = None, community_code: str | None = None,
                  urgent_only: bool = False, sort: TriageSort = TriageSort.priority) -> list[TriageRow]:
    """The coordinator's queue: open requests with their waiting time, filtered and sorted. Phones masked."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    wanted = [s for s in (statuses or OPEN_REQUEST_STATUSES) if s in OPEN_REQUEST_STATUSES]
    query = (select(ListeningRequest, Resident, Community)
             .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
             .join(Community, col(Community.id) == col(Resident.community_id))
             .where(col(ListeningRequest.status).in_(wanted)))
    if modes:
        query = query.where(col(ListeningRequest.mode).in_(modes))
    if languages:
        query = query.where(col(ListeningRequest.language).in_(languages))
    if community_code:
        query = query.where(Community.code == community_code)
    if urgent_only:
        query = query.where(sa.or_(col(ListeningRequest.urgency) >= 3, col(ListeningRequest.risk_flag)))
    if sort == TriageSort.priority:
        query = query.order_by(col(ListeningRequest.risk_flag).desc(), col(ListeningRequest.urgency).desc(),
                               col(ListeningRequest.created_at), col(ListeningRequest.id))
    elif sort == TriageSort.waiting:
        query = query.order_by(col(ListeningRequest.created_at), col(ListeningRequest.id))
    else:
        query = query.order_by(col(ListeningRequest.created_at).desc(), col(ListeningRequest.id).desc())
    rows = session.exec(query).all()
    windows = _windows_by_request(session, [r.id for r, _, _ in rows])
    return [
        TriageRow(id=request.id, resident_name=resident.display_name, phone_masked=phones.mask(resident.phone),
                  community_code=community.code, mode=request.mode, language=request.language,
                  status=request.status, urgency=request.urgency, risk_flag=request.risk_flag,
                  source=request.source, gender_wish=request.gender_wish, windows=windows.get(request.id, ()),
                  created_at=request.created_at, waiting=now - request.created_at)
        for request, resident, community in rows
    ]


def _windows_by_request(session: Session, request_ids: list[int]) -> dict[int, tuple[Window, ...]]:
    result: dict[int, list[Window]] = {}
    if not request_ids:
        return {}
    for row in session.exec(select(RequestTimeWindow).where(col(RequestTimeWindow.request_id).in_(request_ids))
                            .order_by(col(RequestTimeWindow.id))):
        result.setdefault(row.request_id, []).append(Window(row.part_of_day, row.weekday, row.on_date))
    return {key: tuple(value) for key, value in result.items()}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    actor_name: str | None  # None: the resident (public page or SMS) or the system
    details: dict


@dataclass(frozen=True)
class RequestDetail:
    request: ListeningRequest
    resident_name: str
    phone_masked: str
    community_code: str
    address: str | None
    consent_verbal: bool
    consent_recorded_by: str | None
    sms_consent: bool
    windows: tuple[Window, ...]
    visit: Visit | None
    history: tuple[HistoryEntry, ...]


def request_detail(session: Session, *, actor: Account, request_id: int) -> RequestDetail:
    """One request with what the resident shared and its history. The read is in the audit trail."""
    require_role(actor, Role.coordinator)
    request = session.get(ListeningRequest, request_id)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    resident = session.get(Resident, request.resident_id)
    community = session.get(Community, resident.community_id)
    recorder = session.get(Account, resident.consent_recorded_by) if resident.consent_recorded_by else None
    history = request_history(session, actor=actor, request_id=request_id)
    audit.record(session, actor_id=actor.id, action=AuditAction.resident_details_viewed, entity="resident",
                 entity_id=resident.id, details={"request_id": request.id})
    return RequestDetail(
        request=request, resident_name=resident.display_name, phone_masked=phones.mask(resident.phone),
        community_code=community.code, address=resident.address if request.mode == Mode.home else None,
        consent_verbal=resident.consent_verbal, consent_recorded_by=recorder.display_name if recorder else None,
        sms_consent=resident.sms_consent_at is not None,
        windows=_windows_by_request(session, [request.id]).get(request.id, ()),
        visit=session.exec(select(Visit).where(Visit.request_id == request.id)
                           .order_by(col(Visit.created_at).desc(), col(Visit.id).desc())).first(),
        history=tuple(history))


def reveal_phone(session: Session, *, actor: Account, request_id: int) -> str:
    """The resident's full number, for a coordinator who is about to call; audited."""
    require_role(actor, Role.coordinator)
    request = session.get(ListeningRequest, request_id)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    resident = session.get(Resident, request.resident_id)
    audit.record(session, actor_id=actor.id, action=AuditAction.resident_contact_viewed, entity="resident",
                 entity_id=resident.id, details={"request_id": request.id, "context": "triage"})
    return resident.phone


def request_history(session: Session, *, actor: Account, request_id: int) -> list[HistoryEntry]:
    """What happened to a request, oldest first, from the audit trail."""
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(AuditEvent, Account).join(Account, col(Account.id) == col(AuditEvent.actor_id), isouter=True)
        .where(AuditEvent.entity == "listening_request").where(AuditEvent.entity_id == str(request_id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    return [HistoryEntry(at=event.at, action=event.action, actor_name=account.display_name if account else None,
                         details=dict(event.details or {})) for event, account in rows]


HISTORY_LABELS = {
    AuditAction.request_submitted: N_("Request received"),
    AuditAction.request_updated: N_("Request updated by a new submission"),
    AuditAction.request_proposed: N_("Visit proposed"),
    AuditAction.request_proposal_rejected: N_("Proposal rejected"),
    AuditAction.request_proposal_withdrawn: N_("Proposal withdrawn: the resident changed the request"),
    AuditAction.request_scheduled: N_("Visit scheduled"),
    AuditAction.request_confirmed: N_("Visit confirmed"),
    AuditAction.request_completed: N_("Visit completed"),
    AuditAction.request_no_show: N_("No-show"),
    AuditAction.request_cancelled: N_("Request cancelled"),
    AuditAction.request_requeued: N_("Visit called off; request back in the queue"),
}
