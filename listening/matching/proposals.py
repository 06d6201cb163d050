"""The week's proposals: run the matcher on the week's instance (`week.build_instance`), store its proposals,
and review them (approve, reject, change).

Proposals are stored through `lifecycle.propose` and stay proposals until a coordinator approves each one
(`lifecycle.schedule` sends the SMS through the outbox in the same transaction).
"""

from __future__ import annotations

import itertools
import time as clock
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening import matching, sessions
from listening.core import audit, db
from listening.core.audit import AuditAction
from listening.core.errors import Busy, IllegalTransition, InvalidInput, NotFound, ServiceError
from listening.core.i18n import DEFAULT_LOCALE, N_, get_locale, gettext
from listening.core.labels import msgid
from listening.core.permissions import require_role
from listening.matching.week import (
    WeekInstance,
    build_instance,
    id_of,
    previous_volunteers,
    request_key,
    residents_with_home_visit,
    slot_time,
)
from listening.models import (
    Account,
    Community,
    Language,
    ListeningRequest,
    Mode,
    RequestStatus,
    Resident,
    Role,
    UnverifiedDetails,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    utcnow,
)
from listening.privacy import views
from listening.residents import lifecycle
from listening.residents.communities import name_of
from listening.sms import reminders
from listening.volunteers import availability

MAX_CHANGE_OPTIONS = 300
CONCURRENT_CHANGE = N_("Someone else changed this at the same moment. Reload the page and try again.")


# ---------------------------------------------------------------------------------------------------------------
# Running the matcher and storing its proposals
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmatched:
    request_id: int
    code: str
    params: dict
    resident_name: str = ""  # as the coordinator's queue shows it

    def text(self, translate: Callable[..., str] = gettext) -> str:
        return matching.reason_text(self.code, self.params, gettext=translate, community_name=name_of)


def _resident_names(session: Session, actor: Account, request_ids: list[int]) -> dict[int, str]:
    """Each request's resident by name, as the queue shows it (a same-number request by the name it gave), in
    one query; seeing them is a view of those residents, recorded like the queue's."""
    if not request_ids:
        return {}
    rows = session.exec(
        select(ListeningRequest.id, Resident.id,
               sa.func.coalesce(UnverifiedDetails.display_name, Resident.display_name))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .join(UnverifiedDetails, col(UnverifiedDetails.request_id) == col(ListeningRequest.id), isouter=True)
        .where(col(ListeningRequest.id).in_(request_ids))).all()
    views.record_view(session, viewer=actor, resident_ids=[resident_id for _, resident_id, _ in rows],
                      context=views.ViewContext.matching)
    return {request_id: name for request_id, _, name in rows}


@dataclass(frozen=True)
class Figures:
    served: int
    weight: int
    continuity: int | None = None
    max_load: int | None = None


@dataclass
class MatchingRun:
    week_start: date
    requests: int
    volunteers: int
    optimum: Figures
    baseline: Figures  # the first-come greedy matcher, what a sign-up sheet would do
    proven_optimal: bool
    seconds: float
    proposed: list[int] = field(default_factory=list)  # request ids now matched
    unmatched: list[Unmatched] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)  # request ids whose proposal someone else took meanwhile


def _figures(result) -> Figures:
    objective = result.objective
    get = objective.get if isinstance(objective, dict) else lambda k, d=None: getattr(objective, k, d)
    return Figures(served=len(result.assignments), weight=int(get("weight", 0) or 0),
                   continuity=get("continuity"), max_load=get("max_load"))


def _assignment_parts(assignment) -> tuple[str, list[str], str]:
    if isinstance(assignment, dict):
        return assignment["request"], list(assignment["volunteers"]), assignment["slot"]
    return assignment.request, list(assignment.volunteers), assignment.slot


def _unmatched_parts(item) -> tuple[str, str, dict]:
    if isinstance(item, dict):
        return item["request"], item["code"], dict(item.get("params") or {})
    return item.request, item.code, dict(item.params or {})


