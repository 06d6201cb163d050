"""Asking a resident after a visit held, and recording the answers.

`ask_after_visit` runs in the session log's transaction (sessions/logs.py), once per visit. A resident with SMS
consent and a number that can reply (not +86: Twilio cannot receive replies there) gets the two questions by SMS
(templates.py documents the two-digit answer). Everyone else becomes a "feedback call" for a coordinator, who
records the answers (`record_by_phone`); a +86 resident with SMS consent is told the centre will phone.

An answer (`record_answer`): a score of LOW_SCORE or less, or a "yes", asks a coordinator to follow up; a "yes"
also raises a scam_or_misconduct escalation and holds the visit's volunteers' other visits (holds.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening import safeguarding
from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.core.phones import is_mainland
from listening.models import (
    Account,
    EscalationSource,
    FeedbackChannel,
    FeedbackRequest,
    ListeningRequest,
    MessageKind,
    RecipientKind,
    Resident,
    Role,
    SessionLog,
    Visit,
    VisitVolunteer,
    utcnow,
)
from listening.privacy import views
from listening.safeguarding import holds
from listening.sms import outbox, templates
from listening.sms.replies import FeedbackAnswer

LOW_SCORE = 2  # this score or lower opens a follow-up
REPLY_WINDOW = timedelta(days=14)  # a reply later than this is not taken for this visit's answer
SCAM_RISK = "scam"  # the risk code the escalation carries (safeguarding.RISK_KINDS)


def _resident_of_visit(session: Session, visit: Visit) -> Resident | None:
    request = session.get(ListeningRequest, visit.request_id)
    return session.get(Resident, request.resident_id) if request else None


def ask_after_visit(session: Session, *, visit: Visit, actor: Account | None = None,
                    now: datetime | None = None) -> FeedbackRequest | None:
    """The feedback question of a visit held: by SMS where the resident can reply, else a call task. Once per
    visit (a partner's later log finds it asked)."""
    now = now or utcnow()
    if session.exec(select(FeedbackRequest.id).where(FeedbackRequest.visit_id == visit.id)).first():
        return None
    resident = _resident_of_visit(session, visit)
    if resident is None:
        return None
    texts = resident.sms_consent_at is not None and not outbox.is_opted_out(session, phone=resident.phone)
    channel = FeedbackChannel.sms if texts and not is_mainland(resident.phone) else FeedbackChannel.phone
    row = FeedbackRequest(visit_id=visit.id, resident_id=resident.id, channel=channel, asked_at=now)
    session.add(row)
    session.flush()
    if texts:  # the questions, or (+86) that the centre will phone
        body = templates.render(MessageKind.feedback_request, locale=resident.locale, to_phone=resident.phone)
        outbox.enqueue(session, kind=MessageKind.feedback_request, recipient_kind=RecipientKind.resident,
                       to_phone=resident.phone, body=body, dedupe_key=f"visit:{visit.id}:feedback_request:resident",
                       locale=resident.locale, due_at=now, request_id=visit.request_id, visit_id=visit.id, now=now)
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.feedback_requested,
                 entity="feedback_request", entity_id=row.id, at=now,
                 details={"visit_id": visit.id, "channel": channel.value})
    return row


def open_request_for(session: Session, *, phone: str, now: datetime | None = None) -> FeedbackRequest | None:
    """The latest unanswered SMS feedback question to this number, asked within REPLY_WINDOW."""
    now = now or utcnow()
    return session.exec(
        select(FeedbackRequest).join(Resident, col(Resident.id) == col(FeedbackRequest.resident_id))
        .where(Resident.phone == phone, FeedbackRequest.channel == FeedbackChannel.sms,
               col(FeedbackRequest.answered_at).is_(None), col(FeedbackRequest.asked_at) > now - REPLY_WINDOW)
        .order_by(col(FeedbackRequest.asked_at).desc(), col(FeedbackRequest.id).desc())
    ).first()


