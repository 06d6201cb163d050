"""A neighbour applies to volunteer, from the public page, without an account; coordinators accept or decline.

The page first sends a one-time code to the applicant's mobile (volunteers/phone_codes.py); the application is
stored only with the right code, once every field is right (all problems at once, like the resident's form).
Accepting makes a volunteer at the "applicant" stage of the ladder, where vetting (volunteers/vetting.py) and
training begin; matching offers nobody before both say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.choices import one_of
from listening.core.clock import local_date
from listening.core.errors import IllegalTransition, InvalidForm, InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_
from listening.core.paging import PAGE_SIZE, Page, page_number
from listening.core.permissions import require_role
from listening.core.phones import display, mask
from listening.core.text import clean_typed
from listening.models import (
    Account,
    ApplicationLanguage,
    ApplicationStatus,
    ApplicationTime,
    Community,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    ListeningRequest,
    PartOfDay,
    Resident,
    Role,
    Volunteer,
    VolunteerApplication,
    VolunteerLanguage,
    VolunteerStatus,
    utcnow,
)
from listening.residents.references import request_id_of
from listening.volunteers import phone_codes

NAME_MAX = 100
MOTIVATION_MAX = 1000
PREFIX = "VA"  # Volunteer Application: not mistaken for a resident's LH- reference


@dataclass
class ApplicationForm:
    """What the applicant typed, before any checking."""

    full_name: str = ""
    gender: Gender | str | None = None
    phone: str = ""
    community_code: str = ""
    languages: list[Language | str] = field(default_factory=list)
    days: list[DayKind | str] = field(default_factory=list)
    parts_of_day: list[PartOfDay | str] = field(default_factory=list)
    motivation: str = ""
    consent: bool = False
    code_of_conduct: bool = False
    code: str = ""
    locale: str = DEFAULT_LOCALE


@dataclass
class ResidentApplication:
    """A resident who was listened to and would like to listen too, as a coordinator takes it down by phone."""

    request_reference: str = ""
    full_name: str = ""
    gender: Gender | str | None = None
    languages: list[Language | str] = field(default_factory=list)
    days: list[DayKind | str] = field(default_factory=list)
    parts_of_day: list[PartOfDay | str] = field(default_factory=list)
    consent_verbal: bool = False


@dataclass(frozen=True)
class Submitted:
    reference: str
    already_applied_on: date | None = None  # this number has an application waiting: nothing new was stored


@dataclass(frozen=True)
class ApplicationRow:
    id: int
    reference: str
    full_name: str
    gender: Gender
    masked_phone: str
    community_id: int
    languages: tuple[Language, ...]
    times: tuple[tuple[DayKind, PartOfDay], ...]
    motivation: str
    status: ApplicationStatus
    received_at: datetime
    decided_at: datetime | None
    decline_reason: DeclineReason | None
    volunteer_id: int | None


def reference(application_id: int) -> str:
    return f"{PREFIX}-{application_id:04d}"


def motivation_problem(text: str | None) -> InvalidInput | None:
    """Too long, said at once beside the box with what was typed kept in it."""
    if len(clean_typed(text, multiline=True)) > MOTIVATION_MAX:
        return InvalidInput(N_("Please keep this under {n} characters."), field="motivation", n=MOTIVATION_MAX)
    return None


def _choices(enum_cls, values, *, field: str, empty: str, wrong: str) -> list:
    try:
        chosen = list(dict.fromkeys(enum_cls(v) for v in values))
    except ValueError:
        raise InvalidInput(wrong, field=field) from None
    if not chosen:
        raise InvalidInput(empty, field=field)
    return chosen


class _Checks:
    """Collects every problem of a form (one per field, in the form's order) instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: dict[str, InvalidInput] = {}

    def __call__(self, step):
        try:
            return step()
        except InvalidInput as problem:
            self.problems.setdefault(problem.field or "", problem)
            return None

    def refuse(self, field: str, message: str) -> None:
        self.problems.setdefault(field, InvalidInput(message, field=field))

    def raise_any(self) -> None:
        if self.problems:
            raise InvalidForm(self.problems)


def _name(raw: str | None) -> str:
    text = clean_typed(raw)
    if not text:
        raise InvalidInput(N_("Please tell us your name."), field="full_name")
    if len(text) > NAME_MAX:
        raise InvalidInput(N_("Please keep the name to at most {n} characters."), field="full_name", n=NAME_MAX)
    return text


def _gender(value) -> Gender:
    return one_of(Gender, value, field="gender", message=N_("Please choose from the list."))


def _who(check: _Checks, form: ApplicationForm | ResidentApplication) -> dict:
    return {"full_name": check(lambda: _name(form.full_name)), "gender": check(lambda: _gender(form.gender))}


def _speaks_and_when(check: _Checks, form: ApplicationForm | ResidentApplication) -> dict:
    """The languages and when they could listen: the same questions whoever types the answers."""
    return {
        "languages": check(lambda: _choices(Language, form.languages, field="languages",
                                            empty=N_("Please choose at least one language or dialect."),
                                            wrong=N_("Please choose from the list."))),
        "days": check(lambda: _choices(DayKind, form.days, field="days", empty=N_("Please choose when you could "
                                       "listen."), wrong=N_("Please choose from the list."))),
        "parts": check(lambda: _choices(PartOfDay, form.parts_of_day, field="parts_of_day",
                                        empty=N_("Please choose at least one part of the day."),
                                        wrong=N_("Please choose from the list."))),
    }


def _validate(session: Session, form: ApplicationForm) -> dict:
    """Every field of the public form checked before anything is written; every problem at once (InvalidForm)."""
    check = _Checks()

    def community() -> Community:
        found = session.exec(select(Community).where(Community.code == (form.community_code or ""))).first()
        if found is None:
            raise InvalidInput(N_("Please choose your community."), field="community")
        return found

    clean = {**_who(check, form), "phone": check(lambda: phone_codes.mobile_number(form.phone)),
             "community": check(community), **_speaks_and_when(check, form),
             "motivation": clean_typed(form.motivation, multiline=True)}
    check(lambda: _raise(motivation_problem(form.motivation)))
    if form.code_of_conduct is not True:
        check.refuse("code_of_conduct", N_("Volunteers keep the code of conduct: please read it and tick the box."))
    if form.consent is not True:
        check.refuse("consent", N_("We can only take the application with your consent to use this information."))
    check(lambda: _raise(phone_codes.code_problem(form.code)))
    check.raise_any()
    return clean


def _raise(problem: InvalidInput | None) -> None:
    if problem is not None:
        raise problem


def _store(session: Session, clean: dict, *, phone: str, community_id: int, locale: str, now: datetime,
           actor: Account | None = None, resident_id: int | None = None) -> VolunteerApplication:
    application = VolunteerApplication(
        full_name=clean["full_name"], gender=clean["gender"], phone=phone, community_id=community_id,
        motivation=clean.get("motivation", ""), locale=locale if locale in LOCALES else DEFAULT_LOCALE,
        consent_at=now, code_of_conduct_seen_at=now, created_at=now, resident_id=resident_id,
        entered_by=actor.id if actor else None)
    session.add(application)
    session.flush()
    session.add_all([ApplicationLanguage(application_id=application.id, language=language)
                     for language in clean["languages"]])
    session.add_all([ApplicationTime(application_id=application.id, days=days, part_of_day=part)
                     for days in clean["days"] for part in clean["parts"]])
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.volunteer_application_received,
                 entity="volunteer_application", entity_id=application.id,
                 details={"resident_id": resident_id} if resident_id else None, at=now)  # no words, no number
    return application