def run_matching(session: Session, *, actor: Account, week_start: date, now: datetime | None = None,
                 progress: Callable[[float, str], None] | None = None) -> MatchingRun:
    """Match every new request of the week and store the proposals (request new -> matched).

    `progress(fraction, english_msgid)` is told where the run is. A proposal that someone else's concurrent run
    already took (the database refuses the double booking) is left out and listed in `conflicts`.
    """
    require_role(actor, Role.coordinator)
    report = progress or (lambda _fraction, _message: None)
    started = clock.perf_counter()
    report(0.1, N_("Reading volunteers, availability and requests"))
    week = build_instance(session, week_start=week_start, now=now)
    instance = week.instance
    report(0.4, N_("Solving"))
    result = matching.solve(instance)
    baseline = matching.greedy(instance)
    if problems := matching.check_assignment(instance, result):  # never store a proposal that breaks a hard rule
        raise RuntimeError(f"the matcher broke a hard rule: {problems[:3]}")
    report(0.8, N_("Saving the proposals"))
    tz = availability.programme_tz()
    run = MatchingRun(week_start=week_start, requests=len(instance.requests), volunteers=len(instance.volunteers),
                      optimum=_figures(result), baseline=_figures(baseline),
                      proven_optimal=bool(result.proven_optimal), seconds=0.0)
    _refused_concurrently(lambda: _store(session, actor, result, run, tz))
    unmatched = [_unmatched_parts(item) for item in result.unmatched]
    names = _resident_names(session, actor, [id_of(request_ref) for request_ref, _, _ in unmatched])
    for request_ref, code, params in unmatched:
        run.unmatched.append(Unmatched(request_id=id_of(request_ref), code=code, params=params,
                                       resident_name=names.get(id_of(request_ref), "")))
    run.seconds = round(clock.perf_counter() - started, 3)
    audit.record(session, actor_id=actor.id, action=AuditAction.matching_run, entity="week", entity_id=week_start.isoformat(),
                 details={"requests": run.requests, "volunteers": run.volunteers, "proposed": len(run.proposed),
                          "unmatched": len(run.unmatched), "conflicts": len(run.conflicts),
                          "weight": run.optimum.weight, "greedy_weight": run.baseline.weight,
                          "proven_optimal": run.proven_optimal})
    report(1.0, N_("Done"))
    return run


def _store(session: Session, actor: Account, result, run: MatchingRun, tz) -> None:
    for assignment in result.assignments:
        request_ref, volunteer_refs, slot = _assignment_parts(assignment)
        request_id = id_of(request_ref)
        try:
            with session.begin_nested():
                lifecycle.propose(session, actor=actor, request_id=request_id,
                                          volunteer_ids=[id_of(v) for v in volunteer_refs],
                                          starts_at=slot_time(slot, tz).astimezone(UTC))
        except IllegalTransition:  # another coordinator's run took this request or volunteer meanwhile
            run.conflicts.append(request_id)
            continue
        run.proposed.append(request_id)



# ---------------------------------------------------------------------------------------------------------------
# Review: proposals with their reasons; approve, change, reject
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    message: str  # English msgid
    params: dict = field(default_factory=dict)
    translated_params: tuple[str, ...] = ()  # params that are msgids themselves (a language's name)

    def text(self, translate: Callable[..., str] = gettext) -> str:
        params = {k: (translate(v) if k in self.translated_params else v) for k, v in self.params.items()}
        return translate(self.message, **params)


@dataclass(frozen=True)
class ProposedVolunteer:
    id: int
    name: str
    role: VisitRole
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    request_id: int
    visit_id: int
    starts_at: datetime
    mode: Mode
    language: Language
    urgency: int
    waiting_days: int
    community: str | None
    needs_pair: bool
    volunteers: tuple[ProposedVolunteer, ...]
    resident_name: str = ""  # as the coordinator's queue shows it


def _proposed_visits(session: Session, week_start: date) -> list[tuple[Visit, ListeningRequest, Resident]]:
    start, end = availability.local_week_bounds(week_start)
    return list(session.exec(
        select(Visit, ListeningRequest, Resident)
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .where(Visit.status == VisitStatus.proposed, ListeningRequest.status == RequestStatus.matched)
        .where(col(Visit.starts_at) >= start, col(Visit.starts_at) < end)
        .order_by(col(Visit.starts_at), col(Visit.id))
    ).all())


