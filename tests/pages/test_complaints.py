"""Complaints through AppTest: the public page (no account, a reference at once, the signed-out navigation) and
the coordinator's page (assign, close with an outcome)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from listening.models import Account, Complaint, ComplaintOutcome, ComplaintStatus, MessageKind, OutboundMessage
from listening.residents import complaints
from tests.factories.session_factories import coordinator
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def test_the_complaint_page_is_in_the_signed_out_navigation_beside_the_request_page(demo):
    at = app_test()
    at.run()
    at.switch_page("pages/complain.py").run()
    assert not at.exception
    assert at.title[0].value == "我要投诉"
    assert any("免费" in i.value for i in at.info)


def test_a_resident_sends_a_complaint_and_gets_a_reference(session):
    at = app_test("pages/complain.py").run()
    at.text_input(key="complaint_name").input("李阿姨")
    at.text_input(key="complaint_phone").input("13812345678")
    at.text_area(key="complaint_text").input("志愿者迟到了")
    at.checkbox(key="complaint_sms").check()
    at.button(key="complaint_send").click().run()
    assert not at.exception and not at.error
    reference = re.search(r"LHC-\d{4}", at.success[0].value).group(0)
    session.rollback()
    session.expire_all()
    stored = session.exec(select(Complaint)).one()
    assert f"LHC-{stored.id:04d}" == reference and stored.text == "志愿者迟到了"
    assert at.text_area(key="complaint_text").value == ""  # a fresh form: pressing again sends nothing twice
    assert session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.complaint_received)).one()


def test_a_complaint_without_text_or_number_is_refused_and_nothing_stored(session):
    at = app_test("pages/complain.py").run()
    at.button(key="complaint_send").click().run()
    assert not at.exception
    assert len(at.error) == 2 and not at.success
    session.rollback()
    session.expire_all()
    assert session.exec(select(Complaint)).first() is None


def test_a_coordinator_assigns_and_closes_a_complaint(session):
    boss = coordinator(session)
    sent = complaints.submit(session, form=complaints.ComplaintForm(phone="13812345678", text="<b>hi</b> **x**",
                                                                    sms_consent=True), client_address="203.0.113.9")
    session.commit()
    at = app_test("pages/complaints.py")
    at.session_state["account"] = boss
    at.run()
    assert not at.exception and at.title[0].value == "投诉"
    assert "<b>hi</b> **x**" in [t.value for t in at.text]  # the words shown inert
    at.selectbox(key=f"owner_{sent.id}").set_value(boss.id)
    at.button(key=f"assign_{sent.id}").click().run()
    assert not at.exception and not at.error
    session.rollback()
    session.expire_all()
    assert session.get(Complaint, sent.id).status == ComplaintStatus.in_progress
    at.selectbox(key=f"outcome_{sent.id}").set_value(ComplaintOutcome.upheld)
    at.button(key=f"close_{sent.id}").click().run()
    assert not at.exception and not at.error
    session.rollback()
    session.expire_all()
    assert session.get(Complaint, sent.id).outcome == ComplaintOutcome.upheld


def test_a_volunteer_cannot_open_complaints(demo, session):
    at = app_test("pages/complaints.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "volunteer")).one()
    at.run()
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]


def test_the_demo_centre_has_a_complaint_in_progress_and_one_closed(demo, session):
    at = app_test("pages/complaints.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at.run()
    assert not at.exception
    assert at.metric[0].value == "1" and at.expander


def test_words_of_danger_in_a_complaint_show_the_crisis_numbers_at_once(session):
    at = app_test("pages/complain.py").run()
    at.text_area(key="complaint_text").input("我不想活了").run()
    assert not at.exception
    assert any("危险" in e.value or "12356" in e.value or "热线" in e.value for e in at.error)
