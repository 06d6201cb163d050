"""Session logs, volunteer hours and wellbeing (weekly hours, cooling-off after a heavy session).

A volunteer logs each visit once. Any risk tick, or risk words in the note, opens a safeguarding escalation in the
same transaction, offers the volunteer a debrief, and rests them from matching for `settings.cooling_off_hours`.
A visit held asks the resident for feedback (feedback/asking.py).
Hours count from the actual start and end the volunteer logged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening import safeguarding
from listening.connection import suggestions
from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import day_bounds, hours_between
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.core.i18n import N_
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.feedback import asking as feedback
from listening.models import (
    Account,
    DebriefRequest,
    DebriefStatus,
    Escalation,
    EscalationSource,
    EscalationStatus,
    ListeningRequest,
    Mode,
    Outcome,
    RequestStatus,
    Resident,
    Role,
    SessionLog,
    Visit,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    utcnow,
)
from listening.privacy import views
from listening.residents import lifecycle
from listening.volunteers import volunteer_of

TOPICS = ("work", "family", "loneliness", "health", "study", "money", "relationships", "other")
TOPIC_LABELS = {
    "work": N_("work"),
    "family": N_("family"),
    "loneliness": N_("loneliness"),
    "health": N_("health"),
    "study": N_("study"),
    "money": N_("money"),
    "relationships": N_("relationships"),
    "other": N_("other"),
}
OUTCOME_LABELS = {
    Outcome.held: N_("the session took place"),
    Outcome.no_show: N_("the resident was not there"),
    Outcome.no_answer: N_("nobody answered the phone"),
}
NOTE_MAX = 500
MAX_SESSION = timedelta(hours=4)
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not "in the future"
START_DRIFT = timedelta(hours=12)  # the actual start must be near the planned one (catches a wrong date)
LOGGABLE_DAYS = 90
NOT_LOGGABLE = (VisitStatus.proposed, VisitStatus.cancelled)
OPEN_VISIT = (VisitStatus.scheduled, VisitStatus.confirmed)


# ----- the log form -------------------------------------------------------------------------------------------


@dataclass
class SessionLogInput:
    """What the volunteer enters. Times, moods and topics only count when the session was held."""

    outcome: Outcome
    mode: Mode | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    mood_before: int | None = None
    mood_after: int | None = None
    topics: list[str] = field(default_factory=list)
    follow_up_wanted: bool = False
    note: str = ""
    risks: set[str] = field(default_factory=set)  # codes from safeguarding.RISK_KINDS
    activity_id: int | None = None  # an activity the resident was interested in (a held session only)


@dataclass(frozen=True)
class LogResult:
    log: SessionLog
    escalation: Escalation | None  # raised by a risk tick or risk words
    debrief: DebriefRequest | None  # offered to the volunteer after a heavy session
    unanswered_alert: Escalation | None  # raised because the resident stopped answering
    suggestion: suggestions.Suggested | None = None  # the activity suggested, and its SMS


def _validate(entry: SessionLogInput, *, visit: Visit, now: datetime) -> SessionLogInput:
    """Check every field before anything is written; returns the cleaned entry."""
    try:
        outcome = Outcome(entry.outcome)
    except ValueError:
        raise InvalidInput(N_("Choose whether the session took place."), field="outcome") from None
    mode = Mode(entry.mode) if entry.mode else visit.mode
    note = clean_typed(entry.note, multiline=True)
    if len(note) > NOTE_MAX:
        raise InvalidInput(N_("Keep the note under {n} characters (it has {length}). Summarise; do not quote."),
                           field="note", n=NOTE_MAX, length=len(note))
    unknown_risks = set(entry.risks) - set(safeguarding.RISK_KINDS)
    if unknown_risks:
        raise InvalidInput(N_("Unknown risk: {risk}."), field="risks", risk=", ".join(sorted(unknown_risks)))
    if outcome != Outcome.held:
        # Nobody was heard: no times, moods or topics to keep; risk ticks still count (never drop a warning).
        return SessionLogInput(outcome=outcome, mode=mode, note=note, risks=set(entry.risks),
                               follow_up_wanted=bool(entry.follow_up_wanted))
    start, end = entry.actual_start, entry.actual_end
    if start is None or end is None:
        raise InvalidInput(N_("Enter when the session started and when it ended."), field="actual_start")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(N_("Enter when the session started and when it ended."), field="actual_start")
    if end <= start:
        raise InvalidInput(N_("The end time must be after the start time."), field="actual_end")
    if end - start > MAX_SESSION:
        raise InvalidInput(N_("A session cannot last more than {hours} hours. Please check the times."),
                           field="actual_end", hours=int(MAX_SESSION.total_seconds() // 3600))
    if end > now + CLOCK_SKEW:
        raise InvalidInput(N_("The session cannot end in the future. Please check the times."), field="actual_end")
    if abs(start - visit.starts_at) > START_DRIFT:
        raise InvalidInput(N_("The start time is far from the planned time of this visit. Please check the date."),
                           field="actual_start")
    for name, mood in (("mood_before", entry.mood_before), ("mood_after", entry.mood_after)):
        if mood is None or not isinstance(mood, int) or not 1 <= mood <= 5:
            raise InvalidInput(N_("Choose the resident's mood before and after, from 1 to 5."), field=name)
    topics = list(dict.fromkeys(entry.topics))
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise InvalidInput(N_("Unknown topic: {topic}."), field="topics", topic=", ".join(unknown))
    return SessionLogInput(outcome=outcome, mode=mode, actual_start=start, actual_end=end,
                           mood_before=entry.mood_before, mood_after=entry.mood_after,
                           topics=[t for t in TOPICS if t in topics], follow_up_wanted=bool(entry.follow_up_wanted),
                           note=note, risks=set(entry.risks), activity_id=entry.activity_id)


def visit_of_volunteer(session: Session, *, visit_id: int, volunteer: Volunteer) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(N_("Visit {id} does not exist."), id=visit_id)
    on_visit = session.get(VisitVolunteer, (visit.id, volunteer.id))
    if on_visit is None:
        raise NotAllowed(N_("Only a volunteer on this visit can log it."))
    return visit


def log_session(session: Session, *, actor: Account, visit_id: int, entry: SessionLogInput,
                now: datetime | None = None) -> LogResult:
    """The volunteer's log of one visit: validated whole, then written with its consequences in one transaction."""
    now = now or utcnow()
    volunteer = volunteer_of(session, actor)
    visit = visit_of_volunteer(session, visit_id=visit_id, volunteer=volunteer)
    if visit.status in NOT_LOGGABLE:
        raise IllegalTransition(N_("This visit was not held as planned ({status}); there is nothing to log."),
                                status=label(visit.status))
    if visit.starts_at > now:
        raise IllegalTransition(N_("This visit has not started yet."))
    if session.exec(select(SessionLog.id).where(SessionLog.visit_id == visit.id,
                                                SessionLog.volunteer_id == volunteer.id)).first():
        raise IllegalTransition(N_("You have already logged this visit."))
    clean = _validate(entry, visit=visit, now=now)

    log = SessionLog(
        visit_id=visit.id, volunteer_id=volunteer.id, outcome=clean.outcome, mode=clean.mode,
        actual_start=clean.actual_start, actual_end=clean.actual_end, mood_before=clean.mood_before,
        mood_after=clean.mood_after, topics=",".join(clean.topics), follow_up_wanted=clean.follow_up_wanted,
        note=clean.note, created_at=now,
        **{f"risk_{code}": code in clean.risks for code in safeguarding.RISK_KINDS},
    )
    session.add(log)
    session.flush()
    word_risks = safeguarding.detect_risk(clean.note)
    audit.record(session, actor_id=actor.id, action=AuditAction.session_log_created, entity="session_log", entity_id=log.id,
                 at=now, details={"visit_id": visit.id, "outcome": clean.outcome.value,
                                  "risk_ticks": sorted(clean.risks), "risk_words": sorted(word_risks)})

    # The first volunteer to log moves the request on; a partner's later log finds it done already.
    request = session.get(ListeningRequest, visit.request_id)
    if visit.status in OPEN_VISIT and request.status in (RequestStatus.scheduled, RequestStatus.confirmed):
        if clean.outcome == Outcome.held:
            lifecycle.complete(session, actor=actor, request_id=request.id)
            feedback.ask_after_visit(session, visit=visit, actor=actor, now=now)  # two questions, by SMS or a call
        else:
            lifecycle.mark_no_show(session, actor=actor, request_id=request.id)
    # A retired activity gives None, never a refusal: the log and its risks are saved whatever happens here.
    suggested = suggestions.suggest_in_log(session, actor=actor, volunteer=volunteer, visit=visit,
                                           activity_id=clean.activity_id, now=now) if clean.activity_id else None

    escalation = debrief = None
    risks = clean.risks | word_risks
    if risks:
        # A save that failed earlier raised this log's escalation on its own (log_saving): link it, don't repeat it.
        escalation = session.exec(select(Escalation).where(
            Escalation.request_id == request.id, Escalation.source == EscalationSource.session_log,
            col(Escalation.session_log_id).is_(None))).first()
        if escalation is not None:
            escalation.session_log_id = log.id
            session.add(escalation)
        else:
            escalation = safeguarding.raise_escalation(session, source=EscalationSource.session_log,
                                                       risk_kinds=risks, request_id=request.id,
                                                       session_log_id=log.id, actor=actor, now=now)
        debrief = safeguarding.offer_debrief(session, volunteer_id=volunteer.id, session_log_id=log.id, actor=actor,
                                             now=now)
    unanswered = None
    if clean.outcome == Outcome.no_answer:
        unanswered = check_unanswered_calls(session, resident_id=request.resident_id, actor=actor, now=now)
    return LogResult(log=log, escalation=escalation, debrief=debrief, unanswered_alert=unanswered,
                     suggestion=suggested)


