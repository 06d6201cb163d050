"""Retention: notes, topics, reasons and SMS bodies are emptied after their period; the reports' figures stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening import reports
from listening.__main__ import main
from listening.core.clock import today
from listening.demo import seed_demo
from listening.models import (
    Account,
    ApplicationStatus,
    AuditEvent,
    DeclineReason,
    Gender,
    InboundMessage,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    ReplyIntentValue,
    RequestReason,
    RequestStatus,
    SessionLog,
    VettingStep,
    VettingStepKind,
    VolunteerApplication,
    utcnow,
)
from listening.privacy import retention
from tests import factories
from tests.factories import session_factories


def figures(session, coordinator, now):
    report = reports.session_report(session, actor=coordinator, start=today() - timedelta(days=365), end=today())
    # Rows with the same start come back in any order (PostgreSQL moves updated rows): compare them sorted.
    rows = report.sessions.astype(str).sort_values(list(reports.SESSION_COLUMNS)).to_csv(index=False)
    return (rows, report.residents_heard, reports.topic_counts(report).to_dict(),
            reports.by_community(report).to_csv(), reports.coordinator_overview(session, actor=coordinator, now=now),
            reports.requests_by_week(session, actor=coordinator, weeks=60, now=now).to_csv())


def test_a_purge_empties_every_old_text_and_the_reports_show_the_same_figures(session):
    seed_demo(session)
    session.commit()
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    now = utcnow()
    assert session.exec(select(SessionLog).where(SessionLog.note != "")).first() is not None
    before = figures(session, coordinator, now)

    later = now + timedelta(days=400)  # every row of the demo is past both periods then
    counts = retention.purge(session, now=later)
    session.commit()

    assert counts.session_notes > 0 and counts.request_topics > 0
    assert session.exec(select(SessionLog).where(SessionLog.note != "")).all() == []
    open_topics = session.exec(select(ListeningRequest).where(ListeningRequest.topic.is_not(None))).all()
    assert all(r.status in (RequestStatus.new, RequestStatus.matched, RequestStatus.scheduled,
                            RequestStatus.confirmed) for r in open_topics)  # still needed to match them
    assert session.exec(select(OutboundMessage).where(OutboundMessage.body != "",
                                                      OutboundMessage.status.not_in(retention.UNSENT))).all() == []
    assert figures(session, coordinator, now) == before
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.purged")).one()
    assert event.details["session_notes"] == counts.session_notes and event.actor_id is None


@pytest.mark.parametrize("age_days, kept", [(179, True), (181, False)])
def test_what_people_told_us_stays_180_days(session, age_days, kept):
    now = utcnow()
    _, chen = factories.volunteer(session)
    visit = session_factories.visit(session, volunteers=[chen], starts_at=now - timedelta(days=age_days),
                                    status=session_factories.VisitStatus.completed)
    request = session.get(ListeningRequest, visit.request_id)
    request.topic, request.updated_at = "居民本周住院（抑郁复发）", now - timedelta(days=age_days)
    session.add(SessionLog(visit_id=visit.id, volunteer_id=chen.id, outcome="held", note="说起了女儿",
                           created_at=now - timedelta(days=age_days)))
    session.add(RequestReason(request_id=request.id, action="request.requeued", reason="住院",
                              at=now - timedelta(days=age_days)))
    session.commit()
    retention.purge(session, now=now)
    session.commit()
    session.expire_all()
    assert (session.get(ListeningRequest, request.id).topic is not None) is kept
    assert (session.exec(select(SessionLog.note)).one() == "说起了女儿") is kept
    assert (session.exec(select(RequestReason.reason)).one() == "住院") is kept


@pytest.mark.parametrize("age_days, kept", [(29, True), (31, False)])
def test_sms_bodies_stay_30_days_but_a_message_still_to_send_keeps_its_text(session, age_days, kept):
    now = utcnow()
    then = now - timedelta(days=age_days)
    session.add(InboundMessage(provider_sid="SM1", from_phone="+8613900005678", body="我这周住院了",
                               intent=ReplyIntentValue.other, received_at=then))
    for status in (MessageStatus.delivered, MessageStatus.queued):
        session.add(OutboundMessage(dedupe_key=f"k:{status}", kind=MessageKind.reply_help,
                                    recipient_kind=RecipientKind.resident, to_phone="+8613900005678",
                                    body="您好", status=status, created_at=then, updated_at=then))
    session.commit()
    retention.purge(session, now=now)
    session.commit()
    session.expire_all()
    assert (session.exec(select(InboundMessage.body)).one() != "") is kept
    bodies = dict(session.exec(select(OutboundMessage.status, OutboundMessage.body)).all())
    assert (bodies[MessageStatus.delivered] != "") is kept and bodies[MessageStatus.queued] == "您好"


def test_python_m_listening_purge_prints_the_counts(session, capsys):
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("purged: session_notes=0") and "outbound_bodies=0" in out


@pytest.mark.parametrize("age_days, kept", [(179, True), (181, False)])
def test_interview_notes_and_a_decided_applicants_reason_stay_180_days(session, age_days, kept):
    now = utcnow()
    then = now - timedelta(days=age_days)
    _, applicant = factories.volunteer(session, None, vetted=False)
    session.add(VettingStep(volunteer_id=applicant.id, kind=VettingStepKind.interview, done_on=then.date(),
                            notes="紧张但真诚", created_at=then))
    community_id = factories.community(session).id
    decided = VolunteerApplication(full_name="马丽", gender=Gender.female, phone="+8613700000099",
                                   community_id=community_id, motivation="想帮忙", consent_at=then,
                                   code_of_conduct_seen_at=then, created_at=then, status=ApplicationStatus.declined,
                                   decided_at=then, decline_reason=DeclineReason.withdrew)
    waiting = VolunteerApplication(full_name="周敏", gender=Gender.female, phone="+8613700000098",
                                   community_id=community_id, motivation="退休了", consent_at=then,
                                   code_of_conduct_seen_at=then, created_at=then)
    session.add_all([decided, waiting])
    session.commit()
    counts = retention.purge(session, now=now)
    session.commit()
    session.expire_all()
    assert (session.exec(select(VettingStep.notes)).one() == "紧张但真诚") is kept
    assert (session.get(VolunteerApplication, decided.id).motivation == "想帮忙") is kept
    assert session.get(VolunteerApplication, waiting.id).motivation == "退休了"  # still waiting: still needed
    assert (counts.interview_notes, counts.application_motivations) == ((0, 0) if kept else (1, 1))
