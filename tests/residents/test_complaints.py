"""Complaints: from the page (checked whole, a reference, a deadline, the page's limit) and by SMS keyword; an
owner, an outcome, the resident told by SMS; every state change audited without the complaint's words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidForm, InvalidInput, NotAllowed
from listening.models import (
    AuditEvent,
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    InboundMessage,
    MessageKind,
    OutboundMessage,
    ReplyIntentValue,
    utcnow,
)
from listening.residents import complaints
from listening.residents.complaints import ComplaintForm
from listening.residents.references import complaint_reference
from listening.sms.inbound import handle_inbound
from listening.sms.segments import segment_count
from tests import factories
from tests.factories.session_factories import coordinator

WORDS = "志愿者迟到了四十分钟"


def form(**overrides) -> ComplaintForm:
    values = {"name": "李阿姨", "phone": "13812345678", "text": WORDS, "sms_consent": True}
    values.update(overrides)
    return ComplaintForm(**values)


def sms(session, kind: MessageKind) -> list[OutboundMessage]:
    return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == kind)))


def test_a_complaint_from_the_page_gets_a_reference_a_deadline_and_an_sms(session):
    now = utcnow()
    complaint = complaints.submit(session, form=form(), client_address="203.0.113.9", now=now)
    assert complaint_reference(complaint.id) == f"LHC-{complaint.id:04d}"
    assert (complaint.channel, complaint.status, complaint.phone) == (ComplaintChannel.web, ComplaintStatus.open,
                                                                      "+8613812345678")
    assert complaint.due_at - complaint.received_at == timedelta(days=get_settings().complaint_days)
    [received] = sms(session, MessageKind.complaint_received)
    assert complaint_reference(complaint.id) in received.body and "7天" in received.body
    assert segment_count(received.body) == 1 and "回复" not in received.body and WORDS not in received.body
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "complaint.received")).one()
    assert WORDS not in str(event.details) and event.details["channel"] == "web"


def test_every_problem_of_the_form_is_found_and_nothing_is_stored(session):
    with pytest.raises(InvalidForm) as refused:
        complaints.submit(session, form=form(phone="12", text="\u200b "), client_address="203.0.113.9")
    assert set(refused.value.problems) == {"phone", "text"}
    with pytest.raises(InvalidForm):
        complaints.submit(session, form=form(text="x" * (complaints.TEXT_MAX + 1)), client_address="203.0.113.9")
    assert factories.count(session, Complaint) == 0


def test_without_sms_consent_no_text_is_sent(session):
    complaints.submit(session, form=form(sms_consent=False), client_address="203.0.113.9")
    assert sms(session, MessageKind.complaint_received) == []


def test_over_the_limit_per_address_the_complaint_is_kept_but_its_sms_held(session):
    limit = get_settings().intake_per_address_per_hour
    for n in range(limit + 1):
        complaints.submit(session, form=form(phone=f"1381234{n:04d}"), client_address="198.51.100.7")
    assert factories.count(session, Complaint) == limit + 1
    assert len(sms(session, MessageKind.complaint_received)) == limit
    held = session.exec(select(AuditEvent).where(AuditEvent.action == "complaint.received")
                        .order_by(AuditEvent.id.desc())).first()
    assert held.details["sms_held"] is True


@pytest.mark.parametrize("body, text", [("投诉 " + WORDS, WORDS), ("COMPLAINT: late again", "late again"),
                                        ("ｃｏｍｐｌａｉｎｔ", ""), ("【投诉】", "")])
def test_a_complaint_by_sms_keyword(session, body, text):
    resident = factories.resident(session, phone="+85291234567", consented_at=utcnow())
    result = handle_inbound(session, message_sid="SM-c", from_phone="+85291234567", body=body)
    assert result.action == "complaint"
    complaint = session.exec(select(Complaint)).one()
    assert (complaint.channel, complaint.text, complaint.resident_id) == (ComplaintChannel.sms, text, resident.id)
    assert session.exec(select(InboundMessage)).one().intent == ReplyIntentValue.complaint
    [received] = sms(session, MessageKind.complaint_received)
    assert received.urgent and complaint_reference(complaint.id) in received.body
    assert sms(session, MessageKind.reply_help) == []


def test_assign_close_and_the_resident_is_told_the_outcome(session):
    boss, other = coordinator(session), coordinator(session, "coord2", phone="+8613800000002")
    complaint = complaints.submit(session, form=form(), client_address="203.0.113.9")
    complaints.assign(session, actor=boss, complaint_id=complaint.id, owner_id=other.id)
    assert (complaint.status, complaint.owner_id) == (ComplaintStatus.in_progress, other.id)
    [shown] = complaints.complaints(session, actor=boss)
    assert (shown.owner_name, shown.text, shown.overdue) == ("coord2", WORDS, False)
    complaints.close(session, actor=other, complaint_id=complaint.id, outcome=ComplaintOutcome.partly_upheld,
                     now=utcnow() + timedelta(days=3))
    assert complaint.status == ComplaintStatus.closed and complaint.outcome == ComplaintOutcome.partly_upheld
    [told] = sms(session, MessageKind.complaint_outcome)
    assert complaint_reference(complaint.id) in told.body and "部分属实" in told.body
    assert segment_count(told.body) == 1 and "回复" not in told.body
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "complaint")
                                              .order_by(AuditEvent.id))]
    assert actions == ["complaint.received", "complaint.assigned", "complaint.closed"]
    closing = session.exec(select(AuditEvent).where(AuditEvent.action == "complaint.closed")).one()
    assert closing.details == {"outcome": "partly_upheld", "days_open": 3, "sms": True, "late": False}
    assert complaints.complaints(session, actor=boss) == []
    assert [c.id for c in complaints.complaints(session, actor=boss, closed=True)] == [complaint.id]


def test_illegal_moves_are_refused(session):
    boss = coordinator(session)
    account, _ = factories.volunteer(session)
    complaint = complaints.submit(session, form=form(), client_address="203.0.113.9")
    with pytest.raises(NotAllowed):
        complaints.close(session, actor=account, complaint_id=complaint.id, outcome="upheld")
    with pytest.raises(InvalidInput):
        complaints.assign(session, actor=boss, complaint_id=complaint.id, owner_id=account.id)
    with pytest.raises(InvalidInput):
        complaints.close(session, actor=boss, complaint_id=complaint.id, outcome=None)
    complaints.close(session, actor=boss, complaint_id=complaint.id, outcome="withdrawn")
    assert complaint.owner_id == boss.id  # whoever closes an unowned complaint owns it
    with pytest.raises(IllegalTransition):
        complaints.close(session, actor=boss, complaint_id=complaint.id, outcome="upheld")
    with pytest.raises(IllegalTransition):
        complaints.assign(session, actor=boss, complaint_id=complaint.id, owner_id=boss.id)


def test_a_complaint_past_its_deadline_is_marked_overdue(session):
    boss = coordinator(session)
    complaints.submit(session, form=form(), client_address="203.0.113.9")
    [shown] = complaints.complaints(session, actor=boss, now=utcnow() + timedelta(days=8))
    assert shown.overdue


def test_a_closed_complaints_words_are_purged_after_the_retention_period(session):
    from listening.privacy import retention

    boss = coordinator(session)
    complaint = complaints.submit(session, form=form(), client_address="203.0.113.9")
    still_open = complaints.submit(session, form=form(phone="13812340000"), client_address="203.0.113.9")
    complaints.close(session, actor=boss, complaint_id=complaint.id, outcome="upheld")
    later = utcnow() + timedelta(days=get_settings().retention_text_days + 1)
    counts = retention.purge(session, now=later)
    assert counts.complaint_texts == 1
    assert (complaint.text, still_open.text) == ("", WORDS)
    assert complaint.outcome == ComplaintOutcome.upheld  # the figures stay


def test_erasing_a_resident_erases_their_complaints_and_feedback(session):
    from listening.models import FeedbackRequest, Resident
    from listening.privacy import erasure
    from listening.privacy.erasure import ErasureReason
    from tests.feedback.helpers import ABROAD, held_visit, resident

    boss = coordinator(session)
    who = resident(session)
    held_visit(session, who=who, volunteer=factories.volunteer(session))
    handle_inbound(session, message_sid="SM-fb", from_phone=ABROAD, body="1 1")
    complaints.from_sms(session, phone=ABROAD, text=WORDS)
    erasure.erase_resident(session, actor=boss, resident_id=who.id, reason=ErasureReason.resident_asked,
                           confirm_name=who.display_name)
    assert factories.count(session, Complaint) == factories.count(session, FeedbackRequest) == 0
    assert factories.count(session, Resident) == 0
