"""An activity a volunteer suggested in a session log, the SMS with its details, and the follow-ups.

The suggestion is written in the log's own transaction (sessions/logs.py): one SMS to the resident with the
activity's name, time, place, cost and the centre's number (no link, no reply asked). Two and six weeks later
(local days, listening.core.clock) a follow-up is due: did the resident go, do they still go. The volunteer who
suggested it answers for their own residents on their home page; a coordinator for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.choices import one_of
from listening.core.clock import today as local_today
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_
from listening.core.permissions import require_role
from listening.models import (
    FOLLOW_UP_WEEKS,
    Account,
    Activity,
    ActivityFollowUp,
    ActivitySuggestion,
    FollowUpAnswer,
    ListeningRequest,
    MessageKind,
    OutboundMessage,
    RecipientKind,
    Resident,
    Role,
    Visit,
    Volunteer,
    utcnow,
)
from listening.sms import outbox, templates
from listening.volunteers import volunteer_of

SMS_VALID = timedelta(days=7)  # an activity's details a week late are still worth having; later, phone
DUE_LIST_LIMIT = 200  # a page of follow-ups: more than a centre answers in a day
CHECKPOINT_LABELS = {2: N_("after two weeks: did they go?"), 6: N_("after six weeks: do they still go?")}


@dataclass(frozen=True)
class Suggested:
    suggestion: ActivitySuggestion
    message: OutboundMessage | None  # None: the resident has no SMS consent, so someone tells them in person


def activity_sms(activity: Activity, *, locale: str, to_phone: str) -> str:
    name = activity.name_en if locale != DEFAULT_LOCALE and activity.name_en else activity.name_zh
    return templates.render(MessageKind.activity_suggestion, locale=locale, to_phone=to_phone, activity_name=name,
                            activity_place=activity.place, activity_time=activity.schedule,
                            activity_free=activity.free, activity_cost=activity.cost)


def suggest_in_log(session: Session, *, actor: Account, volunteer: Volunteer, visit: Visit, activity_id: int,
                   now: datetime | None = None) -> Suggested | None:
    """Part of saving a held session's log. None when the activity was retired or removed meanwhile: the log
    itself (and any risk in it) must never fail because of a suggestion; None too when the other volunteer on
    the visit suggested the same activity."""
    now = now or utcnow()
    activity = session.get(Activity, activity_id)
    if activity is None or activity.retired_at is not None:
        return None
    if session.exec(select(ActivitySuggestion.id).where(ActivitySuggestion.visit_id == visit.id,
                                                        ActivitySuggestion.activity_id == activity.id)).first():
        return None  # the partner on this visit suggested it already: one SMS
    request = session.get(ListeningRequest, visit.request_id)
    resident = session.get(Resident, request.resident_id)
    suggestion = ActivitySuggestion(resident_id=resident.id, activity_id=activity.id, visit_id=visit.id,
                                    suggested_by=volunteer.id, suggested_on=local_today(now), created_at=now)
    session.add(suggestion)
    session.flush()
    message = None
    if resident.sms_consent_at is not None:
        message = outbox.enqueue(
            session, kind=MessageKind.activity_suggestion, recipient_kind=RecipientKind.resident,
            to_phone=resident.phone, locale=resident.locale, now=now, expires_at=now + SMS_VALID,
            body=activity_sms(activity, locale=resident.locale, to_phone=resident.phone),
            dedupe_key=f"activity:{suggestion.id}:resident", request_id=request.id, visit_id=visit.id)
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_suggested, entity="activity_suggestion",
                 entity_id=suggestion.id, at=now,
                 details={"activity_id": activity.id, "resident_id": resident.id, "visit_id": visit.id,
                          "sms": message is not None})
    return Suggested(suggestion, message)


@dataclass(frozen=True)
class DueFollowUp:
    suggestion_id: int
    weeks: int
    due_on: date
    suggested_on: date
    resident_id: int
    resident_name: str
    activity_id: int
    activity_name: str
    volunteer_name: str
    went_before: FollowUpAnswer | None  # at six weeks: the two-week answer, if any


def follow_ups_due(session: Session, *, actor: Account, today: date | None = None) -> list[DueFollowUp]:
    """Follow-ups whose day has come and that nobody answered, oldest first: a coordinator sees all, a volunteer
    those of the activities they suggested. One query per checkpoint, bounded by DUE_LIST_LIMIT."""
    require_role(actor, Role.coordinator, Role.volunteer)
    today = today or local_today()
    mine = volunteer_of(session, actor).id if actor.role == Role.volunteer else None
    answers = {}
    due: list[DueFollowUp] = []
    for weeks in FOLLOW_UP_WEEKS:
        answered = select(ActivityFollowUp.suggestion_id).where(ActivityFollowUp.weeks == weeks)
        query = (select(ActivitySuggestion, Resident.display_name, Activity.name_zh, Volunteer.full_name)
                 .join(Resident, col(Resident.id) == col(ActivitySuggestion.resident_id))
                 .join(Activity, col(Activity.id) == col(ActivitySuggestion.activity_id))
                 .join(Volunteer, col(Volunteer.id) == col(ActivitySuggestion.suggested_by))
                 .where(col(ActivitySuggestion.suggested_on) <= today - timedelta(weeks=weeks))
                 .where(col(ActivitySuggestion.id).not_in(answered))
                 .order_by(col(ActivitySuggestion.suggested_on), col(ActivitySuggestion.id)).limit(DUE_LIST_LIMIT))
        if mine is not None:
            query = query.where(ActivitySuggestion.suggested_by == mine)
        rows = session.exec(query).all()
        if weeks == FOLLOW_UP_WEEKS[-1] and rows:
            ids = [s.id for s, *_ in rows]
            answers = dict(session.exec(select(ActivityFollowUp.suggestion_id, ActivityFollowUp.answer)
                                        .where(ActivityFollowUp.weeks == FOLLOW_UP_WEEKS[0],
                                               col(ActivityFollowUp.suggestion_id).in_(ids))).all())
        due.extend(DueFollowUp(s.id, weeks, s.suggested_on + timedelta(weeks=weeks), s.suggested_on, s.resident_id,
                               resident, s.activity_id, activity, volunteer,
                               answers.get(s.id) if weeks != FOLLOW_UP_WEEKS[0] else None)
                   for s, resident, activity, volunteer in rows)
    return sorted(due, key=lambda d: (d.due_on, d.suggestion_id, d.weeks))[:DUE_LIST_LIMIT]


def record_follow_up(session: Session, *, actor: Account, suggestion_id: int, weeks: int, answer: FollowUpAnswer,
                     now: datetime | None = None) -> ActivityFollowUp:
    """The answer at one checkpoint, once. A volunteer answers only for the activities they suggested."""
    require_role(actor, Role.coordinator, Role.volunteer)
    now = now or utcnow()
    suggestion = session.get(ActivitySuggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(N_("There is no activity suggestion with the number {id}."), id=suggestion_id)
    if actor.role == Role.volunteer and suggestion.suggested_by != volunteer_of(session, actor).id:
        raise NotAllowed(N_("Only the volunteer who suggested the activity, or a coordinator, can record this."))
    if weeks not in FOLLOW_UP_WEEKS:
        raise InvalidInput(N_("A follow-up is after two or six weeks."), field="weeks")
    answer = one_of(FollowUpAnswer, answer, field="answer", message=N_("Choose whether the resident went."))
    due_on = suggestion.suggested_on + timedelta(weeks=weeks)
    if local_today(now) < due_on:
        raise IllegalTransition(N_("This follow-up is due from {date}."), date=due_on.isoformat())
    if session.get(ActivityFollowUp, (suggestion.id, weeks)) is not None:
        raise IllegalTransition(N_("This follow-up has been recorded already."))
    row = ActivityFollowUp(suggestion_id=suggestion.id, weeks=weeks, answer=answer, recorded_by=actor.id,
                           recorded_at=now)
    try:  # two people answering at the same moment: the key decides, the second is told it is done
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        raise IllegalTransition(N_("This follow-up has been recorded already.")) from None
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_follow_up_recorded,
                 entity="activity_suggestion", entity_id=suggestion.id, at=now,
                 details={"weeks": weeks, "answer": answer.value})
    return row


@dataclass(frozen=True)
class ResidentSuggestion:
    suggestion_id: int
    suggested_on: date
    activity_name: str
    volunteer_name: str
    answers: dict[int, FollowUpAnswer]  # weeks -> answer


def resident_suggestions(session: Session, *, actor: Account, resident_id: int) -> list[ResidentSuggestion]:
    """A resident's suggested activities and their follow-ups, newest first (the request detail shows them)."""
    require_role(actor, Role.coordinator)
    rows = session.exec(select(ActivitySuggestion, Activity.name_zh, Volunteer.full_name)
                        .join(Activity, col(Activity.id) == col(ActivitySuggestion.activity_id))
                        .join(Volunteer, col(Volunteer.id) == col(ActivitySuggestion.suggested_by))
                        .where(ActivitySuggestion.resident_id == resident_id)
                        .order_by(col(ActivitySuggestion.suggested_on).desc(), col(ActivitySuggestion.id).desc())
                        .limit(50)).all()
    ids = [s.id for s, _, _ in rows]
    answers: dict[int, dict[int, FollowUpAnswer]] = {}
    if ids:
        for f in session.exec(select(ActivityFollowUp).where(col(ActivityFollowUp.suggestion_id).in_(ids))):
            answers.setdefault(f.suggestion_id, {})[f.weeks] = f.answer
    return [ResidentSuggestion(s.id, s.suggested_on, name, volunteer, answers.get(s.id, {}))
            for s, name, volunteer in rows]
