"""The coordinator's SMS page: every message, failures first with the provider's error, resend, heartbeat."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, WorkerHeartbeat, utcnow
from listening.sms import outbox
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def _messages(session):
    ok = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                        to_phone="+8613800138000", body="【倾听一小时】好", dedupe_key="page:ok")
    bad = outbox.enqueue(session, kind=MessageKind.visit_scheduled, recipient_kind=RecipientKind.resident,
                         to_phone="+8613800138001", body="【倾听一小时】坏", dedupe_key="page:bad")
    bad.status, bad.error_code, bad.error_message = MessageStatus.failed, "21211", "The 'To' number is not valid."
    session.commit()
    return ok, bad


def test_failures_come_first_with_the_error_and_can_be_resent(demo, session):
    ok, bad = _messages(session)
    at = sign_in("coordinator")
    at.run()
    at.switch_page("pages/sms.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0, 0] == bad.id and "21211" in table.iloc[0, 7]
    assert all("****" in phone for phone in table.iloc[:, 3])
    assert at.warning  # no worker running
    at.selectbox(key="resend_choice").set_value(bad.id)
    [resend] = [b for b in at.button if b.label == "重新发送"]  # the sidebar's sign-out button is a button too
    resend.click().run()
    assert not at.exception
    session.expire_all()
    copies = session.exec(select(OutboundMessage).where(OutboundMessage.dedupe_key == f"resend:{bad.id}:1")).all()
    assert len(copies) == 1 and copies[0].status == MessageStatus.queued


def test_the_heartbeat_shows_in_english(demo, session):
    session.add(WorkerHeartbeat(worker_id="w1", pid=1, host="h", last_beat_at=utcnow(), messages_sent=5))
    session.commit()
    at = sign_in("coordinator", lang="en")
    at.run()
    at.switch_page("pages/sms.py").run()
    assert not at.exception
    assert "The SMS worker is running" in at.success[0].value and "5 sent" in at.success[0].value


def test_a_message_quiet_hours_held_back_comes_first_with_its_reason_in_chinese(demo, session):
    from datetime import UTC, datetime

    night, visit = datetime(2026, 3, 5, 14, 0, tzinfo=UTC), datetime(2026, 3, 6, 0, 0, tzinfo=UTC)  # 22:00, 08:00
    _messages(session)
    held = outbox.enqueue(session, kind=MessageKind.visit_scheduled, recipient_kind=RecipientKind.resident,
                          to_phone="+8613800138002", body="【倾听一小时】晚", dedupe_key="page:quiet", due_at=night,
                          expires_at=visit, now=night)
    session.commit()
    assert held.error_message == outbox.QUIET_PHONE_INSTEAD
    at = sign_in("coordinator", lang="zh_CN")
    at.run()
    at.switch_page("pages/sms.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    row = next(i for i in range(len(table)) if table.iloc[i, 0] == held.id)
    assert row < 2  # with the failures, before everything else
    assert table.iloc[row, 7] == "未发送：免打扰时段持续到探访开始。请改为电话通知。"
