"""The week calendar: local days, every visit for a coordinator, only their own for a volunteer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from listening.core.errors import NotAllowed
from listening.models import VisitStatus
from listening.sessions.calendar import week_visits
from tests import factories
from tests.factories.session_factories import resident, visit

MONDAY = date(2026, 3, 9)


def test_a_visit_at_half_past_midnight_local_is_on_that_local_day(session):
    boss = factories.coordinator(session)
    _, chen = factories.volunteer(session)
    # 00:30 on Wednesday in Shenzhen is 16:30 on Tuesday in UTC.
    early = visit(session, volunteers=[chen], starts_at=datetime(2026, 3, 10, 16, 30, tzinfo=UTC),
                  status=VisitStatus.scheduled)
    # 23:30 on Sunday in Shenzhen: still this week; 00:00 next Monday local is the next week's.
    late = visit(session, volunteers=[chen], starts_at=datetime(2026, 3, 15, 15, 30, tzinfo=UTC),
                 status=VisitStatus.confirmed)
    visit(session, volunteers=[chen], starts_at=datetime(2026, 3, 15, 16, 0, tzinfo=UTC))
    visit(session, volunteers=[chen], starts_at=datetime(2026, 3, 8, 15, 59, tzinfo=UTC))  # last week, 23:59
    week = week_visits(session, actor=boss, week_start=MONDAY + timedelta(days=2))  # any day of the week
    assert week.week_start == MONDAY
    by_day = {day: [v.visit_id for v in visits] for day, visits in week.days}
    assert list(by_day) == [MONDAY + timedelta(days=n) for n in range(7)]
    assert by_day[date(2026, 3, 11)] == [early.id] and by_day[date(2026, 3, 10)] == []
    assert by_day[date(2026, 3, 15)] == [late.id]
    assert week.count == 2


def test_a_coordinator_sees_every_visit_with_names_and_a_volunteer_only_their_own(session):
    boss = factories.coordinator(session)
    account, chen = factories.volunteer(session)
    _, li = factories.volunteer(session, "li", name="李明", phone="+8613900005678")
    at = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    pair = visit(session, volunteers=[chen, li], starts_at=at, resident_row=resident(session, name="王伯"),
                 status=VisitStatus.scheduled)
    theirs = visit(session, volunteers=[li], starts_at=at + timedelta(hours=3), status=VisitStatus.scheduled)
    visit(session, volunteers=[chen], starts_at=at + timedelta(hours=5), status=VisitStatus.proposed)  # not yet
    everyone = [v for _, visits in week_visits(session, actor=boss, week_start=MONDAY).days for v in visits]
    assert [v.visit_id for v in everyone] == [pair.id, theirs.id]
    assert everyone[0].volunteer_names == ("陈静", "李明") and everyone[0].resident_name == "王伯"
    mine = [v for _, visits in week_visits(session, actor=account, week_start=MONDAY).days for v in visits]
    assert [v.visit_id for v in mine] == [pair.id]


def test_the_week_is_one_query(session):
    boss = factories.coordinator(session)
    _, chen = factories.volunteer(session)
    for hours in range(5):
        visit(session, volunteers=[chen], starts_at=datetime(2026, 3, 10, hours, tzinfo=UTC),
              status=VisitStatus.scheduled)
    session.flush()
    selects = []
    listener = lambda *args: selects.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None  # noqa: E731
    sa.event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        week_visits(session, actor=boss, week_start=MONDAY)
    finally:
        sa.event.remove(session.get_bind(), "before_cursor_execute", listener)
    # The visits, plus the privacy view's check of recent views: never a query per visit.
    assert len(selects) <= 2


def test_nobody_signed_out_sees_a_calendar(session):
    with pytest.raises(NotAllowed):
        week_visits(session, actor=None, week_start=MONDAY)
