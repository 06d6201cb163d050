"""Feedback after each visit held: the SMS and its text, the +86 and no-SMS call tasks, answers by SMS (full-width
digits too) or by phone, bad replies, and what a low score or a "yes" opens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.feedback import asking, followups
from listening.models import (
    AuditEvent,
    Escalation,
    EscalationSource,
    FeedbackChannel,
    FeedbackRequest,
    FollowUpOutcome,
    InboundMessage,
    MessageKind,
    OutboundMessage,
    ReplyIntentValue,
    utcnow,
)
from listening.sms.inbound import handle_inbound
from listening.sms.segments import segment_count
from tests import factories
from tests.factories.session_factories import coordinator
from tests.feedback.helpers import ABROAD, MAINLAND, held_visit, resident

URL = re.compile(r"https?://|www\.|\.com|\.cn", re.IGNORECASE)


@pytest.fixture
def volunteer(session):
    return factories.volunteer(session)


def outbox(session, kind: MessageKind) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == kind)
                             .order_by(OutboundMessage.id)))


def reply(session, body: str, *, phone: str = ABROAD, sid: str = "SM1"):
    return handle_inbound(session, message_sid=sid, from_phone=phone, body=body)


def test_a_visit_held_queues_one_feedback_sms_of_one_segment_without_a_url(session, volunteer):
    v, _ = held_visit(session, who=resident(session), volunteer=volunteer)
    feedback = session.exec(select(FeedbackRequest)).one()
    assert (feedback.visit_id, feedback.channel, feedback.answered_at) == (v.id, FeedbackChannel.sms, None)
    [sms] = outbox(session, MessageKind.feedback_request)
    assert sms.to_phone == ABROAD and sms.visit_id == v.id
    assert segment_count(sms.body) == 1 and not URL.search(sms.body)
    assert sms.body == ("【倾听一小时】您感到被倾听了吗（1-5分）？有人向您要钱、礼物、投资或私下联系吗（1有2无）？"
                        "回复两位数，如52。服务免费，志愿者绝不收费。")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "feedback.requested")).one()
    assert event.details == {"visit_id": v.id, "channel": "sms"}


def test_a_visit_is_asked_about_once(session, volunteer):
    """A partner's later log of the same visit finds the question asked already."""
    v, _ = held_visit(session, who=resident(session), volunteer=volunteer)
    assert asking.ask_after_visit(session, visit=v) is None
    assert factories.count(session, FeedbackRequest) == 1 and len(outbox(session, MessageKind.feedback_request)) == 1


def test_a_mainland_resident_is_not_asked_to_reply_and_becomes_a_call_for_the_coordinator(session, volunteer):
    coord = coordinator(session)
    held_visit(session, who=resident(session, phone=MAINLAND), volunteer=volunteer)
    feedback = session.exec(select(FeedbackRequest)).one()
    assert feedback.channel == FeedbackChannel.phone
    [sms] = outbox(session, MessageKind.feedback_request)
    assert "回复" not in sms.body and "中心将来电" in sms.body and segment_count(sms.body) == 1
    [call] = asking.calls_to_make(session, actor=coord)
    assert (call.feedback_id, call.phone, call.resident_name) == (feedback.id, MAINLAND, "林阿姨")
    viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).one()
    assert viewed.details["context"] == "feedback"


def test_a_resident_without_sms_gets_no_text_only_a_call(session, volunteer):
    coord = coordinator(session)
    held_visit(session, who=resident(session, sms=False), volunteer=volunteer)
    assert outbox(session, MessageKind.feedback_request) == []
    [call] = asking.calls_to_make(session, actor=coord)
    answered = asking.record_by_phone(session, actor=coord, feedback_id=call.feedback_id, score=4,
                                      asked_for_money_or_contact=False)
    assert (answered.score, answered.asked_for_money_or_contact, answered.recorded_by) == (4, False, coord.id)
    assert answered.follow_up_due is False and asking.calls_to_make(session, actor=coord) == []


def test_only_a_coordinator_records_answers_from_a_call_and_both_answers_are_needed(session, volunteer):
    coord = coordinator(session)
    held_visit(session, who=resident(session, sms=False), volunteer=volunteer)
    feedback = session.exec(select(FeedbackRequest)).one()
    with pytest.raises(NotAllowed):
        asking.record_by_phone(session, actor=volunteer[0], feedback_id=feedback.id, score=4,
                               asked_for_money_or_contact=False)
    with pytest.raises(InvalidInput) as refused:
        asking.record_by_phone(session, actor=coord, feedback_id=feedback.id, score=6, asked_for_money_or_contact=False)
    assert refused.value.translated() == "请选择1至5分。"
    with pytest.raises(InvalidInput):
        asking.record_by_phone(session, actor=coord, feedback_id=feedback.id, score=3, asked_for_money_or_contact=None)
    asking.record_by_phone(session, actor=coord, feedback_id=feedback.id, score=3, asked_for_money_or_contact=False)
    with pytest.raises(IllegalTransition):
        asking.record_by_phone(session, actor=coord, feedback_id=feedback.id, score=3,
                               asked_for_money_or_contact=False)


@pytest.mark.parametrize("body", ["52", "5 2", "5,2", "５２", "５，２", " ５ ２ ", "⑤②"])
def test_a_reply_of_two_digits_answers_the_latest_question_in_any_width(session, volunteer, body):
    held_visit(session, who=resident(session), volunteer=volunteer)
    result = reply(session, body)
    assert (result.intent, result.action) == ("feedback", "feedback")
    feedback = session.exec(select(FeedbackRequest)).one()
    assert (feedback.score, feedback.asked_for_money_or_contact, feedback.follow_up_due) == (5, False, False)
    assert feedback.answered_at is not None and feedback.recorded_by is None
    [thanks] = outbox(session, MessageKind.feedback_thanks)
    assert thanks.urgent and "感谢" in thanks.body and segment_count(thanks.body) == 1
    assert session.exec(select(InboundMessage)).one().intent == ReplyIntentValue.feedback
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "feedback.answered")).one()
    assert event.details["feedback_score"] == 5 and event.details["asked_for_money_or_contact"] is False


