"""The coordinator's request queue, through AppTest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from listening.core.config import get_settings
from listening.models import (
    Account,
    AuditEvent,
    Language,
    ListeningRequest,
    Mode,
    PartOfDay,
    RequestStatus,
    Resident,
    SameNumberDecision,
)
from listening.residents import intake
from listening.residents.intake import RequestForm
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def as_user(session, username: str, page: str = "pages/triage.py"):
    at = app_test(page)
    at.session_state["account"] = session.exec(select(Account).where(Account.username == username)).one()
    return at.run()


def a_request(session, *, phone="13812345678", topic="想聊聊", sms=False) -> int:
    form = RequestForm(display_name="测试居民", phone=phone, community_code="yuehai", mode=Mode.centre,
                       language=Language.mandarin, weekdays=[1], parts_of_day=[PartOfDay.morning], topic=topic,
                       sensitive_consent=True, sms_consent=sms)
    result = intake.submit(session, form=form, client_address="127.0.0.1", now=datetime.now(UTC))
    session.commit()
    return result.request.id


def test_the_coordinator_sees_the_open_requests_with_masked_phones(demo, session):
    open_count = len(session.exec(select(ListeningRequest).where(
        ListeningRequest.status.in_(intake.OPEN_REQUEST_STATUSES))).all())
    at = as_user(session, "coordinator")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == open_count > 0
    assert all("****" in phone for phone in table["电话"])


def test_a_volunteer_cannot_open_the_queue(demo, session):
    at = as_user(session, "volunteer")
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert not at.dataframe


def test_filters_narrow_the_queue(demo, session):
    request_id = a_request(session, topic="我不想活了")
    at = as_user(session, "coordinator")
    at.checkbox(key="triage_urgent").check().run()
    assert not at.exception
    ids = list(at.dataframe[0].value["编号"])
    assert request_id in ids
    urgent = session.exec(select(ListeningRequest).where(ListeningRequest.id.in_(ids))).all()
    assert all(r.urgency == 3 or r.risk_flag for r in urgent)


def test_opening_a_request_shows_its_history_and_cancelling_records_the_reason(demo, session):
    request_id = a_request(session)
    at = as_user(session, "coordinator")
    at.selectbox(key="triage_open").set_value(request_id).run()
    assert not at.exception
    assert "测试居民" in at.subheader[0].value
    history = at.dataframe[1].value
    assert list(history["事项"]) == ["收到申请"]
    session.rollback()  # end the test's read transaction to see what the page wrote
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "resident.details_viewed")).all()

    at.button(key="triage_cancel").click().run()  # no reason yet
    assert [e.value for e in at.error] == ["请说明原因。"]
    at.text_input(key="triage_cancel_reason").input("居民来电说不需要了")
    at.button(key="triage_cancel").click().run()
    assert not at.exception
    session.rollback()
    request = session.get(ListeningRequest, request_id)
    assert (request.status, request.cancel_reason) == (RequestStatus.cancelled, "居民来电说不需要了")


def test_a_coordinator_enters_a_request_on_behalf_with_verbal_consent(demo, session):
    at = as_user(session, "coordinator")
    at.text_input(key="behalf_name").input("黄伯")
    at.text_input(key="behalf_phone").input("0755 2666 8888")
    at.selectbox(key="behalf_community").set_value("nantou")
    at.radio(key="behalf_mode").set_value(Mode.phone)
    at.selectbox(key="behalf_language").set_value(Language.teochew)
    at.multiselect(key="behalf_weekdays").set_value([4])
    at.multiselect(key="behalf_parts").set_value([PartOfDay.afternoon])
    at.button(key="behalf_save").click().run()
    assert [e.value for e in at.error] == ["请确认居民已口头同意。"]
    at.checkbox(key="behalf_consent").check()
    at.button(key="behalf_save").click().run()
    assert not at.exception and not at.error
    session.rollback()
    resident = session.exec(select(Resident).where(Resident.phone == "+8675526668888")).one()
    assert resident.consent_verbal and resident.consent_recorded_by is not None


def test_a_same_number_request_has_a_badge_and_the_coordinator_merges_it(demo, session):
    original = a_request(session, phone="13700002222")
    duplicate = a_request(session, phone="13700002222", topic="别人填的")
    at = as_user(session, "coordinator")
    table = at.dataframe[0].value
    badges = dict(zip(table["编号"], table["号码相同"]))
    assert badges[duplicate] == f"与 #{original} 号码相同" and badges[original] == ""
    at.selectbox(key="triage_open").set_value(duplicate).run()
    assert not at.exception
    assert any(f"#{original}" in w.value and "号码相同" in w.value for w in at.warning)
    assert not any("未发送确认短信" in i.value for i in at.info)  # no SMS was asked for: nothing held
    at.button(key="triage_merge").click().run()
    assert not at.exception
    session.rollback()
    merged = session.get(ListeningRequest, duplicate)
    assert (merged.status, merged.same_number_decision) == (RequestStatus.cancelled, SameNumberDecision.merged)
    assert session.get(ListeningRequest, original).status == RequestStatus.new
    assert duplicate not in list(at.dataframe[0].value["编号"])


def test_a_held_confirmation_sms_says_why_on_the_request(demo, session, monkeypatch):
    monkeypatch.setattr(get_settings(), "intake_per_address_per_hour", 1)
    a_request(session, phone="13700003333", sms=True)
    held = a_request(session, phone="13700004444", sms=True)
    at = as_user(session, "coordinator")
    at.selectbox(key="triage_open").set_value(held).run()
    assert not at.exception
    assert any(i.value == "未发送确认短信：来自同一网络地址的申请太多。" for i in at.info)
