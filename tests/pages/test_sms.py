"""The coordinator's SMS page: every message with its text and recipient, failures first with the provider's
error, filters, pages, resend, heartbeat."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlmodel import col, func, select

from listening.core import clock, phones
from listening.models import (
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Resident,
    WorkerHeartbeat,
    utcnow,
)
from listening.sms import outbox, review
from listening.sms.transport import NO_PROVIDER
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
    assert table["编号"].iloc[0] == bad.id and "21211" in table["错误"].iloc[0]
    assert all("****" in phone for phone in table["到"])
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
    row = next(i for i in range(len(table)) if table["编号"].iloc[i] == held.id)
    assert row < 2  # with the failures, before everything else
    assert table["错误"].iloc[row] == "未发送：免打扰时段持续到探访开始。请改为电话通知。"


def _demo_resident(session):
    return session.exec(select(Resident).where(col(Resident.sms_consent_at).is_not(None)).order_by(Resident.id)).first()


def test_each_message_shows_its_text_the_recipients_name_and_a_masked_number(demo, session):
    resident = _demo_resident(session)
    mine = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                          to_phone=resident.phone, body="【倾听一小时】页面测试正文", dedupe_key="page:text",
                          due_at=clock.now() + timedelta(days=30))  # latest due: first after the failures
    session.commit()
    at = sign_in("coordinator", lang="en")
    at.run()
    at.switch_page("pages/sms.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    [row] = table[table["Number"] == mine.id].to_dict("records")
    assert row["Text"] == "【倾听一小时】页面测试正文"
    assert row["Recipient"] == f"{resident.display_name} (resident)"
    assert row["To"] == phones.mask(resident.phone) and resident.phone not in table.to_string()
    assert row["Kind"] == "help reply" and row["Status"] == "queued"


def test_kind_status_and_date_filters(demo, session):
    day = clock.today()
    midnight = clock.local_datetime(day, time(0))
    resident = _demo_resident(session)
    for key, due in (("late", midnight - timedelta(seconds=1)), ("early", midnight)):
        message = outbox.enqueue(session, kind=MessageKind.no_show_followup, recipient_kind=RecipientKind.resident,
                                 to_phone=resident.phone, body="【倾听一小时】" + key, dedupe_key=f"page:{key}",
                                 due_at=due, now=due, urgent=True)
        message.status = MessageStatus.delivered
    session.commit()
    at = sign_in("coordinator", lang="zh_CN")
    at.run()
    at.switch_page("pages/sms.py").run()
    # In Chinese, the test process's own language: a multiselect's value travels as its label.
    at.multiselect(key="sms_kinds").set_value([MessageKind.no_show_followup]).run()
    assert set(at.dataframe[0].value["内容"]) == {"【倾听一小时】late", "【倾听一小时】early"}
    at.date_input(key="sms_dates").set_value((day, day)).run()
    assert list(at.dataframe[0].value["内容"]) == ["【倾听一小时】early"]  # 00:00 local is today, 23:59:59 is not
    at.multiselect(key="sms_statuses").set_value([MessageStatus.failed]).run()
    assert not at.exception and at.dataframe[0].value.empty


def test_the_outbox_is_shown_one_page_at_a_time(demo, session):
    resident = _demo_resident(session)
    for i in range(review.PAGE_SIZE + 5):  # more than a page, whatever the demo queued
        outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                       to_phone=resident.phone, body=f"【倾听一小时】{i}", dedupe_key=f"page:many:{i}")
    session.commit()
    total = session.exec(select(func.count()).select_from(OutboundMessage)).one()
    at = sign_in("coordinator", lang="en")
    at.run()
    at.switch_page("pages/sms.py").run()
    first = set(at.dataframe[0].value["Number"])
    assert len(first) == review.PAGE_SIZE
    pages = -(-total // review.PAGE_SIZE)
    assert f"Page 1 of {pages}; {total} messages." in [c.value for c in at.caption]
    at.number_input(key="sms_page").set_value(pages).run()
    last = set(at.dataframe[0].value["Number"])
    assert not at.exception and len(last) == total - (pages - 1) * review.PAGE_SIZE and first.isdisjoint(last)


def test_no_provider_reads_as_not_sent_in_chinese(demo, session):
    resident = _demo_resident(session)
    message = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                             to_phone=resident.phone, body="【倾听一小时】无服务商", dedupe_key="page:np")
    message.status, message.error_message = MessageStatus.not_sent, NO_PROVIDER
    session.commit()
    at = sign_in("coordinator", lang="zh_CN")
    at.run()
    at.switch_page("pages/sms.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    [row] = table[table["编号"] == message.id].to_dict("records")
    assert row["状态"] == "未发送" and row["错误"] == "未发送：未配置短信服务商。"
    assert table["编号"].iloc[0] == message.id  # with the failures, first


def test_a_body_emptied_by_retention_says_after_how_many_days(demo, session):
    resident = _demo_resident(session)
    message = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                             to_phone=resident.phone, body="", dedupe_key="page:emptied",
                             due_at=clock.now() + timedelta(days=30))
    message.status = MessageStatus.delivered
    session.commit()
    at = sign_in("coordinator", lang="en")
    at.run()
    at.switch_page("pages/sms.py").run()
    table = at.dataframe[0].value
    [row] = table[table["Number"] == message.id].to_dict("records")
    assert row["Text"] == "(emptied after 30 days)"
