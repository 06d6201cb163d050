"""The transactional outbox: dedupe keys, quiet hours, opt-outs, the coordinator's review and resend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, NotAllowed
from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, SmsOptOut
from listening.sms import outbox
from listening.sms import review as sms_review
from tests import factories
from tests.factories.sms_helpers import RESIDENT_PHONE

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NOON_SHENZHEN = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
TEN_PM_SHENZHEN = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


def add(session, key="k1", **kwargs):
    values = dict(kind=MessageKind.request_received, recipient_kind=RecipientKind.resident, to_phone=RESIDENT_PHONE,
                  body="【倾听一小时】测试", dedupe_key=key, due_at=NOON_SHENZHEN, now=NOON_SHENZHEN)
    values.update(kwargs)
    return outbox.enqueue(session, **values)


def test_a_dedupe_key_is_written_once(session):
    first = add(session)
    assert first is not None and first.status == MessageStatus.queued and first.segments == 1
    assert add(session) is None
    session.commit()
    assert add(session) is None
    assert len(session.exec(select(OutboundMessage)).all()) == 1


def test_the_unique_key_holds_across_transactions(engine):
    from sqlmodel import Session

    with Session(engine) as one, Session(engine) as two:
        assert add(one) is not None
        one.commit()
        assert add(two) is None  # seen by the check
    with Session(engine) as check:
        assert len(check.exec(select(OutboundMessage)).all()) == 1


def test_quiet_hours_delay_a_message_to_eight_in_the_morning(session):
    delayed = add(session, due_at=TEN_PM_SHENZHEN)
    assert delayed.due_at == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)  # 08:00 next day in Shenzhen
    urgent = add(session, key="k2", due_at=TEN_PM_SHENZHEN, urgent=True)
    assert urgent.due_at == TEN_PM_SHENZHEN
    early = add(session, key="k3", due_at=datetime(2026, 3, 5, 22, 30, tzinfo=UTC))  # 06:30 local
    assert early.due_at == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    assert add(session, key="k4").due_at == NOON_SHENZHEN


def test_quiet_hours_come_from_settings(session, monkeypatch):
    monkeypatch.setenv("QUIET_HOURS", "13:00-14:00")
    get_settings.cache_clear()
    try:
        assert outbox.in_quiet_hours(datetime(2026, 3, 5, 5, 30, tzinfo=UTC))
        assert not outbox.in_quiet_hours(TEN_PM_SHENZHEN)
    finally:
        monkeypatch.delenv("QUIET_HOURS")
        get_settings.cache_clear()


def test_an_opted_out_number_gets_a_not_sent_row(session):
    session.add(SmsOptOut(phone=RESIDENT_PHONE))
    session.flush()
    row = add(session)
    assert row.status == MessageStatus.not_sent and row.error_message == outbox.OPTED_OUT


def test_naive_times_are_refused(session):
    with pytest.raises(ValueError):
        add(session, due_at=datetime(2026, 3, 5, 12, 0))


def test_review_shows_failures_first_and_resend_makes_a_new_row(session):
    coordinator = factories.coordinator(session)
    ok = add(session, key="ok")
    failed = add(session, key="bad")
    failed.status, failed.error_code, failed.error_message = MessageStatus.failed, "21211", "invalid number"
    session.flush()
    review = sms_review.review_page(session, actor=coordinator)
    assert [m.id for m in review.rows] == [failed.id, ok.id]

    copy = outbox.resend(session, actor=coordinator, message_id=failed.id, now=NOON_SHENZHEN)
    assert copy.status == MessageStatus.queued and copy.body == failed.body and copy.dedupe_key == f"resend:{failed.id}:1"
    with pytest.raises(IllegalTransition):
        outbox.resend(session, actor=coordinator, message_id=ok.id, now=NOON_SHENZHEN)  # queued: not resendable
    second = outbox.resend(session, actor=coordinator, message_id=failed.id, now=NOON_SHENZHEN)
    assert second.dedupe_key == f"resend:{failed.id}:2"


def test_resend_refuses_an_expired_reminder_an_opted_out_number_and_volunteers(session):
    coordinator = factories.coordinator(session)
    volunteer_account, _ = factories.volunteer(session)
    old = add(session, key="old", expires_at=NOON_SHENZHEN)
    old.status = MessageStatus.expired
    session.flush()
    with pytest.raises(IllegalTransition):
        outbox.resend(session, actor=coordinator, message_id=old.id, now=NOON_SHENZHEN)
    with pytest.raises(NotAllowed):
        outbox.resend(session, actor=volunteer_account, message_id=old.id)
    failed = add(session, key="failed")
    failed.status = MessageStatus.failed
    session.add(SmsOptOut(phone=RESIDENT_PHONE))
    session.flush()
    with pytest.raises(IllegalTransition):
        outbox.resend(session, actor=coordinator, message_id=failed.id, now=NOON_SHENZHEN)


def test_cancel_pending_leaves_sent_messages_alone(session):
    from tests.factories.sms_helpers import scheduled_visit

    visit = scheduled_visit(session)
    queued = add(session, key="q", visit_id=visit.id)
    sent = add(session, key="s", visit_id=visit.id)
    sent.status = MessageStatus.sent
    session.flush()
    assert outbox.cancel_pending(session, visit_id=visit.id) == 1
    session.refresh(queued)
    session.refresh(sent)
    assert (queued.status, sent.status) == (MessageStatus.cancelled, MessageStatus.sent)
