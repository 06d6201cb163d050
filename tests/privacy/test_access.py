"""Need to know: a volunteer sees the full number and address from 24 h before to 24 h after their own visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.models import AuditEvent, Mode, ResidentView, VisitStatus
from listening.privacy import access
from listening.sessions.visits import my_visits
from tests import factories
from tests.factories import session_factories
from tests.factories.session_factories import NOW

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
STARTS = NOW + timedelta(days=3)
ENDS = STARTS + HOUR


@pytest.fixture
def home_visit(session):
    account, chen = factories.volunteer(session)
    resident = session_factories.resident(session, name="张阿姨")
    resident.address = "海月路 1 号"
    session_factories.visit(session, volunteers=[chen], starts_at=STARTS, mode=Mode.home, resident_row=resident,
                            status=VisitStatus.scheduled)
    return account, resident


def seen(session, account, now):
    upcoming, past = my_visits(session, actor=account, now=now)
    (item,) = upcoming + past
    return item


@pytest.mark.parametrize("now, full", [
    (STARTS - 24 * HOUR - SECOND, False),
    (STARTS - 24 * HOUR, True),
    (STARTS, True),
    (ENDS + 24 * HOUR, True),
    (ENDS + 24 * HOUR + SECOND, False),
])
def test_the_window_at_its_edges(session, home_visit, now, full):
    account, resident = home_visit
    visit_item = seen(session, account, now)
    if full:
        assert (visit_item.resident_phone, visit_item.address) == (resident.phone, "海月路 1 号")
    else:
        assert "*" in visit_item.resident_phone and visit_item.address is None
    contact_views = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).all()
    assert len(contact_views) == (1 if full else 0)


def test_the_window_34_days_before_is_closed(session, home_visit):
    account, _ = home_visit
    assert "*" in seen(session, account, STARTS - timedelta(days=34)).resident_phone


def test_someone_elses_visit_is_masked_and_a_cancelled_one_too(session, home_visit):
    account, resident = home_visit
    _, other = factories.volunteer(session, "li", name="李明", phone="+8613900005679")
    neighbour = session_factories.resident(session, name="王伯伯")
    theirs = session_factories.visit(session, volunteers=[other], starts_at=STARTS, resident_row=neighbour,
                                     status=VisitStatus.scheduled, mode=Mode.home)
    assert not access.may_see_contact(theirs, own=False, now=STARTS)
    masked = access.volunteer_contact(theirs, phone=neighbour.phone, address="海月路 2 号", own=False, now=STARTS)
    assert "*" in masked.phone and masked.address is None and not masked.full
    theirs.status = VisitStatus.cancelled
    assert not access.may_see_contact(theirs, own=True, now=STARTS)
    upcoming, past = my_visits(session, actor=account, now=STARTS)
    assert [v.resident_phone for v in upcoming + past] == [resident.phone]  # only their own visit


def test_the_address_is_only_for_a_home_visit(session):
    account, chen = factories.volunteer(session)
    resident = session_factories.resident(session)
    resident.address = "海月路 1 号"
    session_factories.visit(session, volunteers=[chen], starts_at=STARTS, mode=Mode.phone, resident_row=resident,
                            status=VisitStatus.scheduled)
    item = seen(session, account, STARTS)
    assert item.resident_phone == resident.phone and item.address is None


def test_reruns_within_ten_minutes_are_one_view(session, home_visit):
    account, resident = home_visit
    for minutes in (0, 3, 9):
        seen(session, account, STARTS + timedelta(minutes=minutes))
    assert len(session.exec(select(ResidentView)).all()) == 1
    seen(session, account, STARTS + timedelta(minutes=11))
    assert len(session.exec(select(ResidentView)).all()) == 2
