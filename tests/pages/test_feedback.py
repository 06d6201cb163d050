"""The coordinator's Feedback page: calls to make (answers recorded from a call) and follow-ups closed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import Account, FeedbackRequest, FollowUpOutcome
from tests import factories
from tests.factories.session_factories import coordinator
from tests.feedback.helpers import MAINLAND, held_visit, resident
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def open_as(account: Account):
    at = app_test("pages/feedback.py")
    at.session_state["account"] = account
    return at.run()


@pytest.fixture
def asked(session):
    boss = coordinator(session)
    volunteer = factories.volunteer(session)
    held_visit(session, who=resident(session, phone=MAINLAND), volunteer=volunteer)
    session.commit()
    return boss, volunteer[0], session.exec(select(FeedbackRequest)).one()


def test_a_coordinator_records_the_answers_of_a_call_and_closes_the_follow_up(session, asked):
    boss, _, feedback = asked
    at = open_as(boss)
    assert not at.exception and at.title[0].value == "反馈"
    assert any(MAINLAND in m.value for m in at.markdown)  # the number to dial, in full
    at.selectbox(key=f"score_{feedback.id}").set_value(1)
    at.radio(key=f"asked_{feedback.id}").set_value(False)
    at.button(key=f"save_{feedback.id}").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "已记录回答。"
    session.rollback()
    session.expire_all()
    stored = session.get(FeedbackRequest, feedback.id)
    assert (stored.score, stored.asked_for_money_or_contact, stored.recorded_by) == (1, False, boss.id)
    at.selectbox(key=f"outcome_{feedback.id}").set_value(FollowUpOutcome.no_answer)
    at.button(key=f"close_{feedback.id}").click().run()
    assert not at.exception and not at.error
    session.rollback()
    session.expire_all()
    assert session.get(FeedbackRequest, feedback.id).follow_up_outcome == FollowUpOutcome.no_answer


def test_saving_without_both_answers_is_refused_beside_the_button(session, asked):
    boss, _, feedback = asked
    at = open_as(boss)
    at.selectbox(key=f"score_{feedback.id}").set_value(4)
    at.button(key=f"save_{feedback.id}").click().run()
    assert [e.value for e in at.error] == ["请选择是或否：是否有人索要钱财、礼物、投资或要求私下联系？"]
    session.rollback()
    session.expire_all()
    assert session.get(FeedbackRequest, feedback.id).answered_at is None


def test_a_volunteer_cannot_open_the_feedback_page(session, asked):
    _, volunteer_account, _ = asked
    at = open_as(volunteer_account)
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]


def test_the_demo_centre_shows_feedback(demo, session):
    boss = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at = open_as(boss)
    assert not at.exception
    assert int(at.metric[0].value) >= 1 and int(at.metric[1].value) >= 1  # calls to make, follow-ups open


def test_the_coordinators_home_says_what_waits_after_visits(demo, session):
    boss = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at = app_test("pages/coordinator_home.py")
    at.session_state["account"] = boss
    at.run()
    assert not at.exception
    line = next(m.value for m in at.markdown if m.value.startswith("反馈跟进："))
    assert "反馈电话：" in line and "未结案投诉：1" in line and "探访被暂缓的志愿者：0" in line


def test_a_district_of_calls_is_counted_in_full_and_shown_twenty_at_a_time(session, monkeypatch):
    """A district has thousands of phone feedback waiting: the metric counts them all (it said 50, the old limit),
    the page shows twenty cards, and the second page asks for the next twenty."""
    from datetime import UTC, datetime

    from listening.feedback import asking, followups

    boss = coordinator(session)
    session.commit()
    asked_for = []

    def calls(session, *, actor, limit=50, offset=0, now=None):
        asked_for.append((limit, offset))
        return [asking.FeedbackCall(feedback_id=1000 + n, resident_id=n, resident_name=f"居民{n}",
                                    phone=f"+86137000{n:05d}", visit_starts_at=datetime(2026, 11, 1, 2, tzinfo=UTC),
                                    asked_at=datetime(2026, 11, 1, 4, tzinfo=UTC)) for n in range(offset, offset + limit)]

    monkeypatch.setattr(asking, "calls_to_make", calls)
    monkeypatch.setattr(followups, "waiting", lambda session, *, actor: followups.Waiting(3, 4321, 0, 0))
    at = open_as(boss)
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["4,321", "3"]
    assert len([b for b in at.button if b.key and b.key.startswith("save_")]) == 20 and asked_for[-1] == (20, 0)
    at.number_input(key="feedback_calls_page").set_value(2).run()
    assert asked_for[-1] == (20, 20)
    assert [b.key for b in at.button if b.key and b.key.startswith("save_")][0] == "save_1020"