# ----- unanswered phone visits --------------------------------------------------------------------------------


def unanswered_run(session: Session, *, resident_id: int) -> tuple[int, list[int]]:
    """How many of the resident's latest logged visits in a row nobody answered, and their request ids."""
    rows = session.exec(
        select(Visit.id, Visit.request_id, SessionLog.outcome)
        .join(SessionLog, col(SessionLog.visit_id) == col(Visit.id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .where(ListeningRequest.resident_id == resident_id)
        .order_by(col(Visit.starts_at).desc(), col(Visit.id).desc())
    ).all()
    outcomes: dict[int, set[Outcome]] = defaultdict(set)
    request_of: dict[int, int] = {}
    for visit_id, request_id, outcome in rows:
        outcomes[visit_id].add(outcome)
        request_of[visit_id] = request_id
    run, request_ids = 0, []
    for visit_id, seen in outcomes.items():  # newest first (dicts keep insertion order)
        if seen != {Outcome.no_answer}:  # held by anyone, or a no-show at the door: the run ends
            break
        run += 1
        request_ids.append(request_of[visit_id])
    return run, request_ids


def check_unanswered_calls(session: Session, *, resident_id: int, actor: Account | None = None,
                           now: datetime | None = None) -> Escalation | None:
    """Alert the coordinator once a resident has not answered `unanswered_call_alert_after` phone visits in a row
    (someone who stops answering may be the one most at risk). One open alert per resident at a time."""
    run, request_ids = unanswered_run(session, resident_id=resident_id)
    if run < get_settings().unanswered_call_alert_after:
        return None
    resident_requests = session.exec(
        select(ListeningRequest.id).where(ListeningRequest.resident_id == resident_id)
    ).all()
    already = session.exec(
        select(Escalation.id)
        .where(Escalation.source == EscalationSource.unanswered_calls)
        .where(Escalation.status != EscalationStatus.closed)
        .where(col(Escalation.request_id).in_(resident_requests))
    ).first()
    if already:
        return None
    return safeguarding.raise_escalation(session, source=EscalationSource.unanswered_calls,
                                         risk_kinds={safeguarding.UNANSWERED_RISK}, request_id=request_ids[0],
                                         actor=actor, now=now)


# ----- what a volunteer can log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggableVisit:
    visit_id: int
    starts_at: datetime
    ends_at: datetime
    mode: Mode
    resident_name: str


def loggable_visits(session: Session, *, actor: Account, now: datetime | None = None) -> list[LoggableVisit]:
    """My visits that have started and that I have not logged yet, newest first. A visit can be logged as soon as
    it starts, so a volunteer who meets a crisis in the first minutes can raise it at once."""
    now = now or utcnow()
    volunteer = volunteer_of(session, actor)
    logged = select(SessionLog.visit_id).where(SessionLog.volunteer_id == volunteer.id)
    rows = session.exec(
        select(Visit, Resident.display_name, Resident.id)
        .join(VisitVolunteer, col(VisitVolunteer.visit_id) == col(Visit.id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .where(VisitVolunteer.volunteer_id == volunteer.id)
        .where(col(Visit.status).not_in(NOT_LOGGABLE))
        .where(col(Visit.starts_at) <= now, col(Visit.starts_at) >= now - timedelta(days=LOGGABLE_DAYS))
        .where(col(Visit.id).not_in(logged))
        .order_by(col(Visit.starts_at).desc())
    ).all()
    views.record_view(session, viewer=actor, resident_ids=[r for _, _, r in rows], context=views.ViewContext.my_visits,
                      now=now)
    return [LoggableVisit(v.id, v.starts_at, v.ends_at, v.mode, name) for v, name, _ in rows]


# ----- hours --------------------------------------------------------------------------------------------------


def duration_hours(start: datetime | None, end: datetime | None) -> float:
    """Hours between two instants; 0 when either is missing (a session that was not held)."""
    return (end - start).total_seconds() / 3600 if start and end else 0.0


def booked_hours(session: Session, *, volunteer_id: int, week_start: date) -> float:
    """Hours the volunteer is booked for in the local week from `week_start`: proposed, scheduled and confirmed
    visits at their planned length, held visits at the length logged (planned if not logged yet)."""
    return booked_hours_by_volunteer(session, volunteer_ids=[volunteer_id], week_start=week_start)[volunteer_id]


def booked_hours_by_volunteer(session: Session, *, volunteer_ids: list[int], week_start: date) -> dict[int, float]:
    """`booked_hours` for many volunteers in one query (0.0 for a volunteer with nothing booked), so a week of
    matching or its proposals cost the same few statements whatever the number of volunteers."""
    hours = dict.fromkeys(volunteer_ids, 0.0)
    if not volunteer_ids:
        return hours
    week = day_bounds(week_start, week_start + timedelta(days=6))
    rows = session.exec(
        select(VisitVolunteer.volunteer_id, Visit.starts_at, Visit.ends_at, SessionLog.outcome,
               SessionLog.actual_start, SessionLog.actual_end)
        .join(Visit, col(VisitVolunteer.visit_id) == col(Visit.id))
        .join(SessionLog, (col(SessionLog.visit_id) == col(Visit.id))
              & (col(SessionLog.volunteer_id) == col(VisitVolunteer.volunteer_id)), isouter=True)
        .where(col(VisitVolunteer.volunteer_id).in_(volunteer_ids))
        .where(week.holds(col(Visit.starts_at)))
        .where(col(Visit.status).in_((VisitStatus.proposed, *OPEN_VISIT, VisitStatus.completed)))
    ).all()
    for volunteer_id, starts_at, ends_at, outcome, actual_start, actual_end in rows:
        if outcome is not None and outcome != Outcome.held:
            continue
        hours[volunteer_id] += (duration_hours(actual_start, actual_end) if outcome is not None
                                else duration_hours(starts_at, ends_at))
    return {volunteer_id: round(total, 2) for volunteer_id, total in hours.items()}


@dataclass(frozen=True)
class MonthHours:
    month: date  # the first day of the month, local time
    sessions: int
    hours: float


def _held_logs(session: Session, *, volunteer_id: int | None = None, since: datetime | None = None,
               until: datetime | None = None):
    query = select(SessionLog).where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None))
    if volunteer_id is not None:
        query = query.where(SessionLog.volunteer_id == volunteer_id)
    if since is not None:
        query = query.where(col(SessionLog.actual_start) >= since)
    if until is not None:
        query = query.where(col(SessionLog.actual_start) < until)
    return session.exec(query).all()


def my_hours_by_month(session: Session, *, actor: Account) -> list[MonthHours]:
    """The signed-in volunteer's held sessions and hours per month (local time), newest month first."""
    volunteer = volunteer_of(session, actor)
    tz = get_settings().tz
    months: dict[date, list[float]] = defaultdict(list)
    for log in _held_logs(session, volunteer_id=volunteer.id):
        months[log.actual_start.astimezone(tz).date().replace(day=1)].append(duration_hours(log.actual_start, log.actual_end))
    return [MonthHours(m, len(h), round(sum(h), 2)) for m, h in sorted(months.items(), reverse=True)]


@dataclass(frozen=True)
class VolunteerHours:
    volunteer_id: int
    full_name: str
    sessions: int
    hours: float
    heavy_sessions: int


def _names(session: Session, volunteer_ids: list[int]) -> dict[int, str]:
    query = select(Volunteer.id, Volunteer.full_name).where(col(Volunteer.id).in_(volunteer_ids))
    return dict(session.exec(query).all())


def hour_totals(session: Session, *, actor: Account, start: date, end: date) -> list[VolunteerHours]:
    """Held sessions and hours per volunteer between two local dates (inclusive), most hours first: summed in
    the database, one row per volunteer."""
    require_role(actor, Role.coordinator)
    if end < start:
        raise InvalidInput(N_("The end date must not be before the start date."), field="end")
    since, until = day_bounds(start, end)
    heavy = (select(Escalation.session_log_id)
             .where(Escalation.source == EscalationSource.session_log, col(Escalation.session_log_id).is_not(None)))
    hours = hours_between(SessionLog.actual_start, SessionLog.actual_end, session.get_bind().dialect.name)
    rows = session.exec(
        select(SessionLog.volunteer_id, Volunteer.full_name, sa.func.count(), sa.func.sum(hours),
               sa.func.count(sa.case((col(SessionLog.id).in_(heavy), 1))))
        .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id))
        .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None))
        .where(col(SessionLog.actual_start) >= since, col(SessionLog.actual_start) < until)
        .group_by(SessionLog.volunteer_id, Volunteer.full_name)
    ).all()
    result = [VolunteerHours(v, name, n, round(float(h or 0.0), 2), k) for v, name, n, h, k in rows]
    return sorted(result, key=lambda r: (-r.hours, r.full_name))


