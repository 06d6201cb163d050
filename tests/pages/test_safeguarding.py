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


def test_open_escalations_most_severe_first_then_acknowledge_act_and_close(session, raised):
    boss, _, older, newer = raised
    at = open_as(boss)
    assert not at.exception
    assert at.title[0].value == "安全保障"
    headings = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert [h.split(" ")[0] for h in headings] == [f"**#{older.id}**", f"**#{newer.id}**"]
    assert "自杀或自伤的念头" in headings[0] and "2小时前提出" in headings[0]
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
    assert [m.value.split(" ")[0] for m in at.markdown if m.value.startswith("**#")] == [
        f"**#{newer.id}**", f"**#{older.id}**"]  # closed: under "closed in the last 30 days"
    assert not [b for b in at.button if b.key in (f"ack_{older.id}", f"close_{older.id}")]
    assert (at.metric[2].label, at.metric[2].value) == ("确认前的中位用时", "2小时")  # raised two hours ago


@pytest.mark.parametrize("lang, labels, longest, ago", [
    ("zh_CN", ("确认前的中位用时", "确认前的最长用时"), "12天8小时", "2小时前提出"),
    ("en", ("Median time to acknowledge", "Longest time to acknowledge"), "12 days 8 hours", "raised 2 hours ago"),
])
def test_response_times_read_as_durations(session, raised, lang, labels, longest, ago):
    boss, _, older, newer = raised
    row = session.get(Escalation, newer.id)
    row.raised_at, row.status = utcnow() - timedelta(days=13), EscalationStatus.acknowledged
    row.acknowledged_at, row.acknowledged_by = row.raised_at + timedelta(minutes=17762.3), boss.id
    session.add(row)
    session.commit()
    at = app_test("pages/safeguarding.py")
    at.session_state["account"] = boss
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception
    assert (at.metric[2].label, at.metric[3].label) == labels
    assert at.metric[2].value == at.metric[3].value == longest  # one acknowledged: the median is the longest
    assert any(ago in m.value for m in at.markdown if m.value.startswith(f"**#{older.id}**"))


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


# ----- the order, the people and their numbers, the steps, the outcome -----------------------------------------


def headings(at) -> list[str]:
    return [m.value.split(" ")[0] for m in at.markdown if m.value.startswith("**#")]


def test_unacknowledged_first_then_the_most_severe_then_the_newest(session):
    boss = coordinator(session)
    now = utcnow()

    def raise_(kinds, minutes_ago):
        return safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds=set(kinds),
                                             now=now - timedelta(minutes=minutes_ago))

    seen = raise_({"suicide"}, 1)  # the newest and most severe, but acknowledged: last
    abuse = raise_({"abuse"}, 5)
    old_suicide = raise_({"suicide"}, 300)
    new_suicide = raise_({"medical", "suicide"}, 30)
    unanswered = raise_({"no_answer"}, 2)
    medical = raise_({"medical"}, 600)
    safeguarding.acknowledge(session, actor=boss, escalation_id=seen.id, now=now)
    session.commit()
    assert [safeguarding.severity(k) for k in (["suicide"], ["harm_others"], ["medical"], ["abuse"], ["scam"],
                                               ["no_answer"], ["abuse", "harm_others"], [])] == [0, 1, 2, 3, 4, 5, 1, 6]
    at = open_as(boss)
    assert not at.exception
    assert headings(at) == [f"**#{e.id}**" for e in (new_suicide, old_suicide, medical, abuse, unanswered, seen)]


@pytest.fixture
def from_a_session_log(session):
    """An escalation raised by a session log: the resident and the volunteer are both known."""
    from listening import sessions
    from listening.models import Mode, Outcome
    from listening.sessions.logs import SessionLogInput
    from tests.factories.session_factories import resident, visit

    boss = coordinator(session)
    account, volunteer = factories.volunteer(session)
    person = resident(session, name="张阿姨")
    now = utcnow()
    v = visit(session, volunteers=[volunteer], starts_at=now - timedelta(hours=2), mode=Mode.centre,
              resident_row=person)
    entry = SessionLogInput(outcome=Outcome.held, actual_start=v.starts_at, actual_end=v.starts_at + timedelta(minutes=50),
                            mood_before=2, mood_after=2, topics=["family"], note="聊了家里的事。", risks={"suicide"})
    result = sessions.log_session(session, actor=account, visit_id=v.id, entry=entry, now=now)
    session.commit()
    return boss, person, volunteer, result.escalation


def test_the_card_masks_both_numbers_until_revealed_and_audits_each_reveal(session, from_a_session_log):
    boss, person, volunteer, escalation = from_a_session_log
    at = open_as(boss)
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "张阿姨" in shown and "陈静" in shown
    assert person.phone not in shown and volunteer.phone not in shown and not at.code
    assert "1234" in " ".join(m.value for m in at.markdown if "志愿者" in m.value)  # masked, the last digits kept

    at.button(key=f"reveal_resident_{escalation.id}").click().run()
    assert not at.exception
    assert [c.value for c in at.code] == [person.phone]
    at.button(key=f"reveal_volunteer_{escalation.id}").click().run()
    assert [c.value for c in at.code] == [volunteer.phone]
    session.rollback()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.contact_revealed")
                          .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.entity_id, e.details) for e in events] == [
        (boss.id, str(escalation.id), {"person": "resident", "resident_id": person.id}),
        (boss.id, str(escalation.id), {"person": "volunteer", "volunteer_id": volunteer.id}),
    ]


