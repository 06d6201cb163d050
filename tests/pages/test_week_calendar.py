"""The week calendar page, for a coordinator (every visit) and a volunteer (their own)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from listening.core import clock
from listening.core.config import get_settings
from listening.core.i18n import format_short_date, set_locale
from listening.models import Account, VisitStatus
from listening.volunteers import availability
from tests import factories
from tests.factories.session_factories import resident, visit
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

PAGE = "pages/week_calendar.py"


def open_as(account: Account):
    at = app_test(PAGE)
    at.session_state["account"] = account
    return at.run()


@pytest.fixture
def week(session):
    """Two volunteers; one visit each this week (one at 00:30 local on Wednesday), one next week."""
    boss = factories.coordinator(session)
    chen_account, chen = factories.volunteer(session)
    _, li = factories.volunteer(session, "li", name="李明", phone="+8613900005678")
    monday = availability.week_start_of(clock.today())
    tz = get_settings().tz
    wednesday_early = datetime.combine(monday + timedelta(days=2), time(0, 30), tzinfo=tz)
    mine = visit(session, volunteers=[chen], starts_at=wednesday_early, resident_row=resident(session, name="王伯"),
                 status=VisitStatus.scheduled)
    other = visit(session, volunteers=[li], starts_at=wednesday_early + timedelta(hours=14),
                  resident_row=resident(session, name="赵姨"), status=VisitStatus.confirmed)
    later = visit(session, volunteers=[chen], starts_at=wednesday_early + timedelta(days=7, hours=10),
                  resident_row=resident(session, name="孙叔"), status=VisitStatus.scheduled)
    session.commit()
    return boss, chen_account, monday, (mine, other, later)


def after_heading(at, day):
    """What the page shows under a day's heading: its visits, or the caption that there are none."""
    set_locale("zh_CN")
    nodes = [node for _, node in sorted(at.main.children.items())]
    heading = next(i for i, n in enumerate(nodes)
                   if n.type == "markdown" and n.value.startswith("**" + format_short_date(day)))
    return nodes[heading + 1]


def shown(at) -> list[dict]:
    return [row for frame in at.dataframe for row in frame.value.to_dict("records")]


def test_a_coordinator_sees_every_visit_of_the_week_by_local_day_and_moves_between_weeks(session, week):
    boss, _, monday, _ = week
    at = open_as(boss)
    assert not at.exception
    assert at.title[0].value == "周日历"
    rows = shown(at)
    assert [(r["居民"], r["志愿者"], r["时间"]) for r in rows] == [("王伯", "陈静", "00:30-01:30"),
                                                                 ("赵姨", "李明", "14:30-15:30")]
    assert after_heading(at, monday + timedelta(days=1)).type == "caption"  # Tuesday: none (00:30 is Wednesday's)
    wednesday = after_heading(at, monday + timedelta(days=2))
    assert wednesday.type == "dataframe" and len(wednesday.value) == 2
    at.button(key="calendar_next").click().run()
    assert [r["居民"] for r in shown(at)] == ["孙叔"]
    at.button(key="calendar_previous").click().run()
    at.button(key="calendar_previous").click().run()
    assert shown(at) == []
    assert any(c.value == "本周 0 次探访" for c in at.caption)


def test_a_volunteer_sees_only_their_own_visits(session, week):
    _, chen, _, _ = week
    at = open_as(chen)
    assert not at.exception
    assert at.title[0].value == "我的一周"
    assert [r["居民"] for r in shown(at)] == ["王伯"]


def test_the_calendar_is_in_both_roles_navigation():
    from listening.models import Role
    from ui.shell import PAGES_BY_ROLE

    for role, section in ((Role.coordinator, "Requests"), (Role.volunteer, "My work")):
        assert [s.section for s in PAGES_BY_ROLE[role] if s.path == PAGE] == [section]
