"""The demo centre's feedback, scam report and complaints (called from demo.seed_demo, after the safeguarding
rows and before the SMS are counted): answers to most visits held in the last two months, one low score still
waiting for its follow-up, a few calls still to make, one scam or misconduct report whose hold was decided
(released after the coordinator spoke with everyone), one complaint in progress and one closed.

Written as rows, not through the services: the demo's past must not queue SMS today. A separate random stream,
so the rest of the demo stays as it was."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core.config import get_settings
from listening.core.phones import is_mainland
from listening.models import (
    Account,
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    Escalation,
    EscalationSource,
    EscalationStatus,
    FeedbackChannel,
    FeedbackRequest,
    FollowUpOutcome,
    HoldDecision,
    ListeningRequest,
    Outcome,
    Resident,
    SessionLog,
    Visit,
    VolunteerHold,
)

SCORES = (5, 5, 5, 4, 4, 4, 4, 3, 3)  # most residents felt heard


def seed_feedback(session: Session, *, now: datetime, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 11)
    wang, liu = (session.exec(select(Account).where(Account.username == name)).one()
                 for name in ("coordinator", "coordinator2"))
    rows = session.exec(
        select(SessionLog, Visit, Resident)
        .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
        .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_end) > now - timedelta(days=60),
               col(SessionLog.actual_end) < now - timedelta(hours=6))
        .order_by(col(SessionLog.actual_end).desc(), col(SessionLog.id))
    ).all()
    seen: set[int] = set()
    answered = 0
    for index, (log, visit, resident) in enumerate(rows):
        if visit.id in seen:
            continue
        seen.add(visit.id)
        sms = resident.sms_consent_at is not None and not is_mainland(resident.phone)
        row = FeedbackRequest(visit_id=visit.id, resident_id=resident.id, asked_at=log.actual_end + timedelta(hours=1),
                              channel=FeedbackChannel.sms if sms else FeedbackChannel.phone)
        if index >= 3 and rng.random() < 0.8:  # the three newest still wait for their call
            row.score, row.asked_for_money_or_contact = rng.choice(SCORES), False
            row.answered_at = row.asked_at + timedelta(hours=rng.randint(2, 30))
            row.recorded_by = None if sms else rng.choice((wang.id, liu.id))
            answered += 1
        session.add(row)
    session.flush()
    feedback = list(session.exec(select(FeedbackRequest).where(col(FeedbackRequest.answered_at).is_not(None))
                                 .order_by(col(FeedbackRequest.answered_at).desc())))
    if len(feedback) >= 12:
        low = feedback[1]  # a low score, its follow-up still open
        low.score, low.follow_up_due = 2, True
        settled = feedback[8]  # a low score followed up last week
        settled.score, settled.follow_up_due = 1, True
        settled.follow_up_outcome, settled.follow_up_closed_by = FollowUpOutcome.spoke_with_resident, wang.id
        settled.follow_up_closed_at = settled.answered_at + timedelta(days=1)
        _scam_report(session, feedback[11], decided_by=wang)
        session.add_all([low, settled])
    complaints = _complaints(session, now=now, owner=liu, closer=wang)
    session.flush()
    return {"feedback_answers": answered, "complaints": complaints}


def _scam_report(session: Session, feedback: FeedbackRequest, *, decided_by: Account) -> None:
    """A resident said someone asked for money: escalated, the volunteer held, then released (a misunderstanding
    about a shared taxi fare, the coordinator found)."""
    feedback.score, feedback.asked_for_money_or_contact, feedback.follow_up_due = 3, True, True
    feedback.follow_up_outcome, feedback.follow_up_closed_by = FollowUpOutcome.volunteer_supported, decided_by.id
    visit = session.get(Visit, feedback.visit_id)
    log = session.exec(select(SessionLog).where(SessionLog.visit_id == visit.id)).first()
    raised = feedback.answered_at
    escalation = Escalation(source=EscalationSource.scam_or_misconduct, request_id=visit.request_id,
                            session_log_id=log.id if log else None, risk_kinds="scam", raised_at=raised,
                            status=EscalationStatus.closed, acknowledged_by=decided_by.id,
                            acknowledged_at=raised + timedelta(minutes=12),
                            action_taken="已分别致电居民和志愿者核实：是拼车费用的误会，已向志愿者重申不得收取任何费用。",
                            closed_by=decided_by.id, closed_at=raised + timedelta(days=1))
    session.add(escalation)
    session.flush()
    feedback.escalation_id = escalation.id
    feedback.follow_up_closed_at = escalation.closed_at
    session.add(feedback)
    if log is not None:
        session.add(VolunteerHold(volunteer_id=log.volunteer_id, escalation_id=escalation.id, held_at=raised,
                                  decision=HoldDecision.release, decided_by=decided_by.id,
                                  decided_at=raised + timedelta(days=1)))


def _complaints(session: Session, *, now: datetime, owner: Account, closer: Account) -> int:
    days = timedelta(days=get_settings().complaint_days)
    waiting_since = now - timedelta(days=2)
    closed_on = now - timedelta(days=20)
    session.add_all([
        Complaint(channel=ComplaintChannel.web, name="何先生", phone="+8613700009912",
                  text="约好的电话倾听，志愿者晚了半小时才打来，也没有提前说。", sms_consent=True,
                  status=ComplaintStatus.in_progress, received_at=waiting_since, due_at=waiting_since + days,
                  owner_id=owner.id),
        Complaint(channel=ComplaintChannel.sms, name="", phone="+85291230077", text="上门时间改了两次，没人通知我。",
                  sms_consent=True, status=ComplaintStatus.closed, received_at=closed_on, due_at=closed_on + days,
                  owner_id=closer.id, outcome=ComplaintOutcome.partly_upheld, closed_by=closer.id,
                  closed_at=closed_on + timedelta(days=4)),
    ])
    return 2