def proposals(session: Session, *, actor: Account, week_start: date, now: datetime | None = None) -> list[Proposal]:
    """The week's proposed visits awaiting approval, each volunteer with the reasons for the match."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = _proposed_visits(session, week_start)
    if not rows:
        return []
    visit_ids = [visit.id for visit, _, _ in rows]
    bookings: dict[int, list[VisitVolunteer]] = defaultdict(list)
    for booking in session.exec(select(VisitVolunteer).where(col(VisitVolunteer.visit_id).in_(visit_ids))
                                .order_by(col(VisitVolunteer.role))):
        bookings[booking.visit_id].append(booking)
    volunteer_ids = sorted({b.volunteer_id for bs in bookings.values() for b in bs})
    volunteers = {v.id: v for v in session.exec(select(Volunteer).where(col(Volunteer.id).in_(volunteer_ids)))}
    hours = sessions.booked_hours_by_volunteer(session, volunteer_ids=volunteer_ids, week_start=week_start)
    resident_ids = sorted({resident.id for _, _, resident in rows})
    previous = previous_volunteers(session, resident_ids)
    had_home_visit = residents_with_home_visit(session, resident_ids)
    communities = {c.id: c for c in session.exec(select(Community))}
    names = _resident_names(session, actor, [request.id for _, request, _ in rows])
    result = []
    for visit, request, resident in rows:
        previous_id = (request.previous_volunteer_id or previous.get(resident.id)) if request.wants_same_volunteer \
            else None
        needs_pair = visit.mode == Mode.home and resident.id not in had_home_visit
        people = []
        for booking in bookings[visit.id]:
            volunteer = volunteers[booking.volunteer_id]
            reasons = [Reason(N_("Speaks {language}"), {"language": msgid(request.language)},
                              ("language",))]
            if previous_id and booking.volunteer_id == previous_id:
                reasons.append(Reason(N_("The volunteer the resident saw last time, as they wished")))
            elif previous_id:
                reasons.append(Reason(N_("The resident asked for their previous volunteer, who is not free then")))
            if visit.mode in (Mode.centre, Mode.home):
                community = communities.get(volunteer.community_id)
                name = (community.name_zh if get_locale() == DEFAULT_LOCALE else community.name_en) if community else ""
                reasons.append(Reason(N_("Lives in the resident's community ({community})"), {"community": name}))
            reasons.append(Reason(N_("Load: {hours} of {cap} hours this week with this visit"),
                                  {"hours": _hours_text(hours.get(volunteer.id, 0.0)),
                                   "cap": volunteer.weekly_hour_cap}))
            if needs_pair:
                reasons.append(Reason(N_("First home visit: two volunteers go together")))
            people.append(ProposedVolunteer(id=volunteer.id, name=volunteer.full_name, role=booking.role,
                                            reasons=tuple(reasons)))
        result.append(Proposal(
            request_id=request.id, visit_id=visit.id, starts_at=visit.starts_at, mode=visit.mode,
            language=request.language, urgency=request.urgency,
            waiting_days=max(0, (now - request.created_at).days),
            community=communities[resident.community_id].code if resident.community_id in communities else None,
            needs_pair=needs_pair, volunteers=tuple(people), resident_name=names.get(request.id, "")))
    return result


def _hours_text(hours: float) -> str:
    return str(int(hours)) if float(hours).is_integer() else f"{hours:.1f}"


def _refused_concurrently(action: Callable[[], Any]) -> Any:
    """Run `action`; a write the database refused because of a concurrent change becomes a clear error."""
    try:
        return action()
    except sa.exc.IntegrityError:
        raise IllegalTransition(CONCURRENT_CHANGE) from None
    except sa.exc.DBAPIError as error:
        # A lock not had in time says nothing about the proposal: "busy, try again", not "changed meanwhile".
        if db.is_busy(error):
            raise Busy() from None
        raise


@dataclass(frozen=True)
class Approval:
    visit: Visit
    phone_calls: tuple[reminders.PhoneCall, ...] = ()  # quiet hours last until the visit: phone them now


def approve(session: Session, *, actor: Account, request_id: int, now: datetime | None = None) -> Approval:
    """matched -> scheduled: the visit and its SMS (outbox rows) are written in the caller's one transaction.

    Whoever quiet hours keep from hearing of the booking before it begins comes back in `phone_calls`."""
    def schedule() -> Approval:
        visit = lifecycle.schedule(session, actor=actor, request_id=request_id, now=now)
        return Approval(visit, tuple(reminders.phone_calls(session, actor=actor, visit=visit)))
    return _refused_concurrently(schedule)


@dataclass
class ApproveAllOutcome:
    approved: list[int] = field(default_factory=list)
    failed: list[tuple[int, ServiceError]] = field(default_factory=list)
    phone_calls: list[reminders.PhoneCall] = field(default_factory=list)


def approve_all(session: Session, *, actor: Account, week_start: date,
                now: datetime | None = None) -> ApproveAllOutcome:
    """Approve every proposal of the week; one that fails (changed meanwhile) is reported, the rest go ahead."""
    require_role(actor, Role.coordinator)
    outcome = ApproveAllOutcome()
    for visit, request, _resident in _proposed_visits(session, week_start):
        try:
            with session.begin_nested():
                approval = approve(session, actor=actor, request_id=request.id, now=now)
        except ServiceError as error:
            outcome.failed.append((request.id, error))
            continue
        outcome.approved.append(request.id)
        outcome.phone_calls.extend(approval.phone_calls)
    return outcome


def reject(session: Session, *, actor: Account, request_id: int, reason: str) -> None:
    """matched -> new: the proposal is dropped and the request waits for the next run."""
    _refused_concurrently(lambda: lifecycle.reject_proposal(session, actor=actor, request_id=request_id,
                                                                    reason=reason))


@dataclass(frozen=True)
class ChangeOption:
    starts_at: datetime
    volunteer_ids: tuple[int, ...]
    volunteer_names: tuple[str, ...]


def _options(session: Session, week: WeekInstance, request_id: int) -> list[ChangeOption]:
    instance = week.instance
    request = instance.request(request_key(request_id))
    if request is None:
        return []
    tz = availability.programme_tz()
    names = dict(session.exec(select(Volunteer.id, Volunteer.full_name)).all())
    wanted = set(request.slots)
    fitting = [v for v in instance.volunteers if v.max_slots >= 1 and matching.fits(request, v)]
    if request.previous_volunteer:  # the previous volunteer first, then by id
        fitting.sort(key=lambda v: (v.id != request.previous_volunteer, id_of(v.id)))
    options = []
    for slot in sorted(wanted):
        free = [v for v in fitting if slot in v.slots]
        groups = itertools.combinations(free, 2) if request.needs_pair else ((v,) for v in free)
        for group in groups:
            ids = tuple(id_of(v.id) for v in group)
            options.append(ChangeOption(starts_at=slot_time(slot, tz), volunteer_ids=ids,
                                        volunteer_names=tuple(names.get(i, "") for i in ids)))
            if len(options) >= MAX_CHANGE_OPTIONS:
                return options
    return options


def _week_of_visit(visit: Visit) -> date:
    return availability.week_start_of(visit.starts_at.astimezone(availability.programme_tz()).date())


def _with_proposal_released(session: Session, request_id: int, action: Callable[[], Any]) -> Any:
    """Run `action` as if the request's proposal were rejected, then put everything back (a savepoint)."""
    savepoint = session.begin_nested()
    try:
        visit = session.exec(select(Visit).where(Visit.request_id == request_id,
                                                 Visit.status == VisitStatus.proposed)).first()
        if visit is not None:
            lifecycle.withdraw_visit(session, visit)
            request = session.get(ListeningRequest, request_id)
            request.status = RequestStatus.new
            session.add_all([visit, request])
            session.flush()
        return action()
    finally:
        savepoint.rollback()
        session.expire_all()