def submit(session: Session, *, form: ApplicationForm, now: datetime | None = None) -> Submitted:
    """Store the application if every field and the phone code are right; one code, one application."""
    now = now or utcnow()
    clean = _validate(session, form)
    phone_codes.use_code(session, phone=clean["phone"], code=form.code, now=now)
    waiting = session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == clean["phone"],
        VolunteerApplication.status == ApplicationStatus.submitted)).first()
    if waiting is not None:  # the code proved the number: its holder may know they applied before
        return Submitted(reference(waiting.id), already_applied_on=local_date(waiting.created_at))
    if session.exec(select(Volunteer.id).where(Volunteer.phone == clean["phone"],
                                               Volunteer.status != VolunteerStatus.left)).first() is not None:
        raise IllegalTransition(N_("This number belongs to a volunteer of the centre already. Please call the centre "
                                   "if you need anything."))
    application = _store(session, clean, phone=clean["phone"], community_id=clean["community"].id,
                         locale=form.locale, now=now)
    return Submitted(reference(application.id))


# ----- coordinators ------------------------------------------------------------------------------------------


def waiting_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(VolunteerApplication)
                        .where(VolunteerApplication.status == ApplicationStatus.submitted)).one()


def applications(session: Session, *, actor: Account, status: ApplicationStatus = ApplicationStatus.submitted,
                 page: int = 1, size: int = PAGE_SIZE) -> Page[ApplicationRow]:
    """One page of the applications in `status`, oldest waiting first (newest decided first)."""
    require_role(actor, Role.coordinator)
    total = session.exec(select(func.count()).select_from(VolunteerApplication)
                         .where(VolunteerApplication.status == status)).one()
    number = page_number(page, total, size)
    order = (col(VolunteerApplication.created_at), col(VolunteerApplication.id)) \
        if status == ApplicationStatus.submitted \
        else (col(VolunteerApplication.decided_at).desc(), col(VolunteerApplication.id).desc())
    rows = list(session.exec(select(VolunteerApplication).where(VolunteerApplication.status == status)
                             .order_by(*order).offset((number - 1) * size).limit(size)))
    ids = [row.id for row in rows]
    languages: dict[int, list[Language]] = {}
    for app_id, language in session.exec(select(ApplicationLanguage.application_id, ApplicationLanguage.language)
                                         .where(col(ApplicationLanguage.application_id).in_(ids))):
        languages.setdefault(app_id, []).append(language)
    times: dict[int, list[tuple[DayKind, PartOfDay]]] = {}
    for app_id, days, part in session.exec(select(ApplicationTime.application_id, ApplicationTime.days,
                                                  ApplicationTime.part_of_day)
                                           .where(col(ApplicationTime.application_id).in_(ids))):
        times.setdefault(app_id, []).append((days, part))
    items = tuple(ApplicationRow(
        id=row.id, reference=reference(row.id), full_name=row.full_name, gender=row.gender,
        masked_phone=mask(row.phone), community_id=row.community_id,
        languages=tuple(sorted(languages.get(row.id, []), key=list(Language).index)),
        times=tuple(sorted(times.get(row.id, []), key=lambda t: (list(DayKind).index(t[0]),
                                                                 list(PartOfDay).index(t[1])))),
        motivation=row.motivation, status=row.status, received_at=row.created_at, decided_at=row.decided_at,
        decline_reason=row.decline_reason, volunteer_id=row.volunteer_id) for row in rows)
    return Page(items, total, number, size)


