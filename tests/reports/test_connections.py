"""Residents connected to an activity and still going after six weeks, checked against a small known data set."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from listening import reports
from listening.core.errors import InvalidInput, NotAllowed
from listening.models import ActivityKind, FollowUpAnswer
from listening.reports.connections import NO_ANSWERS_YET, NO_SUGGESTIONS
from tests import factories
from tests.factories.connection_factories import activity, held_visit, suggestion
from tests.factories.session_factories import NOW, coordinator

WENT, NOT, UNKNOWN = FollowUpAnswer.went, FollowUpAnswer.not_went, FollowUpAnswer.unknown
START, END = date(2026, 1, 1), date(2026, 1, 31)


@pytest.fixture
def centre(session):
    boss = coordinator(session)
    _, chen = factories.volunteer(session)
    chess = activity(session, boss)
    choir = activity(session, boss, name="社区合唱团", kind=ActivityKind.class_)
    residents = [factories.resident(session, name=f"居民{n}", phone=f"+86137123400{n:02d}",
                                    consented_at=NOW - timedelta(days=200)) for n in range(6)]

    def give(resident, what, on, answers=None):
        visit = held_visit(session, resident=resident, volunteers=[chen], starts_at=NOW - timedelta(days=60))
        return suggestion(session, resident=resident, activity_row=what, volunteer=chen, visit=visit, on=on,
                          answers=answers, recorded_by=boss)

    # In January: r0 went and still goes (chess); r1 went at two weeks, stopped by six (chess) and was given the
    # choir too, where they still go; r2 did not go; r3 unknown at two weeks, went by six (choir); r4 not asked yet.
    give(residents[0], chess, date(2026, 1, 3), {2: WENT, 6: WENT})
    give(residents[1], chess, date(2026, 1, 10), {2: WENT, 6: NOT})
    give(residents[1], choir, date(2026, 1, 31), {2: WENT, 6: WENT})
    give(residents[2], chess, date(2026, 1, 1), {2: NOT})
    give(residents[3], choir, date(2026, 1, 20), {2: UNKNOWN, 6: WENT})
    give(residents[4], chess, date(2026, 1, 25))
    # Outside the period on both sides: not counted.
    give(residents[5], chess, date(2025, 12, 31), {2: WENT, 6: WENT})
    give(residents[5], chess, date(2026, 2, 1), {2: WENT})
    return boss


def test_the_figures_of_a_known_month(session, centre):
    found = reports.connection_figures(session, actor=centre, start=START, end=END)
    assert (found.suggestions, found.residents_suggested, found.residents_connected,
            found.residents_still_attending) == (6, 5, 3, 3)  # connected: r0, r1, r3; still: r0, r1 (choir), r3
    assert found.follow_ups_recorded == 9
    assert found.empty_reason is None
    by_kind = found.by_kind.set_index("kind").to_dict("index")
    assert by_kind == {"class": {"residents": 2, "went": 2, "still_attending": 2},
                       "dazi_group": {"residents": 4, "went": 2, "still_attending": 1}}


def test_an_empty_period_says_why(session, centre):
    empty = reports.connection_figures(session, actor=centre, start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert (empty.suggestions, empty.residents_connected, empty.empty_reason) == (0, 0, NO_SUGGESTIONS)
    assert empty.by_kind.empty
    waiting = reports.connection_figures(session, actor=centre, start=date(2026, 1, 25), end=date(2026, 1, 25))
    assert (waiting.suggestions, waiting.follow_ups_recorded, waiting.empty_reason) == (1, 0, NO_ANSWERS_YET)


def test_only_coordinators_and_a_sane_period(session, centre):
    account, _ = factories.volunteer(session, "other", name="赵强", phone="+8613900008888")
    with pytest.raises(NotAllowed):
        reports.connection_figures(session, actor=account, start=START, end=END)
    with pytest.raises(InvalidInput):
        reports.connection_figures(session, actor=centre, start=END, end=START)
