"""Signals for the coordinator's review, each at its edge: just below the threshold nothing, at it a prompt."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from listening.core.config import get_settings
from listening.core.errors import NotAllowed
from listening.residents import signals
from listening.residents.signals import SignalKind
from tests import factories
from tests.factories.connection_factories import held_visit
from tests.factories.session_factories import NOW, coordinator
from tests.rows_fetched import rows_fetched

TODAY = date(2026, 3, 11)  # NOW's local day


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=get_settings().tz).astimezone(UTC)


@pytest.fixture
def people(session):
    boss = coordinator(session)
    _, chen = factories.volunteer(session)
    _, zhou = factories.volunteer(session, "zhou", name="周敏", phone="+8613900007777")
    resident = factories.resident(session, name="林阿姨", phone="+8613712340001", consented_at=NOW - timedelta(days=90))
    return boss, chen, zhou, resident


def kinds(session, boss, resident) -> dict[SignalKind, dict]:
    return {s.kind: s.figures for s in signals.signals(session, actor=boss, resident_ids=[resident.id], now=NOW)}


def on_days(session, resident, volunteer, days_ago: list[int], hour: int = 10, **kwargs):
    for n in days_ago:
        held_visit(session, resident=resident, volunteers=[volunteer], starts_at=local(TODAY - timedelta(days=n), hour),
                   **kwargs)


@pytest.mark.parametrize("recent, before, expected", [
    (3, 0, False),  # below the minimum of 4
    (4, 0, True),
    (4, 3, False),  # less than twice
    (6, 3, True),  # exactly twice
])
def test_rising_frequency_at_its_edges(session, people, recent, before, expected):
    boss, chen, zhou, resident = people
    # the recent window is today and the 27 days before; the earlier one the 28 days before that
    on_days(session, resident, chen, [0, 27, 5, 12, 19, 22][:recent])
    on_days(session, resident, zhou, [28, 55, 35, 40][:before])
    on_days(session, resident, zhou, [56])  # outside both windows
    found = kinds(session, boss, resident)
    assert (SignalKind.rising_frequency in found) == expected
    if expected:
        assert found[SignalKind.rising_frequency] == {"recent": recent, "before": before}


def test_night_sessions_from_21_to_7_local_and_at_least_two(session, people):
    boss, chen, _zhou, resident = people
    on_days(session, resident, chen, [3], hour=20)  # 20:00 is evening, not night
    held_visit(session, resident=resident, volunteers=[chen], starts_at=local(TODAY - timedelta(days=9), 20, 59))
    held_visit(session, resident=resident, volunteers=[chen], starts_at=local(TODAY - timedelta(days=10), 7))
    held_visit(session, resident=resident, volunteers=[chen], starts_at=local(TODAY - timedelta(days=5), 21))
    assert SignalKind.night_sessions not in kinds(session, boss, resident)
    held_visit(session, resident=resident, volunteers=[chen], starts_at=local(TODAY - timedelta(days=6), 6, 59))
    assert kinds(session, boss, resident)[SignalKind.night_sessions] == {"n": 2}


def test_insisting_on_one_volunteer_needs_five_sessions_eighty_percent_and_the_wish(session, people):
    boss, chen, zhou, resident = people
    on_days(session, resident, chen, [40, 30, 20, 10])
    on_days(session, resident, zhou, [50])
    on_days(session, resident, chen, [2], wants_same_volunteer=True)  # newest: 5 of 6 with chen (83%)
    figures = kinds(session, boss, resident)[SignalKind.one_volunteer]
    assert (figures["share"], figures["n"], figures["name"]) == (83, 6, "陈静")


def test_seventy_five_percent_or_no_wish_is_no_signal(session, people):
    boss, chen, zhou, resident = people
    on_days(session, resident, chen, [40, 30, 20])
    on_days(session, resident, zhou, [50])
    on_days(session, resident, chen, [2], wants_same_volunteer=True)
    assert SignalKind.one_volunteer in kinds(session, boss, resident)  # 4 of 5: exactly 80%
    on_days(session, resident, zhou, [60])
    on_days(session, resident, chen, [1], wants_same_volunteer=True)  # 5 of 7 = 71%
    assert SignalKind.one_volunteer not in kinds(session, boss, resident)


def test_four_sessions_are_too_few_and_without_the_wish_nothing(session, people):
    boss, chen, _zhou, resident = people
    on_days(session, resident, chen, [30, 20, 10, 2], wants_same_volunteer=True)
    assert SignalKind.one_volunteer not in kinds(session, boss, resident)
    on_days(session, resident, chen, [1], wants_same_volunteer=False)  # five, but the newest request did not ask
    assert SignalKind.one_volunteer not in kinds(session, boss, resident)


@pytest.mark.parametrize("note, expected", [
    ("她说每个月花钱找秒回师聊天。", True),
    ("以前用过付費陪聊，花了不少钱。", True),  # traditional characters
    ("晚上和 AI 伴侣说话到很晚。", True),
    ("She pays for an AI companion app every month.", True),
    ("女儿很快就回了消息，她很开心。", False),
    ("Talked about her companion dog.", False),
])
def test_paid_companionship_in_a_note(session, people, note, expected):
    boss, chen, _zhou, resident = people
    on_days(session, resident, chen, [3], note=note)
    found = kinds(session, boss, resident)
    assert (SignalKind.paid_companionship in found) == expected
    if expected:
        assert found[SignalKind.paid_companionship] == {"n": 1}  # a count, never the words


def test_a_mention_older_than_eight_weeks_is_no_signal(session, people):
    boss, chen, _zhou, resident = people
    on_days(session, resident, chen, [57], note="她说在用秒回师。")
    assert kinds(session, boss, resident) == {}


def test_only_coordinators_see_signals_and_all_residents_at_once(session, people):
    boss, chen, _zhou, resident = people
    other = factories.resident(session, name="周伯", phone="+8613712340002", consented_at=NOW - timedelta(days=90))
    on_days(session, other, chen, [3], note="他说花钱找陪聊。")
    on_days(session, resident, chen, [4], note="她在用 AI伴侣。")
    found = signals.signals(session, actor=boss, now=NOW)
    assert [(s.resident_name, s.kind) for s in found] == [("周伯", SignalKind.paid_companionship),
                                                          ("林阿姨", SignalKind.paid_companionship)]
    account, _ = factories.volunteer(session, "third", name="赵强", phone="+8613900008888")
    with pytest.raises(NotAllowed):
        signals.signals(session, actor=account, now=NOW)


def test_only_residents_who_came_often_are_read_for_the_one_volunteer_signal(session, people):
    """A district has tens of thousands of sessions in half a year: the residents with five visits are picked in
    SQL, and only their sessions come back to be counted."""
    boss, chen, zhou, resident = people
    on_days(session, resident, chen, [40, 30, 20, 10])
    on_days(session, resident, chen, [2], wants_same_volunteer=True)
    for n in range(6):  # one or two sessions each: never the signal, never read
        other = factories.resident(session, name=f"居民{n}", phone=f"+861371234100{n}",
                                   consented_at=NOW - timedelta(days=90))
        on_days(session, other, zhou, [3, 9][: 1 + n % 2], wants_same_volunteer=True)
    with rows_fetched(session) as fetched:
        found = signals.one_volunteer(session, now=NOW)
    assert [(s.resident_id, s.figures["n"]) for s in found] == [(resident.id, 5)]
    assert len(fetched[0]) == 5  # the five sessions of the one resident who came often
