"""A resident's journey plan: goals they chose, a review once N sessions were held since the plan (or the last
review), a planned last session; audited without the goals' words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from listening.connection import journeys
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import AuditEvent, JourneyGoal
from tests import factories
from tests.factories.connection_factories import held_visit
from tests.factories.session_factories import NOW, coordinator


@pytest.fixture
def people(session):
    boss = coordinator(session)
    account, chen = factories.volunteer(session)
    _, zhou = factories.volunteer(session, "zhou", name="周敏", phone="+8613900007777")
    resident = factories.resident(session, name="林阿姨", phone="+8613712340001", consented_at=NOW - timedelta(days=90))
    return boss, account, chen, zhou, resident


def sessions_after_plan(session, resident, volunteers, n, *, start):
    for k in range(n):
        held_visit(session, resident=resident, volunteers=volunteers, starts_at=start + timedelta(days=7 * k))


def test_a_plan_with_goals_is_saved_and_audited_without_words(session, people):
    boss, _account, _chen, _zhou, resident = people
    journeys.save_plan(session, actor=boss, resident_id=resident.id, goals=["参加一个小组", "", " 每周给妹妹打电话 "],
                       planned_sessions=8, planned_last_on=date(2026, 5, 1), now=NOW)
    view = journeys.plan_for(session, actor=boss, resident_id=resident.id)
    assert view.goals == ("参加一个小组", "每周给妹妹打电话")
    assert (view.review_after, view.planned_sessions, view.planned_last_on, view.sessions_since) == (
        6, 8, date(2026, 5, 1), 0)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "journey.plan_saved")).one()
    assert event.details["goals"] == 2 and event.details["created"] is True and "妹妹" not in str(event.details)
    journeys.save_plan(session, actor=boss, resident_id=resident.id, goals=["参加一个小组"], review_after=4, now=NOW)
    assert session.exec(select(JourneyGoal.text)).all() == ["参加一个小组"]  # the goals are replaced as a whole
    assert journeys.plan_for(session, actor=boss, resident_id=resident.id).review_after == 4


@pytest.mark.parametrize("overrides, field", [
    ({"goals": ["", "  "]}, "goals"),
    ({"goals": ["目标"] * 7}, "goals"),
    ({"goals": ["长" * 81]}, "goals"),
    ({"review_after": 0}, "review_after"),
    ({"planned_sessions": 201}, "planned_sessions"),
    ({"planned_last_on": date(2026, 3, 10)}, "planned_last_on"),  # yesterday
])
def test_a_plan_that_makes_no_sense_is_refused(session, people, overrides, field):
    boss, _account, _chen, _zhou, resident = people
    values = {"goals": ["参加一个小组"], **overrides}
    with pytest.raises(InvalidInput) as error:
        journeys.save_plan(session, actor=boss, resident_id=resident.id, now=NOW, **values)
    assert error.value.field == field
    assert journeys.plan_for(session, actor=boss, resident_id=resident.id) is None


def test_the_review_is_due_at_n_sessions_not_one_before(session, people):
    boss, _account, chen, zhou, resident = people
    held_visit(session, resident=resident, volunteers=[chen], starts_at=NOW - timedelta(days=3))  # before the plan
    journeys.save_plan(session, actor=boss, resident_id=resident.id, goals=["参加一个小组"], review_after=3, now=NOW)
    # two volunteers on one visit: it counts once
    sessions_after_plan(session, resident, [chen, zhou], 2, start=NOW + timedelta(days=1))
    view = journeys.plan_for(session, actor=boss, resident_id=resident.id)
    assert (view.sessions_since, view.review_due) == (2, False)
    assert journeys.reviews_due(session, actor=boss) == []
    held_visit(session, resident=resident, volunteers=[chen], starts_at=NOW + timedelta(days=20))
    assert journeys.plan_for(session, actor=boss, resident_id=resident.id).review_due
    [due] = journeys.reviews_due(session, actor=boss)
    assert (due.resident_id, due.resident_name, due.sessions_since, due.review_after) == (resident.id, "林阿姨", 3, 3)
    journeys.record_review(session, actor=boss, resident_id=resident.id, now=NOW + timedelta(days=21))
    assert journeys.reviews_due(session, actor=boss) == []
    assert journeys.plan_for(session, actor=boss, resident_id=resident.id).reviewed_on == date(2026, 4, 1)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "journey.reviewed")).one()
    assert event.details == {"resident_id": resident.id, "sessions": 3}


def test_no_plan_no_review_and_volunteers_cannot_plan(session, people):
    boss, account, _chen, _zhou, resident = people
    with pytest.raises(IllegalTransition):
        journeys.record_review(session, actor=boss, resident_id=resident.id, now=NOW)
    with pytest.raises(NotAllowed):
        journeys.save_plan(session, actor=account, resident_id=resident.id, goals=["参加一个小组"], now=NOW)
