"""The coordinator's safeguarding page, by role, through AppTest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening import safeguarding
from listening.models import (
    Account,
    AuditEvent,
    DebriefRequest,
    DebriefStatus,
    DutyShift,
    Escalation,
    EscalationSource,
    EscalationStatus,
    utcnow,
)
from tests import factories
from tests.factories.session_factories import coordinator
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


@pytest.fixture
def raised(session):
    boss = coordinator(session)
    account, volunteer = factories.volunteer(session)
    now = utcnow()
    older = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"suicide"},
                                          now=now - timedelta(hours=2))
    newer = safeguarding.raise_escalation(session, source=EscalationSource.unanswered_calls, risk_kinds={"no_answer"},
                                          now=now - timedelta(minutes=20))
    session.add(DebriefRequest(volunteer_id=volunteer.id, requested_at=now - timedelta(hours=1)))
    session.commit()
    return boss, account, older, newer


def open_as(account: Account):
    at = app_test("pages/safeguarding.py")
    at.session_state["account"] = account
    return at.run()


def test_open_escalations_oldest_first_then_acknowledge_act_and_close(session, raised):
    boss, _, older, newer = raised
    at = open_as(boss)
    assert not at.exception
    assert at.title[0].value == "安全保障"
    headings = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert [h.split(" ")[0] for h in headings] == [f"**#{older.id}**", f"**#{newer.id}**"]
    assert "自杀或自伤的念头" in headings[0] and "2 小时" in headings[0]
    assert at.metric[0].value == "2" and at.metric[1].value == "2"

    at.button(key=f"ack_{older.id}").click().run()
    assert not at.exception
    assert f"已确认求助 #{older.id}。" in [s.value for s in at.success]
    session.rollback()  # end the read snapshot: see what the page committed
    session.expire_all()
    assert session.get(Escalation, older.id).status == EscalationStatus.acknowledged

    at.button(key=f"close_{older.id}").click().run()  # no action written yet
    assert [e.value for e in at.error] == ["请描述已采取的行动。"]
    at.text_area(key=f"action_{older.id}").input("已致电居民并转介 12356。")
    at.button(key=f"close_{older.id}").click().run()
    assert not at.exception
    session.rollback()  # end the read snapshot: see what the page committed
    session.expire_all()
    row = session.get(Escalation, older.id)
    assert (row.status, row.closed_by, row.action_taken) == (EscalationStatus.closed, boss.id, "已致电居民并转介 12356。")
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "escalation",
                                                           AuditEvent.entity_id == str(older.id))).all()
    assert sorted(actions) == ["escalation.acknowledged", "escalation.closed", "escalation.raised"]
    assert not any(m.value.startswith(f"**#{older.id}**") for m in at.markdown)
    assert at.metric[2].label == "确认前的中位分钟数"


def test_a_debrief_is_recorded(session, raised):
    boss, _, _, _ = raised
    at = open_as(boss)
    debrief = session.exec(select(DebriefRequest)).one()
    at.button(key=f"debrief_held_{debrief.id}").click().run()
    assert not at.exception
    session.rollback()  # end the read snapshot: see what the page committed
    session.expire_all()
    assert session.get(DebriefRequest, debrief.id).status == DebriefStatus.held


def test_a_duty_shift_is_added(session, raised):
    boss, _, _, _ = raised
    at = open_as(boss)
    assert "未来两周没有人值班。" in [w.value for w in at.warning]
    at.number_input(key="shift_hours").set_value(10)
    [button] = [b for b in at.button if b.label == "添加班次"]
    button.click().run()
    assert not at.exception
    shift = session.exec(select(DutyShift)).one()
    assert (shift.coordinator_id, shift.ends_at - shift.starts_at) == (boss.id, timedelta(hours=10))


def test_a_volunteer_cannot_open_the_safeguarding_page(session, raised):
    _, volunteer_account, _, _ = raised
    at = open_as(volunteer_account)
    assert not at.exception
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert not at.button and not at.metric


def test_the_demo_coordinator_sees_believable_safeguarding_data(demo):
    at = sign_in("coordinator")
    at.run()
    at.switch_page("pages/safeguarding.py").run()
    assert not at.exception
    assert at.title[0].value == "安全保障"
    assert any(m.value.startswith("**#") for m in at.markdown)  # open escalations
    assert len(at.dataframe) >= 3  # heavy sessions, hours, the duty rota
