"""The triage queue a page at a time: the pages together are the whole queue, and only a page's residents count
as viewed."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from listening.demo import seed_demo
from listening.models import Account, ResidentView
from listening.residents import triage


@pytest.fixture
def demo(session):
    seed_demo(session)
    session.commit()


def test_the_pages_together_are_the_queue_and_each_knows_the_total(demo, session):
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    whole = triage.open_requests(session, actor=coordinator)
    session.commit()
    size = 7
    pages = [triage.queue_page(session, actor=coordinator, page=n, page_size=size)
             for n in range(1, len(whole) // size + 2)]
    assert len(whole) > size and {p.total for p in pages} == {len(whole)}
    assert [r.id for p in pages for r in p.rows] == [r.id for r in whole]
    assert triage.queue_page(session, actor=coordinator, page=999, page_size=size).page == pages[-1].page


def test_only_the_residents_on_the_page_are_recorded_as_viewed(demo, session):
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    page = triage.queue_page(session, actor=coordinator, page=1, page_size=3)
    session.commit()
    viewed = session.exec(select(func.count()).select_from(ResidentView)
                          .where(ResidentView.viewer_id == coordinator.id)).one()
    assert page.total > 3 and len(page.rows) == 3 and viewed == 3
