"""Each feedback, complaint and scam-report figure against a small data set whose answers are known by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from listening.models import (
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    Escalation,
    EscalationSource,
    FeedbackChannel,
    FeedbackRequest,
    VisitStatus,
)
from listening.reports import feedback
from tests import factories
from tests.factories.session_factories import coordinator, resident, visit

# Shenzhen is UTC+8: 2026-10-31 20:00 UTC is already 1 November locally.
OCT_10 = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
OCT_31_LATE = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)  # local 1 Nov 04:00
NOV_15 = datetime(2026, 11, 15, 2, 0, tzinfo=UTC)
DEC_20 = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)  # after the period


@pytest.fixture
def known(session):
    boss = coordinator(session)
    _, volunteer = factories.volunteer(session)
    who = resident(session)
    answers = [(OCT_10, 5, False), (OCT_10, 4, False), (OCT_31_LATE, 2, False), (NOV_15, 1, True),
               (NOV_15, 3, False), (DEC_20, 1, True)]
    for n, (at, score, yes) in enumerate(answers):
        v = visit(session, volunteers=[volunteer], resident_row=who, starts_at=at - timedelta(days=1, minutes=n),
                  status=VisitStatus.completed)
        session.add(FeedbackRequest(visit_id=v.id, resident_id=who.id, channel=FeedbackChannel.sms,
                                    asked_at=at - timedelta(hours=3), score=score, asked_for_money_or_contact=yes,
                                    answered_at=at))
    v = visit(session, volunteers=[volunteer], resident_row=who, starts_at=NOV_15 - timedelta(days=2),
              status=VisitStatus.completed)
    session.add(FeedbackRequest(visit_id=v.id, resident_id=who.id, channel=FeedbackChannel.phone,
                                asked_at=NOV_15))  # asked, never answered: not an answer
    for received, days_open in ((OCT_10, 2), (OCT_10, 6), (NOV_15, 9), (NOV_15, None), (DEC_20, 1)):
        closed = received + timedelta(days=days_open) if days_open is not None else None
        session.add(Complaint(channel=ComplaintChannel.web, phone="+8613800001111", text="", received_at=received,
                              due_at=received + timedelta(days=7),
                              status=ComplaintStatus.closed if closed else ComplaintStatus.open,
                              outcome=ComplaintOutcome.upheld if closed else None, closed_at=closed))
    for raised, source in ((OCT_10, EscalationSource.scam_or_misconduct), (NOV_15, EscalationSource.scam_or_misconduct),
                           (NOV_15, EscalationSource.request), (DEC_20, EscalationSource.scam_or_misconduct)):
        session.add(Escalation(source=source, risk_kinds="scam", raised_at=raised))
    session.flush()
    return boss


def test_feedback_per_local_month(session, known):
    frame = feedback.feedback_by_month(session, actor=known, start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert frame.to_dict("records") == [
        {"month": date(2026, 10, 1), "answers": 2, "average_score": 4.5},
        {"month": date(2026, 11, 1), "answers": 3, "average_score": 2.0},  # 2 (local 1 Nov), 1, 3
    ]


def test_the_period_cuts_a_month(session, known):
    frame = feedback.feedback_by_month(session, actor=known, start=date(2026, 11, 10), end=date(2026, 11, 30))
    assert frame.to_dict("records") == [{"month": date(2026, 11, 1), "answers": 2, "average_score": 2.0}]


def test_the_figures_of_the_period(session, known):
    figures = feedback.feedback_figures(session, actor=known, start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert figures == feedback.FeedbackFigures(
        answers=5, average_score=3.0, low_scores=2, asked_for_money_or_contact=1,
        complaints=4,  # received 10 Oct (2), 15 Nov (2); not 20 Dec
        complaints_closed=3,  # closed 12 Oct, 16 Oct, 24 Nov
        median_handling_days=6.0,  # 2, 6, 9
        scam_reports=2)  # Oct and Nov; the request escalation and December's are not


def test_an_empty_period_has_no_average_and_no_median(session, known):
    figures = feedback.feedback_figures(session, actor=known, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert (figures.answers, figures.average_score, figures.median_handling_days, figures.scam_reports) == \
        (0, None, None, 0)
    assert feedback.feedback_by_month(session, actor=known, start=date(2026, 1, 1), end=date(2026, 1, 31)).empty