def change_options(session: Session, *, actor: Account, request_id: int,
                   now: datetime | None = None) -> list[ChangeOption]:
    """Every (slot, volunteer or pair) the proposal could be changed to, under the same hard rules."""
    require_role(actor, Role.coordinator)
    visit = session.exec(select(Visit).where(Visit.request_id == request_id,
                                             Visit.status == VisitStatus.proposed)).first()
    if visit is None:
        raise NotFound(N_("This request has no proposal to change."))
    week_start = _week_of_visit(visit)
    return _with_proposal_released(
        session, request_id,
        lambda: _options(session, build_instance(session, week_start=week_start, now=now, request_ids=[request_id]),
                         request_id))


def change(session: Session, *, actor: Account, request_id: int, volunteer_ids: list[int], starts_at: datetime,
           now: datetime | None = None):
    """Replace a proposal by another volunteer (or pair) and/or slot; checked against the same hard rules."""
    require_role(actor, Role.coordinator)
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise InvalidInput(N_("The start time needs a time zone."), field="starts_at")
    visit = session.exec(select(Visit).where(Visit.request_id == request_id,
                                             Visit.status == VisitStatus.proposed)).first()
    if visit is None:
        raise NotFound(N_("This request has no proposal to change."))
    tz = availability.programme_tz()
    week_start = availability.week_start_of(starts_at.astimezone(tz).date())

    def replace() -> Visit:
        lifecycle.reject_proposal(session, actor=actor, request_id=request_id,
                                 reason=gettext(N_("changed by a coordinator")))
        session.flush()
        week = build_instance(session, week_start=week_start, now=now, request_ids=[request_id])
        allowed = {(o.starts_at, tuple(sorted(o.volunteer_ids))) for o in _options(session, week, request_id)}
        if (starts_at.astimezone(tz), tuple(sorted(volunteer_ids))) not in allowed:
            raise InvalidInput(N_("That volunteer is not free then, or does not fit this request (language, mode, "
                                  "community, gender wish, weekly cap)."), field="volunteer_ids")
        return lifecycle.propose(session, actor=actor, request_id=request_id, volunteer_ids=list(volunteer_ids),
                                starts_at=starts_at.astimezone(UTC))

    return _refused_concurrently(replace)
