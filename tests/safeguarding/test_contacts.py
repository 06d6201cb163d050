"""Who an escalation is about, looked up for many escalations at once: the same people as one at a time, in a
number of statements that does not grow with the number of escalations."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from listening import safeguarding
from listening.models import Escalation, EscalationSource, ListeningRequest, Mode
from listening.safeguarding import contacts
from tests import factories
from tests.factories.session_factories import NOW, coordinator, resident
from tests.safeguarding.test_escalation import _log


@contextmanager
def statements(session):
    """Counts the SQL statements the session's engine sends while the block runs."""
    seen = []
    engine = session.get_bind()

    def count(*_args) -> None:
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _escalations(session, account, volunteer, n: int, *, first_hour: int = 0) -> None:
    """n escalations from session logs and n from requests (the lead of the request's latest visit)."""
    for i in range(first_hour, first_hour + n):
        _log(session, account, volunteer, risks={"suicide"}, at=NOW - timedelta(hours=i))
        request = ListeningRequest(resident_id=resident(session).id, mode=Mode.phone, language="zh", topic="最近不想活")
        session.add(request)
        session.flush()
        safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"suicide"},
                                      request_id=request.id, now=NOW - timedelta(hours=i, minutes=5))
    session.commit()


@pytest.fixture
def duty(session):
    return coordinator(session, "duty", phone="+8613800000001")


def test_people_by_escalation_finds_who_people_of_finds(session, duty):
    account, volunteer = factories.volunteer(session)
    _escalations(session, account, volunteer, 3)
    rows = list(session.exec(select(Escalation)))
    everyone = contacts.people_by_escalation(session, rows)
    assert set(everyone) == {e.id for e in rows}
    for e in rows:
        one = contacts.people_of(session, e)
        batched = everyone[e.id]
        assert (batched.request_id, batched.resident, batched.volunteer) == (one.request_id, one.resident,
                                                                             one.volunteer)
    assert all(p.resident is not None and p.request_id is not None for p in everyone.values())
    assert any(p.volunteer is not None for p in everyone.values())
    assert contacts.people_by_escalation(session, []) == {}


def test_the_open_list_runs_as_many_statements_for_many_escalations_as_for_few(session, duty):
    account, volunteer = factories.volunteer(session)
    _escalations(session, account, volunteer, 2)
    safeguarding.open_escalations(session, actor=duty, now=NOW)  # the residents' first views are recorded
    session.commit()  # written, and nothing answered from the identity map: every row read again
    with statements(session) as few:
        assert len(safeguarding.open_escalations(session, actor=duty, now=NOW)) == 4
    _escalations(session, account, volunteer, 10, first_hour=2)
    safeguarding.open_escalations(session, actor=duty, now=NOW)
    session.commit()
    with statements(session) as many:
        assert len(safeguarding.open_escalations(session, actor=duty, now=NOW)) == 24
    assert len(many) == len(few)
