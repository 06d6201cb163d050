"""Erasure: after erasing a resident, no table holds their name, number, address or words, and a number that
had opted out is still never texted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from listening import safeguarding
from listening.connection import journeys
from listening.core.errors import InvalidInput, NotAllowed
from listening.models import (
    ActivityFollowUp,
    ActivitySuggestion,
    AuditEvent,
    DebriefRequest,
    DoNotMatch,
    ErasedOptOut,
    Escalation,
    EscalationAlert,
    EscalationOutcome,
    EscalationOutcomeKind,
    FollowUpAnswer,
    IntakeAttempt,
    JourneyGoal,
    JourneyPlan,
    Language,
    MessageKind,
    MessageStatus,
    Mode,
    Outcome,
    PartOfDay,
    RecipientKind,
    Resident,
    ShadowSession,
    SmsOptOut,
    UnverifiedDetails,
)
from listening.privacy import erasure, views
from listening.privacy.erasure import ErasureReason
from listening.residents import intake, lifecycle, triage
from listening.residents.intake import RequestForm
from listening.safeguarding import outcomes
from listening.sessions.logs import SessionLogInput, log_session
from listening.sms import inbound, outbox
from tests import factories
from tests.factories import connection_factories

NAME, PHONE, LOCAL = "罗婆婆", "+8613712345678", "13712345678"
ADDRESS, TOPIC = "海月路 88 号 3 栋", "最近老伴走了，晚上睡不着"
NOTE, REASON, SMS = "她说女儿在外地，很少打电话", "居民本周住院（抑郁复发）", "我下周再约，谢谢你们"
GOAL = "每周给在外地的女儿打一次电话"  # a journey plan's goal, in her words
# A second form sent with the same number from another browser: kept apart, with the details it gave.
GIVEN_NAME, GIVEN_ADDRESS, GIVEN_TOPIC = "罗阿姨", "月亮湾 9 栋 1201", "有时候觉得不想活了"
SECRETS = (NAME, PHONE, LOCAL, ADDRESS, TOPIC, NOTE, REASON, SMS, GIVEN_NAME, GIVEN_ADDRESS, GIVEN_TOPIC, GOAL)


def every_value(session) -> list[str]:
    """Every value in every table of the schema, as text (JSON details included)."""
    values = []
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            values.extend(str(v) for v in row if v is not None)
    return values


@pytest.fixture
def erased_setup(session):
    """A resident with everything: two requests, a requeue reason, a logged visit, SMS both ways, an opt-out."""
    coordinator = factories.coordinator(session)
    account, chen = factories.volunteer(session)
    _, mentor = factories.volunteer(session, "mentor", name="周老师", phone="+8613900009999")
    now = datetime.now(UTC)
    form = RequestForm(display_name=NAME, phone=LOCAL, community_code="yuehai", mode=Mode.home,
                       language=Language.mandarin, weekdays=[1, 3], parts_of_day=[PartOfDay.morning], topic=TOPIC,
                       address=ADDRESS, sensitive_consent=True, sms_consent=True)
    request = intake.submit(session, form=form, client_address="203.0.113.9", now=now).request
    starts = now + timedelta(days=2)
    visit = lifecycle.propose(session, actor=coordinator, request_id=request.id, volunteer_ids=[chen.id],
                              starts_at=starts)
    lifecycle.schedule(session, actor=coordinator, request_id=request.id, now=now)
    lifecycle.requeue(session, actor=coordinator, request_id=request.id, reason=REASON)
    visit = lifecycle.propose(session, actor=coordinator, request_id=request.id, volunteer_ids=[chen.id],
                              starts_at=now - timedelta(hours=2))
    lifecycle.schedule(session, actor=coordinator, request_id=request.id, now=now)
    chess = connection_factories.activity(session, coordinator)
    log = log_session(session, actor=account, visit_id=visit.id, now=now,
                      entry=SessionLogInput(outcome=Outcome.held, mood_before=2, mood_after=4, topics=["family"],
                                            note=NOTE, actual_start=visit.starts_at, actual_end=visit.ends_at,
                                            activity_id=chess.id))
    session.add(ActivityFollowUp(suggestion_id=log.suggestion.suggestion.id, weeks=2, answer=FollowUpAnswer.went))
    journeys.save_plan(session, actor=coordinator, resident_id=log.suggestion.suggestion.resident_id, goals=[GOAL],
                       now=now)
    session.add(DebriefRequest(volunteer_id=chen.id, session_log_id=log.log.id))
    session.add(ShadowSession(volunteer_id=chen.id, mentor_id=mentor.id, visit_id=visit.id,
                              observed_on=now.date()))
    resident = session.exec(select(Resident).where(Resident.phone == PHONE)).one()
    session.add(DoNotMatch(resident_id=resident.id, volunteer_id=mentor.id, reason="她不想见男性"))
    inbound.handle_inbound(session, message_sid="SMin1", from_phone=PHONE, body=SMS)
    inbound.handle_inbound(session, message_sid="SMin2", from_phone=PHONE, body="TD")
    triage.request_detail(session, actor=coordinator, request_id=request.id)
    again = RequestForm(display_name=GIVEN_NAME, phone=LOCAL, community_code="yuehai", mode=Mode.home,
                        language=Language.mandarin, weekdays=[2], parts_of_day=[PartOfDay.evening], topic=GIVEN_TOPIC,
                        address=GIVEN_ADDRESS, sensitive_consent=True, sms_consent=True)
    duplicate = intake.submit(session, form=again, client_address="198.51.100.7", now=now).request
    assert duplicate.same_number_as_id == request.id
    escalation = session.exec(select(Escalation).where(Escalation.request_id == duplicate.id)).one()
    assert session.exec(select(EscalationAlert).where(EscalationAlert.escalation_id == escalation.id)).all()
    safeguarding.acknowledge(session, actor=coordinator, escalation_id=escalation.id, now=now)
    outcomes.record_outcome(session, actor=coordinator, escalation_id=escalation.id,
                            kind=EscalationOutcomeKind.social_worker, now=now)
    session.commit()
    return coordinator, resident


def test_erasing_a_resident_leaves_nothing_of_them_in_any_table_and_keeps_the_number_blocked(session, erased_setup):
    coordinator, resident = erased_setup
    before = " ".join(every_value(session))
    assert all(secret in before for secret in (NAME, PHONE, ADDRESS, TOPIC, NOTE, REASON, SMS, GOAL))

    counts = erasure.erase_resident(session, actor=coordinator, resident_id=resident.id,
                                    reason=ErasureReason.resident_asked, confirm_name=NAME)
    session.commit()

    values = every_value(session)
    for secret in SECRETS:
        assert not [v for v in values if secret in v], secret
    assert "她不想见男性" not in " ".join(values)
    assert session.exec(select(IntakeAttempt)).all() == []
    for table in (Escalation, EscalationAlert, EscalationOutcome, UnverifiedDetails, ActivitySuggestion,
                  ActivityFollowUp, JourneyPlan, JourneyGoal):
        assert session.exec(select(table)).all() == [], table
    assert counts.requests == 2 and counts.visits == 2 and counts.session_logs == 1 and counts.opt_out_kept_as_hash
    assert session.exec(select(SmsOptOut)).all() == [] and len(session.exec(select(ErasedOptOut)).all()) == 1
    # The volunteer's own records stay, without the pointer to the erased visit.
    assert session.exec(select(DebriefRequest)).one().session_log_id is None
    assert session.exec(select(ShadowSession)).one().visit_id is None
    # The audit keeps that it happened, and the reason's code, not what was erased.
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.erased")).one()
    assert (event.entity_id, event.details, event.actor_id) == (str(resident.id), {"reason": "resident_asked"},
                                                               coordinator.id)
    # The number is still never texted.
    message = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                             to_phone=PHONE, body="您好", dedupe_key="after-erasure")
    assert message.status == MessageStatus.not_sent and message.error_message == outbox.OPTED_OUT
    assert outbox.is_opted_out(session, phone=PHONE) and not outbox.is_opted_out(session, phone="+8613700000000")


def test_texting_start_after_erasure_lifts_the_block(session, erased_setup):
    coordinator, resident = erased_setup
    erasure.erase_resident(session, actor=coordinator, resident_id=resident.id,
                           reason=ErasureReason.consent_withdrawn, confirm_name=NAME)
    inbound.handle_inbound(session, message_sid="SMin3", from_phone=PHONE, body="START")
    assert not outbox.is_opted_out(session, phone=PHONE)


def test_erasure_needs_a_coordinator_a_listed_reason_and_the_name_typed_again(session, erased_setup):
    coordinator, resident = erased_setup
    volunteer_account = session.exec(select(factories.Account).where(factories.Account.username == "vol")).one()
    with pytest.raises(NotAllowed):
        erasure.erase_resident(session, actor=volunteer_account, resident_id=resident.id,
                               reason=ErasureReason.resident_asked, confirm_name=NAME)
    with pytest.raises(InvalidInput):
        erasure.erase_resident(session, actor=coordinator, resident_id=resident.id, reason="because",
                               confirm_name=NAME)
    with pytest.raises(InvalidInput):
        erasure.erase_resident(session, actor=coordinator, resident_id=resident.id,
                               reason=ErasureReason.resident_asked, confirm_name="罗")
    assert session.get(Resident, resident.id) is not None
    assert views.viewers_of(session, actor=coordinator, resident_id=resident.id)
