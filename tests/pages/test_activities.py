"""The Activities page, the activity pick in the session log, the follow-ups on both homes, and the journey and
signals on the request detail, through AppTest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core import clock
from listening.models import (
    Activity,
    ActivityFollowUp,
    ActivitySuggestion,
    FollowUpAnswer,
    JourneyPlan,
    MessageKind,
    OutboundMessage,
    utcnow,
)
from tests import factories
from tests.factories.connection_factories import activity, held_visit, suggestion
from tests.factories.session_factories import coordinator, visit
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def open_as(account, page: str, **query):
    at = app_test(page)
    at.session_state["account"] = account
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.run()


def fresh(session):
    session.rollback()  # end the read snapshot: see what the page committed
    session.expire_all()


@pytest.fixture
def centre(session):
    boss = coordinator(session)
    account, chen = factories.volunteer(session)
    chess = activity(session, boss)
    resident = factories.resident(session, name="林阿姨", phone="+8613712340001",
                                  consented_at=utcnow() - timedelta(days=200))
    session.commit()
    return boss, account, chen, chess, resident


def test_a_coordinator_adds_an_activity_and_retires_it(session, centre):
    boss, *_ = centre
    at = open_as(boss, "pages/activities.py")
    assert not at.exception and at.title[0].value == "社区活动"
    at.text_input(key="activity_name_zh_new").input("广场舞")
    at.text_input(key="activity_place_new").input("桃源村文化广场")
    at.text_input(key="activity_schedule_new").input("每天 19:30")
    at.button(key="FormSubmitter:activity_new-保存活动").click().run()
    assert not at.exception
    assert "活动已添加。" in [s.value for s in at.success]
    fresh(session)
    added = session.exec(select(Activity).where(Activity.name_zh == "广场舞")).one()
    assert added.contact_id == boss.id and added.retired_at is None
    at.selectbox(key="activities_choice").set_value(added.id).run()
    at.button(key="activity_retire").click().run()
    assert not at.exception
    fresh(session)
    assert session.get(Activity, added.id).retired_at is not None


def test_a_link_in_the_place_is_refused_on_the_page(session, centre):
    boss, *_ = centre
    at = open_as(boss, "pages/activities.py")
    at.text_input(key="activity_name_zh_new").input("广场舞")
    at.text_input(key="activity_place_new").input("www.dance.cn")
    at.text_input(key="activity_schedule_new").input("每天 19:30")
    at.button(key="FormSubmitter:activity_new-保存活动").click().run()
    assert [e.value for e in at.error] == ["活动信息中不能有网址：带链接的短信会被拒发。"]


def test_a_due_follow_up_is_answered_on_the_activities_page_and_on_the_volunteers_home(session, centre):
    boss, account, chen, chess, resident = centre
    v = held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(days=50))
    row = suggestion(session, resident=resident, activity_row=chess, volunteer=chen, visit=v,
                     on=clock.today() - timedelta(weeks=6))
    session.commit()
    at = open_as(boss, "pages/activities.py")
    assert "待回访（2）" in [t.label for t in at.tabs]
    at.button(key=f"activities_due_{row.id}_2_went").click().run()
    assert not at.exception
    fresh(session)
    assert session.get(ActivityFollowUp, (row.id, 2)).answer == FollowUpAnswer.went
    home = open_as(account, "pages/volunteer_home.py")
    assert not home.exception
    assert "我推荐的活动：居民去了吗？" in [h.value for h in home.subheader]
    assert "还在参加" in [b.label for b in home.button]
    home.button(key=f"my_follow_ups_{row.id}_6_not_went").click().run()
    assert not home.exception
    fresh(session)
    assert session.get(ActivityFollowUp, (row.id, 6)).answer == FollowUpAnswer.not_went


def test_the_volunteer_suggests_an_activity_in_the_log_and_the_resident_gets_one_sms(session, centre):
    _boss, account, chen, chess, resident = centre
    visit(session, volunteers=[chen], resident_row=resident,
              starts_at=utcnow().replace(second=0, microsecond=0) - timedelta(hours=2))
    session.commit()
    at = open_as(account, "pages/log_session.py")
    assert not at.exception
    at.selectbox(key="log_activity").set_value(chess.id)
    [save] = [b for b in at.button if b.label == "保存记录"]
    at = save.click().run()
    assert not at.exception
    assert "活动信息将通过短信发给居民。" in [i.value for i in at.info]
    fresh(session)
    assert session.exec(select(ActivitySuggestion.activity_id)).all() == [chess.id]
    [sms] = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.activity_suggestion)).all()
    assert "象棋搭子" in sms.body and sms.to_phone == resident.phone


def test_a_volunteer_cannot_open_the_activities_page(session, centre):
    _boss, account, *_ = centre
    at = open_as(account, "pages/activities.py")
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"] and not at.tabs


def test_the_request_detail_keeps_a_journey_plan_and_shows_signals(session, centre):
    boss, _account, chen, _chess, resident = centre
    for days in (1, 5, 9, 14):
        held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(days=days),
                   note="她说以前每月花钱找秒回师。" if days == 1 else "")
    held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(hours=3))
    # the resident asked again: their open request is in the queue (a deep link to a closed one does not stay open)
    newest = visit(session, volunteers=[chen], resident_row=resident, starts_at=utcnow() + timedelta(days=2))
    session.commit()
    at = open_as(boss, "pages/triage.py", request=newest.request_id)
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert "倾听次数增加：最近 4 周 5 次，之前 4 周 0 次。" in markdown
    assert "付费陪伴" in markdown and "秒回师。" not in markdown  # the count, never the note
    at.text_area(key=f"journey_goals_{resident.id}").input("参加一个小组\n每周给妹妹打电话")
    at.number_input(key=f"journey_review_after_{resident.id}").set_value(4)
    at.button(key=f"FormSubmitter:journey_{resident.id}-保存计划").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    fresh(session)
    plan = session.exec(select(JourneyPlan)).one()
    assert (plan.resident_id, plan.review_after) == (resident.id, 4)
    assert any("参加一个小组" in m.value for m in at.markdown)


def test_the_coordinators_home_lists_follow_ups_reviews_and_signals(session, centre):
    boss, _account, chen, chess, resident = centre
    for days in (2, 6, 10, 20):
        held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(days=days))
    session.add(JourneyPlan(resident_id=resident.id, review_after=3, counted_since=utcnow() - timedelta(days=30)))
    v = held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(days=30))
    suggestion(session, resident=resident, activity_row=chess, volunteer=chen, visit=v,
               on=clock.today() - timedelta(days=30))
    session.commit()
    at = open_as(boss, "pages/coordinator_home.py")
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert "有 1 个活动回访待完成。" in markdown  # 30 days after: the two-week one
    assert "林阿姨：计划以来 5 次倾听（每 3 次回顾）" in markdown
    assert "倾听次数增加" in markdown


def test_the_activities_page_in_english(session, centre):
    boss, *_ = centre
    at = app_test("pages/activities.py")
    at.session_state["account"] = boss
    at.session_state["locale"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Activities" and [t.label for t in at.tabs] == ["Catalogue", "Follow-ups due (0)"]
    assert "Chess partners" in at.dataframe[0].value["Name"].tolist()


def test_a_plan_can_be_made_from_a_closed_requests_deep_link(session, centre):
    """The safeguarding page links to any request, open or not: a step on its detail keeps the request open."""
    boss, _account, chen, _chess, resident = centre
    closed = held_visit(session, resident=resident, volunteers=[chen], starts_at=utcnow() - timedelta(days=3))
    session.commit()
    at = open_as(boss, "pages/triage.py", request=closed.request_id)
    at.text_area(key=f"journey_goals_{resident.id}").input("认识两个邻居")
    at.button(key=f"FormSubmitter:journey_{resident.id}-保存计划").click().run()
    assert not at.exception and at.query_params["request"] == str(closed.request_id)
    fresh(session)
    assert session.exec(select(JourneyPlan.resident_id)).all() == [resident.id]
