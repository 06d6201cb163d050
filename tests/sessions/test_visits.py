"""A volunteer's own visits: contact details only for their upcoming live visits, and reading them is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.errors import NotAllowed
from listening.models import AuditEvent, Mode, VisitStatus
from listening.sessions.visits import my_visits
from tests import factories
from tests.factories import session_factories
from tests.factories.session_factories import NOW


def test_upcoming_visits_show_the_contact_past_ones_mask_it(session):
    account, chen = factories.volunteer(session)
    _, other = factories.volunteer(session, "li", name="李明", phone="+8613900005678")
    home = session_factories.resident(session, name="张阿姨")
    home.address = "海月路 1 号"
    coming = session_factories.visit(session, volunteers=[chen], starts_at=NOW + timedelta(days=1), mode=Mode.home,
                                     resident_row=home, status=VisitStatus.scheduled)
    done = session_factories.visit(session, volunteers=[chen], starts_at=NOW - timedelta(days=3),
                                   status=VisitStatus.completed)
    session_factories.visit(session, volunteers=[other], starts_at=NOW + timedelta(days=1))  # not theirs
    session_factories.visit(session, volunteers=[chen], starts_at=NOW - timedelta(days=90))  # too long ago
    upcoming, past = my_visits(session, actor=account, now=NOW)
    assert [v.visit_id for v in upcoming] == [coming.id] and [v.visit_id for v in past] == [done.id]
    assert upcoming[0].resident_phone == home.phone and upcoming[0].address == "海月路 1 号"
    assert "*" in past[0].resident_phone and past[0].address is None
    viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).one()
    assert (viewed.entity_id, viewed.details) == (str(home.id), {"context": "my_visits"})


def test_a_cancelled_visit_reveals_nothing_and_a_coordinator_has_no_visits_of_their_own(session):
    account, chen = factories.volunteer(session)
    session_factories.visit(session, volunteers=[chen], starts_at=NOW + timedelta(days=1),
                            status=VisitStatus.cancelled)
    upcoming, past = my_visits(session, actor=account, now=NOW)
    assert upcoming == [] and "*" in past[0].resident_phone
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "resident.contact_viewed")).all() == []
    with pytest.raises(NotAllowed):
        my_visits(session, actor=factories.coordinator(session), now=NOW)
