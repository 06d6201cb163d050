"""A scam or misconduct report on the safeguarding page: its own label, the held visits, and the decision."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import HoldDecision, VolunteerHold
from listening.sms.inbound import handle_inbound
from tests import factories
from tests.factories.session_factories import coordinator
from tests.feedback.helpers import ABROAD, held_visit, resident
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def test_a_scam_report_has_its_own_label_and_the_coordinator_decides_on_the_hold(session):
    boss = coordinator(session)
    held_visit(session, who=resident(session), volunteer=factories.volunteer(session))
    handle_inbound(session, message_sid="SM-scam", from_phone=ABROAD, body="４，１")
    session.commit()
    hold = session.exec(select(VolunteerHold)).one()
    at = app_test("pages/safeguarding.py")
    at.session_state["account"] = boss
    at.run()
    assert not at.exception
    assert any("来源：居民反馈：诈骗或不当行为" in c.value for c in at.caption)
    assert any(w.value.startswith("诈骗或不当行为：") for w in at.warning)
    assert any("等待您决定而暂缓的探访：0" in m.value for m in at.markdown)
    at.selectbox(key=f"hold_{hold.id}").set_value(HoldDecision.release)
    at.button(key=f"decide_{hold.id}").click().run()
    assert not at.exception and not at.error
    session.rollback()
    session.expire_all()
    assert session.get(VolunteerHold, hold.id).decision == HoldDecision.release
    assert any("暂缓已于" in c.value for c in at.caption)
