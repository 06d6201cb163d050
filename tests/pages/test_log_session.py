"""The volunteer's log form, the crisis card and my hours, through AppTest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.models import (
    Account,
    Escalation,
    ListeningRequest,
    MessageKind,
    OutboundMessage,
    RequestStatus,
    SessionLog,
    utcnow,
)
from tests import factories
from tests.factories.session_factories import coordinator, visit
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


@pytest.fixture
def ready(session):
    """A volunteer with a visit that started two hours ago, and a coordinator with a phone."""
    account, volunteer = factories.volunteer(session)
    boss = coordinator(session)
    starts_at = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2, minutes=3)
    row = visit(session, volunteers=[volunteer], starts_at=starts_at)
    session.commit()
    return account, volunteer, boss, row


def open_as(account: Account, page: str = "pages/log_session.py"):
    at = app_test(page)
    at.session_state["account"] = account
    return at.run()


def submit(at):
    [button] = [b for b in at.button if b.label == "保存记录"]
    return button.click().run()


def logs(session) -> list[SessionLog]:
    session.rollback()  # end the read snapshot: see what the page committed
    session.expire_all()
    return list(session.exec(select(SessionLog)))


def test_a_volunteer_logs_a_held_session(session, ready):
    account, volunteer, _, row = ready
    at = open_as(account)
    assert not at.exception
    assert at.selectbox(key="log_visit").value == row.id
    at.checkbox(key="log_topic_loneliness").check()
    at.select_slider(key="log_mood_after").set_value(4)
    at.text_area(key="log_note").input("聊了搬来深圳后的生活，结束时心情轻松些。")
    at = submit(at)
    assert not at.exception
    assert "谢谢。本次倾听已记录。" in [s.value for s in at.success]
    [log] = logs(session)
    assert (log.volunteer_id, log.topics, log.mood_before, log.mood_after) == (volunteer.id, "loneliness", 3, 4)
    assert log.actual_end - log.actual_start == timedelta(hours=1)
    assert session.get(ListeningRequest, row.request_id).status == RequestStatus.completed
    assert not at.selectbox  # nothing left to log


def test_a_risk_tick_shows_the_crisis_card_and_alerts_the_coordinator(session, ready):
    account, volunteer, boss, row = ready
    at = open_as(account)
    at.checkbox(key="log_risk_suicide").check()
    at = submit(at)
    assert not at.exception
    escalation = session.exec(select(Escalation)).one()
    assert any(f"#{escalation.id}" in e.value for e in at.error)
    markdown = " ".join(m.value for m in at.markdown)
    for number in ("12356", "110", "120"):
        assert f"**{number}**" in markdown
    assert "现在该做什么" in markdown
    assert any("72" in i.value for i in at.info)  # the debrief and the rest from matching
    [sms] = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.safeguarding_alert)).all()
    assert sms.to_phone == boss.phone and sms.urgent
    at.run()  # the card stays until the volunteer has read it
    assert any(f"#{escalation.id}" in e.value for e in at.error)
    at.button(key="dismiss_card").click().run()
    assert not at.exception and not at.error


def test_bad_times_get_a_clear_message_and_nothing_is_stored(session, ready):
    account, _, _, row = ready
    at = open_as(account)
    at.time_input(key="log_end").set_value(at.time_input(key="log_start").value)
    at = submit(at)
    assert not at.exception
    assert [e.value for e in at.error] == ["结束时间必须晚于开始时间。"]
    assert logs(session) == []


def test_my_hours_by_month(session, ready):
    account, _, _, row = ready
    at = open_as(account)
    at = submit(at)
    at = open_as(account, "pages/my_hours.py")
    assert not at.exception
    assert at.title[0].value == "我的时长"
    assert [m.value for m in at.metric] == ["1", "1"]
    assert len(at.dataframe[0].value) == 1


def test_the_volunteer_pages_in_english(session, ready):
    account, _, _, _ = ready
    at = sign_in(account.username, factories.PASSWORD, lang="en")
    at.run()  # the page that follows the sign-in
    at.switch_page("pages/log_session.py").run()
    assert not at.exception
    assert at.title[0].value == "Log a session"
    assert "Save the log" in [b.label for b in at.button]
    at.switch_page("pages/my_hours.py").run()
    assert not at.exception and at.title[0].value == "My hours"


@pytest.mark.parametrize("page", ["pages/log_session.py", "pages/my_hours.py"])
def test_a_coordinator_cannot_open_the_volunteer_pages(session, ready, page):
    _, _, boss, _ = ready
    at = open_as(boss, page)
    assert not at.exception
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert not at.selectbox and not at.metric