# ----- wellbeing ----------------------------------------------------------------------------------------------


def _heavy_sessions(session: Session, *, since: datetime):
    """(volunteer id, session end) of each heavy session that ended after `since`."""
    rows = session.exec(
        select(SessionLog.volunteer_id, SessionLog.actual_end, Visit.ends_at)
        .join(Escalation, col(Escalation.session_log_id) == col(SessionLog.id))
        .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
        .where(Escalation.source == EscalationSource.session_log)
        .where(col(Visit.starts_at) >= since - MAX_SESSION - START_DRIFT)
    ).all()
    return [(volunteer_id, actual_end or planned_end) for volunteer_id, actual_end, planned_end in rows
            if (actual_end or planned_end) >= since]


def cooling_off_volunteer_ids(session: Session, *, at: datetime) -> set[int]:
    """Volunteers resting at `at`: a session with a risk tick (or risk words) ended less than
    `settings.cooling_off_hours` before. Matching leaves them out."""
    rest = timedelta(hours=get_settings().cooling_off_hours)
    return {volunteer_id for volunteer_id, ended in _heavy_sessions(session, since=at - rest)
            if at - rest < ended <= at}


def cooling_off_until(session: Session, *, volunteer_id: int, at: datetime | None = None) -> datetime | None:
    at = at or utcnow()
    rest = timedelta(hours=get_settings().cooling_off_hours)
    ends = [ended for v, ended in _heavy_sessions(session, since=at - rest)
            if v == volunteer_id and at - rest < ended <= at]
    return max(ends) + rest if ends else None