def record_answer(session: Session, *, feedback: FeedbackRequest, answer: FeedbackAnswer,
                  actor: Account | None = None, now: datetime | None = None) -> FeedbackRequest:
    """Store the two answers and what they open. `actor` is the coordinator who phoned (None: the SMS reply)."""
    now = now or utcnow()
    if feedback.answered_at is not None:
        raise IllegalTransition(N_("This feedback was answered already."))
    if not 1 <= answer.score <= 5:
        raise InvalidInput(N_("The score is 1 to 5."), field="score")
    feedback.score = answer.score
    feedback.asked_for_money_or_contact = answer.asked_for_money_or_contact
    feedback.answered_at, feedback.recorded_by = now, actor.id if actor else None
    feedback.follow_up_due = answer.score <= LOW_SCORE or answer.asked_for_money_or_contact
    session.add(feedback)
    session.flush()
    held: list[int] = []
    if answer.asked_for_money_or_contact:
        held = _escalate(session, feedback, actor=actor, now=now)
    # Digits and codes only: the answers are numbers, never words.
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.feedback_answered,
                 entity="feedback_request", entity_id=feedback.id, at=now,
                 details={"visit_id": feedback.visit_id, "channel": feedback.channel.value,
                          "feedback_score": answer.score,
                          "asked_for_money_or_contact": answer.asked_for_money_or_contact,
                          "follow_up": feedback.follow_up_due, "escalation_id": feedback.escalation_id,
                          "volunteer_ids": held})
    return feedback


def _escalate(session: Session, feedback: FeedbackRequest, *, actor: Account | None, now: datetime) -> list[int]:
    """A scam_or_misconduct escalation about the visit, and its volunteers' other visits held."""
    visit = session.get(Visit, feedback.visit_id)
    volunteer_ids = list(session.exec(select(VisitVolunteer.volunteer_id).where(VisitVolunteer.visit_id == visit.id)
                                      .order_by(col(VisitVolunteer.role), col(VisitVolunteer.volunteer_id))))
    log_id = session.exec(select(SessionLog.id).where(SessionLog.visit_id == visit.id)
                          .order_by(col(SessionLog.id))).first()
    escalation = safeguarding.raise_escalation(session, source=EscalationSource.scam_or_misconduct,
                                               risk_kinds={SCAM_RISK}, request_id=visit.request_id,
                                               session_log_id=log_id, actor=actor, now=now)
    feedback.escalation_id = escalation.id
    session.add(feedback)
    for volunteer_id in volunteer_ids:
        holds.hold_volunteer(session, volunteer_id=volunteer_id, escalation_id=escalation.id, actor=actor, now=now)
    return volunteer_ids


def record_by_phone(session: Session, *, actor: Account, feedback_id: int, score: int | None,
                    asked_for_money_or_contact: bool | None, now: datetime | None = None) -> FeedbackRequest:
    """A coordinator phoned the resident and records the two answers."""
    require_role(actor, Role.coordinator)
    feedback = session.get(FeedbackRequest, feedback_id, with_for_update=True, populate_existing=True)
    if feedback is None:
        raise NotFound(N_("This feedback request does not exist."))
    if score is None or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(N_("Choose a score from 1 to 5."), field="score")
    if asked_for_money_or_contact is None:
        raise InvalidInput(N_("Choose yes or no: did anyone ask for money, gifts, investment or private contact?"),
                           field="asked_for_money_or_contact")
    return record_answer(session, feedback=feedback, actor=actor, now=now,
                         answer=FeedbackAnswer(score=score, asked_for_money_or_contact=asked_for_money_or_contact))


@dataclass(frozen=True)
class FeedbackCall:
    """A resident the coordinator phones for the two answers (the number in full: they are about to dial)."""

    feedback_id: int
    resident_id: int
    resident_name: str
    phone: str
    visit_starts_at: datetime
    asked_at: datetime


def calls_to_make(session: Session, *, actor: Account, limit: int = 50, offset: int = 0,
                  now: datetime | None = None) -> list[FeedbackCall]:
    """Unanswered phone feedback, oldest first, `limit` of them from `offset` (a page: a district has thousands
    waiting); showing the numbers is a contact view of each resident shown."""
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(FeedbackRequest, Resident, Visit)
        .join(Resident, col(Resident.id) == col(FeedbackRequest.resident_id))
        .join(Visit, col(Visit.id) == col(FeedbackRequest.visit_id))
        .where(FeedbackRequest.channel == FeedbackChannel.phone, col(FeedbackRequest.answered_at).is_(None))
        .order_by(col(FeedbackRequest.asked_at), col(FeedbackRequest.id)).offset(offset).limit(limit)
    ).all()
    calls = [FeedbackCall(feedback_id=f.id, resident_id=r.id, resident_name=r.display_name, phone=r.phone,
                          visit_starts_at=v.starts_at, asked_at=f.asked_at) for f, r, v in rows]
    views.record_view(session, viewer=actor, resident_ids=[c.resident_id for c in calls],
                      context=views.ViewContext.feedback, contact=True, now=now)
    return calls
