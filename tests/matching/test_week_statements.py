"""A week of matching and its proposals cost the same statements for five volunteers or fifty: nothing is read
once per volunteer (booked hours used to be)."""
# (week.py and proposals.py share test_proposals.py's builders; this module counts statements)

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from listening import sessions
from listening.matching import proposals, week
from listening.models import Mode
from listening.residents import lifecycle
from tests import factories
from tests.matching.test_proposals import NOW, TUE, WEEK, local, request, resident, volunteer


class Statements:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def add_volunteers(session, coordinator, mentor, n: int, first: int = 0):
    """`n` more certified volunteers, each proposed for one visit of the week, and `n` new requests besides."""
    people = []
    for i in range(first, first + n):
        person = volunteer(session, f"志愿者{i}", mentor=mentor, windows=((1, 9, 21), (3, 9, 21)))
        booked = request(session, resident(session), mode=Mode.phone, windows=((1, "evening"),))
        lifecycle.propose(session, actor=coordinator, request_id=booked.id, volunteer_ids=[person.id],
                          starts_at=local(TUE, 9 + i % 12) + timedelta(minutes=i // 12))
        request(session, resident(session), windows=((3, "evening"),))
        people.append(person)
    session.commit()
    return people


def statements_of_a_week(session, engine, coordinator) -> tuple[int, int, int, int]:
    with Statements(engine) as building:
        instance = week.build_instance(session, week_start=WEEK, now=NOW).instance
    with Statements(engine) as listing:
        listed = proposals.proposals(session, actor=coordinator, week_start=WEEK, now=NOW)
    return building.count, listing.count, len(instance.volunteers), len(listed)


def test_statements_do_not_grow_with_the_volunteers(session, engine):
    coordinator = factories.coordinator(session)
    mentor = volunteer(session, "导师", windows=())
    add_volunteers(session, coordinator, mentor, 5)
    building_5, listing_5, volunteers_5, proposed_5 = statements_of_a_week(session, engine, coordinator)
    add_volunteers(session, coordinator, mentor, 45, first=5)
    building_50, listing_50, volunteers_50, proposed_50 = statements_of_a_week(session, engine, coordinator)
    assert (volunteers_5, proposed_5, volunteers_50, proposed_50) == (5, 5, 50, 50)
    assert (building_50, listing_50) == (building_5, listing_5)
    assert listing_50 <= 10


def test_booked_hours_for_many_volunteers_are_each_one_s(session):
    coordinator = factories.coordinator(session)
    people = add_volunteers(session, coordinator, volunteer(session, "导师", windows=()), 5)
    together = sessions.booked_hours_by_volunteer(session, volunteer_ids=[p.id for p in people], week_start=WEEK)
    assert together == {p.id: sessions.booked_hours(session, volunteer_id=p.id, week_start=WEEK) for p in people}
    assert set(together.values()) == {1.0}  # a proposed hour counts as booked
    assert sessions.booked_hours_by_volunteer(session, volunteer_ids=[], week_start=WEEK) == {}
