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


def open_row(at, request_id: int):
    """Select the request's row in the queue, as a click on it does."""
    table = at.dataframe[0]
    row = list(table.value["编号"]).index(request_id)
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
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
    open_row(at, request_id)
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
    open_row(at, duplicate)
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
    open_row(at, held)
    assert not at.exception
    assert any(i.value == "未发送确认短信：来自同一网络地址的申请太多。" for i in at.info)


def test_urgency_reads_as_words_and_the_times_as_days_and_parts_of_the_day(demo, session):
    request_id = a_request(session, topic="我不想活了")
    at = as_user(session, "coordinator")
    table = at.dataframe[0].value
    urgency = dict(zip(table["编号"], table["紧急程度"]))
    assert urgency[request_id].startswith("🆘 风险")  # risk words: first, whatever the number says
    assert set(urgency.values()) <= {f"{m} {w}" for m, w in (("🔴", "紧急"), ("🟠", "较急"), ("⚪", "一般"))} | {
        u for u in urgency.values() if u.startswith("🆘")}
    times = dict(zip(table["编号"], table["方便时间"]))
    assert times[request_id] == "周二：上午"


def test_search_by_a_name_part_or_any_part_of_the_phone_number(demo, session):
    mine = a_request(session, phone="13912345678")
    at = as_user(session, "coordinator")
    for typed in ("测试居", "5678", "139 1234", "+86 139-1234-5678", "１３９１２３４５６７８"):
        at.text_input(key="triage_search").input(typed).run()
        assert not at.exception
        assert mine in list(at.dataframe[0].value["编号"]), typed
        assert all("测试居民" in name or phone.endswith("5678")
                   for name, phone in zip(at.dataframe[0].value["姓名"], at.dataframe[0].value["电话"])), typed
    at.text_input(key="triage_search").input("nobody-like-this").run()
    assert at.dataframe[0].value.empty
    assert any(c.value.startswith("0 个未结申请") for c in at.caption)


def test_a_selected_row_sets_the_deep_link_and_the_deep_link_selects_the_row(demo, session):
    request_id = a_request(session)
    at = open_row(as_user(session, "coordinator"), request_id)
    assert at.query_params["request"] == str(request_id)
    assert "测试居民" in at.subheader[0].value

    at = app_test("pages/triage.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at.query_params["request"] = str(request_id)
    at.run()
    assert not at.exception
    assert f"#{request_id}" in at.subheader[0].value


def test_the_queue_shows_one_page_and_counts_them_all(demo, session, monkeypatch):
    from listening.residents import triage

    monkeypatch.setattr(triage, "PAGE_SIZE", 2)
    total = len(session.exec(select(ListeningRequest).where(
        ListeningRequest.status.in_(intake.OPEN_REQUEST_STATUSES))).all())
    at = as_user(session, "coordinator")
    assert len(at.dataframe[0].value) == 2 < total
    assert any(c.value.startswith(f"{total} 个未结申请") for c in at.caption)
    first = list(at.dataframe[0].value["编号"])
    at.number_input(key="triage_page").set_value(2).run()
    assert not at.exception
    assert not set(first) & set(at.dataframe[0].value["编号"])