def test_the_numbers_stay_findable_after_the_request_is_completed_and_the_escalation_closed(session,
                                                                                           from_a_session_log):
    boss, person, volunteer, escalation = from_a_session_log
    safeguarding.acknowledge(session, actor=boss, escalation_id=escalation.id)
    safeguarding.close(session, actor=boss, escalation_id=escalation.id, action_taken="已致电。")
    session.commit()
    at = open_as(boss)
    assert not at.exception
    assert f"**#{escalation.id}**" in headings(at)  # under "closed in the last 30 days"
    at.button(key=f"reveal_resident_{escalation.id}").click().run()
    assert [c.value for c in at.code] == [person.phone]


def test_the_steps_show_every_alert_and_the_acknowledgement(session, from_a_session_log):
    boss, person, volunteer, escalation = from_a_session_log
    at = open_as(boss)
    steps = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert len(steps) == 1 and "已于" in steps[0] and "提醒 coord" in steps[0] and "排队中" in steps[0]
    assert [b.label for b in at.button if b.key and b.key.startswith("ack_")] == ["确认：由我来跟进"]
    at.button(key=f"ack_{escalation.id}").click().run()
    steps = [m.value for m in at.markdown if m.value.startswith("1. ")][0]
    assert "coord 于" in steps and "确认" in steps.split("  \n")[1]


def test_an_outcome_is_recorded_once_with_who_and_when(session, from_a_session_log):
    from listening.core.errors import IllegalTransition
    from listening.models import EscalationOutcome, EscalationOutcomeKind

    boss, person, volunteer, escalation = from_a_session_log
    with pytest.raises(IllegalTransition):  # nobody has taken it on yet
        safeguarding.record_outcome(session, actor=boss, escalation_id=escalation.id, kind="police")
    safeguarding.acknowledge(session, actor=boss, escalation_id=escalation.id)
    session.commit()
    at = open_as(boss)
    at.selectbox(key=f"outcome_{escalation.id}").set_value(EscalationOutcomeKind.police)
    at.button(key=f"record_outcome_{escalation.id}").click().run()
    assert not at.exception
    assert "处理结果已记录。" in [s.value for s in at.success]
    session.rollback()
    [row] = session.exec(select(EscalationOutcome)).all()
    assert (row.kind, row.recorded_by) == (EscalationOutcomeKind.police, boss.id)
    assert any("已转介警方：coord" in m.value for m in at.markdown)
    assert EscalationOutcomeKind.police not in at.selectbox(key=f"outcome_{escalation.id}").options
    with pytest.raises(IllegalTransition, match="already recorded"):
        safeguarding.record_outcome(session, actor=boss, escalation_id=escalation.id, kind="police")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "escalation.outcome_recorded")).one()
    assert (event.actor_id, event.details) == (boss.id, {"outcome": "police"})
    safeguarding.close(session, actor=boss, escalation_id=escalation.id, action_taken="已报警。")
    with pytest.raises(IllegalTransition):  # closed: no more outcomes
        safeguarding.record_outcome(session, actor=boss, escalation_id=escalation.id, kind="followed_up")


def test_nobody_reachable_is_said_on_the_card_and_the_rota_warns(session):
    from listening.models import SmsOptOut

    boss = coordinator(session)
    session.add(SmsOptOut(phone=boss.phone))
    now = utcnow()
    session.add(DutyShift(coordinator_id=boss.id, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)))
    session.flush()
    safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"abuse"}, now=now)
    session.commit()
    at = open_as(boss)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert "没有任何提醒短信送达协调员，请您亲自致电各位协调员。" in errors
    assert any(e.startswith("目前没有协调员能接收安全预警短信") for e in errors)
    assert any(w.value.startswith("coord 正在值班，但无法接收安全预警短信（该号码已退订短信）") for w in at.warning)
    rota = at.dataframe[-1].value
    assert list(rota["能否接收短信"]) == ["⚠️ 该号码已退订短信"]
    assert any("未提醒 coord：该号码已退订短信" in m.value for m in at.markdown)


def test_the_rota_says_a_reachable_duty_coordinator_can_receive_sms(session):
    boss = coordinator(session)
    now = utcnow()
    session.add(DutyShift(coordinator_id=boss.id, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)))
    session.commit()
    at = open_as(boss)
    assert not at.warning and list(at.dataframe[-1].value["能否接收短信"]) == ["✓"]


def test_the_request_link_opens_the_request_even_once_completed(session, from_a_session_log):
    from listening.models import ListeningRequest, RequestStatus

    boss, person, volunteer, escalation = from_a_session_log
    [view] = safeguarding.open_escalations(session, actor=boss)
    request = session.get(ListeningRequest, view.request_id)
    request.status = RequestStatus.completed
    session.add(request)
    session.commit()
    at = open_as(boss)
    assert f"[打开申请 #{request.id}](/triage?request={request.id}&lang=zh_CN)" in [m.value for m in at.markdown]
    triage = app_test("pages/triage.py")
    triage.session_state["account"] = boss
    triage.query_params["request"] = str(request.id)
    triage.run()
    assert not triage.exception
    assert triage.subheader[0].value.startswith(f"申请 #{request.id}")
