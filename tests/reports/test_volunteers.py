"""Attrition and time to a first session, on a small data set whose answers are known."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from listening import reports
from listening.core.config import get_settings
from listening.core.errors import InvalidInput
from listening.models import LeaveReason, VolunteerDeparture, VolunteerStatus
from tests import factories
from tests.rows_fetched import rows_fetched
from tests.supervision.helpers import held_session

_phones = iter(range(100, 999))


def volunteer(session, joined: date, *, status=VolunteerStatus.active):
    _, row = factories.volunteer(session, None, name=f"志愿者{joined}", phone=f"+8613900000{next(_phones)}")
    row.joined_on, row.status = joined, status
    session.add(row)
    session.flush()
    return row


def test_attrition_counts_who_left_per_month_and_why(session):
    coordinator = factories.coordinator(session)
    for left_on, reason in ((date(2026, 10, 2), LeaveReason.moved_away), (date(2026, 10, 31), LeaveReason.moved_away),
                            (date(2026, 10, 15), LeaveReason.no_time), (date(2026, 11, 1), LeaveReason.health),
                            (date(2026, 9, 30), LeaveReason.health)):  # before the period
        row = volunteer(session, date(2026, 1, 1), status=VolunteerStatus.left)
        session.add(VolunteerDeparture(volunteer_id=row.id, reason=reason, left_on=left_on))
    session.flush()
    frame = reports.attrition(session, actor=coordinator, start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert tuple(frame.columns) == reports.ATTRITION_COLUMNS
    assert frame.to_dict("records") == [
        {"month": date(2026, 10, 1), "reason": "moved_away", "left": 2},
        {"month": date(2026, 10, 1), "reason": "no_time", "left": 1},
        {"month": date(2026, 11, 1), "reason": "health", "left": 1},
    ]
    assert reports.attrition(session, actor=coordinator, start=date(2026, 12, 1), end=date(2026, 12, 31)).empty
    with pytest.raises(InvalidInput):
        reports.attrition(session, actor=coordinator, start=date(2026, 12, 1), end=date(2026, 11, 1))


def test_the_median_days_from_joining_to_a_first_held_session(session):
    coordinator = factories.coordinator(session)
    tz = get_settings().tz
    joined = date(2026, 9, 1)
    for wait in (10, 20, 40):
        row = volunteer(session, joined)
        first = datetime.combine(joined + timedelta(days=wait), time(0, 30), tzinfo=tz)  # 16:30 UTC the day before
        held_session(session, row, starts_at=first)
        held_session(session, row, starts_at=first - timedelta(days=wait - 1) + timedelta(days=60))  # a later one
    volunteer(session, joined)  # still waiting
    volunteer(session, joined, status=VolunteerStatus.left)  # left before listening: not waiting
    volunteer(session, date(2026, 8, 31))  # joined outside the period
    figures = reports.time_to_first_session(session, actor=coordinator, joined_from=joined,
                                            joined_to=date(2026, 9, 30))
    assert figures == reports.FirstSessionFigures(median_days=20.0, with_session=3, still_waiting=1)
    assert reports.time_to_first_session(session, actor=coordinator, joined_from=date(2025, 1, 1),
                                         joined_to=date(2025, 1, 31)) == reports.FirstSessionFigures(None, 0, 0)


def test_the_first_sessions_come_back_one_row_per_volunteer_however_many_sessions_they_held(session):
    """A year's joiners at district scale held 42,000 sessions: the first of each is found in SQL (min), so the
    report reads a row per volunteer, and the local day of 00:30 in Shanghai (16:30 UTC before) still counts."""
    coordinator = factories.coordinator(session)
    tz = get_settings().tz
    joined = date(2026, 9, 1)
    for wait in (3, 5):
        row = volunteer(session, joined)
        first = datetime.combine(joined + timedelta(days=wait), time(0, 30), tzinfo=tz)
        for k in range(6):
            held_session(session, row, starts_at=first + timedelta(days=7 * k))
    with rows_fetched(session) as fetched:
        figures = reports.time_to_first_session(session, actor=coordinator, joined_from=joined,
                                                joined_to=date(2026, 9, 30))
    assert figures == reports.FirstSessionFigures(median_days=4.0, with_session=2, still_waiting=0)
    assert [len(rows) for rows in fetched] == [2, 2]  # the two joiners, then their two first sessions (not twelve)
