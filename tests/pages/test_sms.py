"""The coordinator's SMS page: every message, failures first with the provider's error, resend, heartbeat."""

from __future__ import annotations

from sqlmodel import select

from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, WorkerHeartbeat, utcnow
from listening.sms import outbox
from tests.pages.conftest import sign_in


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