def test_the_answer_goes_to_the_latest_open_question_of_that_number(session, volunteer):
    who = resident(session)
    first, _ = held_visit(session, who=who, volunteer=volunteer, starts_at=utcnow() - timedelta(days=2))
    second, _ = held_visit(session, who=who, volunteer=volunteer)
    reply(session, "42")
    answered = {f.visit_id: f.score for f in session.exec(select(FeedbackRequest))}
    assert answered == {first.id: None, second.id: 4}


@pytest.mark.parametrize("body", ["62", "53", "5", "五分", "5 2 1", "52分"])
def test_a_bad_reply_is_asked_again_and_changes_nothing(session, volunteer, body):
    held_visit(session, who=resident(session), volunteer=volunteer)
    result = reply(session, body)
    assert result.action == "help"
    assert session.exec(select(FeedbackRequest)).one().answered_at is None
    [help_reply] = outbox(session, MessageKind.reply_help)
    assert "两位数" in help_reply.body and "52" in help_reply.body and segment_count(help_reply.body) == 1


def test_two_digits_with_no_question_open_get_the_usual_help(session):
    resident(session)
    result = reply(session, "52")
    assert result.action == "help"
    [help_reply] = outbox(session, MessageKind.reply_help)
    assert "回复1确认" in help_reply.body


def test_a_low_score_opens_a_follow_up_closed_with_an_outcome(session, volunteer):
    coord = coordinator(session)
    v, _ = held_visit(session, who=resident(session), volunteer=volunteer)
    reply(session, "22")
    [follow_up] = followups.open_follow_ups(session, actor=coord)
    assert (follow_up.score, follow_up.asked_for_money_or_contact, follow_up.escalation_id) == (2, False, None)
    assert follow_up.volunteer_name == "陈静" and "***" in follow_up.phone_masked
    assert factories.count(session, Escalation) == 0  # a low score alone is not a safeguarding matter
    with pytest.raises(InvalidInput):
        followups.close_follow_up(session, actor=coord, feedback_id=follow_up.feedback_id, outcome="nonsense")
    followups.close_follow_up(session, actor=coord, feedback_id=follow_up.feedback_id,
                              outcome=FollowUpOutcome.spoke_with_resident)
    assert followups.open_follow_ups(session, actor=coord) == []
    with pytest.raises(IllegalTransition):
        followups.close_follow_up(session, actor=coord, feedback_id=follow_up.feedback_id,
                                  outcome=FollowUpOutcome.no_action_needed)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "feedback.follow_up_closed")).one()
    assert event.details == {"visit_id": v.id, "outcome": "spoke_with_resident"}


def test_a_good_score_has_no_follow_up_to_close(session, volunteer):
    coord = coordinator(session)
    held_visit(session, who=resident(session), volunteer=volunteer)
    reply(session, "32")
    feedback = session.exec(select(FeedbackRequest)).one()
    assert feedback.follow_up_due is False
    with pytest.raises(IllegalTransition):
        followups.close_follow_up(session, actor=coord, feedback_id=feedback.id,
                                  outcome=FollowUpOutcome.no_action_needed)


def test_a_yes_is_a_scam_or_misconduct_escalation_with_a_follow_up(session, volunteer):
    coord = coordinator(session)
    v, result = held_visit(session, who=resident(session), volunteer=volunteer)
    reply(session, "51")
    feedback = session.exec(select(FeedbackRequest)).one()
    escalation = session.get(Escalation, feedback.escalation_id)
    assert escalation.source == EscalationSource.scam_or_misconduct and escalation.risk_kinds == "scam"
    assert (escalation.request_id, escalation.session_log_id) == (v.request_id, result.log.id)
    assert feedback.follow_up_due is True
    [follow_up] = followups.open_follow_ups(session, actor=coord)
    assert follow_up.asked_for_money_or_contact and follow_up.escalation_id == escalation.id
    alerts = outbox(session, MessageKind.safeguarding_alert)
    assert alerts and all("51" not in a.body and "钱" not in a.body for a in alerts)  # only the reference


def test_an_english_speaker_abroad_gets_the_same_questions_in_three_segments_at_most(session, volunteer):
    held_visit(session, who=resident(session, locale="en"), volunteer=volunteer)
    [sms] = outbox(session, MessageKind.feedback_request)
    # The Chinese signature makes the whole text UCS-2 (templates.py): English cannot be one SMS.
    assert "Reply two digits, e.g. 52." in sms.body and "free" in sms.body and segment_count(sms.body) <= 3


def test_calls_to_make_are_a_page_from_an_offset_oldest_first_and_only_the_shown_are_contact_views(session, volunteer):
    """The feedback page shows twenty of a district's thousands of calls: `offset` and `limit` page them."""
    from datetime import timedelta

    from listening.core.clock import now as utcnow

    coord = coordinator(session)
    for n in range(3):
        held_visit(session, who=resident(session, phone=f"+86137000012{n}0", sms=False), volunteer=volunteer,
                   starts_at=utcnow() - timedelta(hours=30 - n))
    every = asking.calls_to_make(session, actor=coord)
    before = len(session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).all())
    [third] = asking.calls_to_make(session, actor=coord, limit=2, offset=2)
    assert len(every) == 3 and third == every[2]
    viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).all()
    assert len(viewed) - before <= 1  # the one resident shown