def _submitted(session: Session, application_id: int) -> VolunteerApplication:
    application = session.get(VolunteerApplication, application_id, with_for_update=True)
    if application is None:
        raise NotFound(N_("There is no application {reference}."), reference=reference(application_id))
    if application.status != ApplicationStatus.submitted:
        raise IllegalTransition(N_("Application {reference} was decided already."),
                                reference=reference(application_id))
    return application


def accept(session: Session, *, actor: Account, application_id: int, now: datetime | None = None) -> Volunteer:
    """The applicant becomes a volunteer at the foot of the ladder; vetting and training start from here."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    application = _submitted(session, application_id)
    if session.exec(select(Volunteer.id).where(Volunteer.phone == application.phone,
                                               Volunteer.status != VolunteerStatus.left)).first() is not None:
        raise IllegalTransition(N_("A volunteer with this phone number is already registered: decline this "
                                   "application as a duplicate."))
    volunteer = Volunteer(full_name=application.full_name, gender=application.gender, phone=application.phone,
                          community_id=application.community_id, joined_on=local_date(now))
    session.add(volunteer)
    session.flush()
    languages = session.exec(select(ApplicationLanguage.language)
                             .where(ApplicationLanguage.application_id == application.id)).all()
    session.add_all([VolunteerLanguage(volunteer_id=volunteer.id, language=language) for language in languages])
    application.status = ApplicationStatus.accepted
    application.volunteer_id = volunteer.id
    application.decided_at = now
    application.decided_by = actor.id
    session.add(application)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_application_accepted,
                 entity="volunteer_application", entity_id=application.id, details={"volunteer_id": volunteer.id},
                 at=now)
    return volunteer


def decline(session: Session, *, actor: Account, application_id: int, reason: DeclineReason,
            now: datetime | None = None) -> VolunteerApplication:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    if not isinstance(reason, DeclineReason):
        raise InvalidInput(N_("Please choose a reason from the list."), field="reason")
    application = _submitted(session, application_id)
    application.status = ApplicationStatus.declined
    application.decline_reason = reason
    application.decided_at = now
    application.decided_by = actor.id
    session.add(application)
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_application_declined,
                 entity="volunteer_application", entity_id=application.id, details={"reason": reason.value}, at=now)
    return application


def applicant_phone(session: Session, *, actor: Account, application_id: int) -> str:
    """The applicant's number in full, for the coordinator who calls them to arrange the interview; audited."""
    require_role(actor, Role.coordinator)
    application = session.get(VolunteerApplication, application_id)
    if application is None:
        raise NotFound(N_("There is no application {reference}."), reference=reference(application_id))
    audit.record(session, actor_id=actor.id, action=AuditAction.applicant_contact_viewed,
                 entity="volunteer_application", entity_id=application.id)
    return display(application.phone)


def from_resident(session: Session, *, actor: Account, form: ResidentApplication,
                  now: datetime | None = None) -> Submitted:
    """The way back from being heard to listening: the resident's application, in the queue like any other. Their
    number is the one the centre already knows; their spoken consent stands for the public page's ticks."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    request_id = request_id_of(form.request_reference)
    request = session.get(ListeningRequest, request_id) if request_id else None
    resident = session.get(Resident, request.resident_id) if request else None
    check = _Checks()
    if resident is None:
        check.refuse("request_reference", N_("There is no request with this reference."))
    clean = {**_who(check, form), **_speaks_and_when(check, form)}
    if form.consent_verbal is not True:
        check.refuse("consent_verbal", N_("Ask the resident for their consent first, and tick the box."))
    check.raise_any()
    if session.exec(select(VolunteerApplication.id).where(
            VolunteerApplication.phone == resident.phone,
            VolunteerApplication.status == ApplicationStatus.submitted)).first() is not None:
        raise IllegalTransition(N_("This resident's application is already waiting in the queue."))
    application = _store(session, clean, phone=resident.phone, community_id=resident.community_id,
                         locale=resident.locale, now=now, actor=actor, resident_id=resident.id)
    return Submitted(reference(application.id))
