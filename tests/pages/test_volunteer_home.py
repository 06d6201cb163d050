"""The volunteer's home: visits to log, and numbers to tap only inside the contact window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from listening.core import clock, phones
from listening.models import Account, VisitStatus
from tests import factories
from tests.factories.session_factories import resident, visit
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def open_as(account: Account, page: str = "pages/volunteer_home.py", **query):
    at = app_test(page)
    at.session_state["account"] = account
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.run()


def test_a_held_visit_without_a_log_is_prompted_with_a_link_to_log_it(session):
    account, chen = factories.volunteer(session)
    now = clock.now().replace(second=0, microsecond=0)
    held = visit(session, volunteers=[chen], starts_at=now - timedelta(days=2), resident_row=resident(session, name="王伯"))
    visit(session, volunteers=[chen], starts_at=now - timedelta(days=3), status=VisitStatus.cancelled)
    visit(session, volunteers=[chen], starts_at=now + timedelta(days=2), status=VisitStatus.scheduled)
    session.commit()
    at = open_as(account)
    assert not at.exception
    assert any(m.value == "**有 1 次探访等待填写记录**" for m in at.markdown)
    links = [m.value for m in at.markdown if "log-session" in m.value]
    assert links == [f"[记录这次探访](/log-session?visit={held.id}&lang=zh_CN)"]

    log = open_as(account, "pages/log_session.py", visit=held.id)
    assert not log.exception
    assert log.selectbox(key="log_visit").value == held.id


def test_the_number_is_a_tel_link_only_inside_the_contact_window(session):
    account, chen = factories.volunteer(session)
    now = clock.now().replace(second=0, microsecond=0)
    near, far = resident(session, name="近阿姨"), resident(session, name="远阿姨")
    visit(session, volunteers=[chen], starts_at=now + timedelta(hours=5), resident_row=near,
          status=VisitStatus.scheduled)
    visit(session, volunteers=[chen], starts_at=now + timedelta(days=3), resident_row=far,
          status=VisitStatus.confirmed)
    session.commit()
    at = open_as(account)
    assert not at.exception
    lines = {m.value.split(" · ")[0]: m.value for m in at.markdown if m.value.startswith("居民：")}
    assert lines["居民：近阿姨"] == f"居民：近阿姨 · [📞 {phones.display(near.phone)}](tel:{near.phone})"
    assert "tel:" not in lines["居民：远阿姨"] and far.phone not in lines["居民：远阿姨"]
    assert phones.mask(far.phone)[-4:] in lines["居民：远阿姨"]