def my_rest_until(session: Session, *, actor: Account, at: datetime | None = None) -> datetime | None:
    """When the signed-in volunteer's cooling-off ends, or None if they are not resting."""
    return cooling_off_until(session, volunteer_id=volunteer_of(session, actor).id, at=at)


@dataclass(frozen=True)
class HeavyLoad:
    volunteer_id: int
    full_name: str
    heavy_sessions: int
    sessions: int
    last_heavy_at: datetime
    cooling_off_until: datetime | None
    debrief_open: bool


def heavy_load(session: Session, *, actor: Account, days: int = 30, now: datetime | None = None) -> list[HeavyLoad]:
    """Who carried heavy sessions in the last `days`, most first: the coordinator checks on them."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    since = now - timedelta(days=days)
    rest = timedelta(hours=get_settings().cooling_off_hours)
    heavy: dict[int, list[datetime]] = defaultdict(list)
    for volunteer_id, ended in _heavy_sessions(session, since=since):
        heavy[volunteer_id].append(ended)
    if not heavy:
        return []
    # Counted in SQL for the heavy-load volunteers only: a district holds some 4,000 sessions a month.
    held = defaultdict(int, session.exec(
        select(SessionLog.volunteer_id, sa.func.count())
        .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None),
               col(SessionLog.actual_start) >= since, col(SessionLog.volunteer_id).in_(list(heavy)))
        .group_by(SessionLog.volunteer_id)).all())
    names = _names(session, list(heavy))
    debriefs = set(session.exec(select(DebriefRequest.volunteer_id)
                                .where(DebriefRequest.status == DebriefStatus.requested)).all())
    result = []
    for volunteer_id, ends in heavy.items():
        last = max(ends)
        result.append(HeavyLoad(
            volunteer_id=volunteer_id, full_name=names[volunteer_id], heavy_sessions=len(ends),
            sessions=max(held[volunteer_id], len(ends)), last_heavy_at=last,
            cooling_off_until=last + rest if last <= now < last + rest else None,
            debrief_open=volunteer_id in debriefs,
        ))
    return sorted(result, key=lambda r: (-r.heavy_sessions, -r.last_heavy_at.timestamp()))
