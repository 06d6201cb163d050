"""The public request page, through AppTest: no sign-in, consent first, crisis help at once."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from listening.models import Escalation, Language, ListeningRequest, Mode, PartOfDay, RequestSource, Resident
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def fill(at, *, phone="13812345678", topic="想聊聊家里的事"):
    at.text_input(key="request_name").input("李阿姨")
    at.text_input(key="request_phone").input(phone)
    at.selectbox(key="request_community").set_value("yuehai")
    at.radio(key="request_mode").set_value(Mode.phone)
    at.selectbox(key="request_language").set_value(Language.cantonese)
    at.multiselect(key="request_weekdays").set_value([0, 2])
    at.multiselect(key="request_parts").set_value([PartOfDay.morning])
    at.text_area(key="request_topic").input(topic)
    return at.run()


def test_the_page_is_public_and_says_it_is_free(demo):
    at = app_test()
    at.run()
    at.switch_page("pages/request.py").run()
    assert not at.exception
    assert at.title[0].value == "申请一小时倾听"
    assert any("免费" in i.value and "钱" in i.value for i in at.info)
    consent = [c.label for c in at.checkbox]
    assert any("必填" in c for c in consent) and any("可选" in c for c in consent)


def test_a_resident_sends_a_request(demo, session):
    at = fill(app_test("pages/request.py").run())
    at.checkbox(key="request_sensitive_consent").check()
    at.checkbox(key="request_sms_consent").check()
    at.button(key="request_send").click().run()
    assert not at.exception
    assert not at.error
    assert "收到" in at.success[0].value
    session.rollback()  # end the test's read transaction to see what the page wrote
    resident = session.exec(select(Resident).where(Resident.phone == "+8613812345678")).one()
    request = session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)).one()
    assert (request.mode, request.language, request.source) == (Mode.phone, Language.cantonese, RequestSource.online)
    assert resident.sms_consent_at is not None



def answer(at) -> list[tuple[str, str]]:
    """Everything the page says after sending, in order (which kinds of message and their words)."""
    return ([("success", e.value) for e in at.success] + [("info", e.value) for e in at.info]
            + [("warning", e.value) for e in at.warning] + [("error", e.value) for e in at.error])


def without_reference(at) -> list[tuple[str, str]]:
    return [(kind, re.sub(r"LH-\d+", "LH-…", text)) for kind, text in answer(at)]


def send(phone, *, sms=True):
    at = fill(app_test("pages/request.py").run(), phone=phone)
    at.checkbox(key="request_sensitive_consent").check()
    if sms:
        at.checkbox(key="request_sms_consent").check()
    at.button(key="request_send").click().run()
    assert not at.exception
    return at


def test_the_answer_is_the_same_whether_or_not_the_number_is_known(demo, session):
    first = send("13700001234")  # unknown until now
    second = send("13700001234")  # another browser, the same number: now known
    fresh = send("13700005678")  # unknown
    # Each request has a reference of its own; the rest of the answer is the same, word for word.
    assert without_reference(first) == without_reference(second) == without_reference(fresh)
    assert "收到" in first.success[0].value
    assert not any("已有" in text or "更新" in text for _, text in answer(second))
    session.rollback()
    resident = session.exec(select(Resident).where(Resident.phone == "+8613700001234")).one()
    requests = session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)
                            .order_by(ListeningRequest.id)).all()
    assert [r.same_number_as_id for r in requests] == [None, requests[0].id]


def test_a_landline_is_accepted_without_text_messages_and_the_page_says_the_centre_will_call(demo, session):
    at = send("0755 2666 1234", sms=False)
    assert not at.error
    assert "收到" in at.success[0].value
    assert any("电话" in i.value and "提醒" in i.value for i in at.info)
    session.rollback()
    assert session.exec(select(Resident).where(Resident.phone == "+8675526661234")).one().sms_consent_at is None


def test_a_landline_with_text_messages_is_refused_clearly(demo, session):
    at = send("0755 2666 5678", sms=True)
    assert not at.success
    assert any("手机" in e.value and "短信" in e.value for e in at.error)


def test_without_consent_nothing_is_sent(demo, session):
    before = len(session.exec(select(ListeningRequest)).all())
    at = fill(app_test("pages/request.py").run(), phone="13912340000")
    at.button(key="request_send").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["没有您对使用这些信息的同意，我们无法受理申请。"]
    assert at.checkbox(key="request_sensitive_consent").value is False  # nothing typed was lost
    assert at.text_input(key="request_name").value == "李阿姨"
    session.rollback()
    assert len(session.exec(select(ListeningRequest)).all()) == before


def test_a_bad_phone_number_gets_a_clear_message(demo):
    at = fill(app_test("pages/request.py").run(), phone="12345")
    at.checkbox(key="request_sensitive_consent").check()
    at.button(key="request_send").click().run()
    assert not at.exception
    assert "12345" in at.error[0].value


def test_crisis_help_appears_as_soon_as_risk_words_are_typed(demo):
    at = app_test("pages/request.py").run()
    assert not any("12356" in e.value for e in at.error)
    at.text_area(key="request_topic").input("最近总觉得不想活了").run()
    assert not at.exception
    assert any("12356" in e.value and "110" in e.value and "120" in e.value for e in at.error)
    at.text_area(key="request_topic").input("I want to kill myself").run()
    assert any("12356" in e.value for e in at.error)


def test_zero_width_characters_in_the_form_do_not_hide_risk_words(demo, session):
    at = fill(app_test("pages/request.py").run(), phone="13700009876", topic="我不\u200b想\u200b活了")
    assert any("12356" in e.value for e in at.error)  # crisis help at once, before sending
    at.checkbox(key="request_sensitive_consent").check()
    at.button(key="request_send").click().run()
    assert not at.exception
    session.rollback()
    resident = session.exec(select(Resident).where(Resident.phone == "+8613700009876")).one()
    request = session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)).one()
    assert (request.topic, request.risk_flag, request.urgency) == ("我不想活了", True, 3)
    assert session.exec(select(Escalation).where(Escalation.request_id == request.id)).one()


def in_page_order(at) -> list:
    """Every element of the main area in the order the page shows them."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    return [node for node in walk(at.main) if getattr(node, "type", None) not in (None, "block")]


def test_after_sending_the_page_gives_a_reference_and_the_next_step_and_a_fresh_form(demo, session):
    at = send("13700004321")
    assert not at.error
    session.rollback()
    resident = session.exec(select(Resident).where(Resident.phone == "+8613700004321")).one()
    request = session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)).one()
    assert f"LH-{request.id:04d}" in at.success[0].value
    assert any("2 个工作日内" in m.value and "0755-2666-0000" in m.value for m in at.markdown)
    # a fresh form: every field empty again, the consents unticked
    assert at.text_input(key="request_name").value == "" and at.text_input(key="request_phone").value == ""
    assert at.selectbox(key="request_community").value is None and at.radio(key="request_mode").value is None
    assert at.multiselect(key="request_weekdays").value == [] and at.text_area(key="request_topic").value == ""
    assert at.checkbox(key="request_sensitive_consent").value is False

    at.button(key="request_send").click().run()  # pressing again sends nothing and says nothing was sent
    assert not at.exception
    assert not at.success and not any("更新" in text for _, text in answer(at))
    assert at.error and any("尚未发送" in w.value for w in at.warning)
    session.rollback()
    assert len(session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)).all()) == 1


def test_every_problem_is_shown_at_once_each_under_its_field(demo):
    at = app_test("pages/request.py").run()
    at.button(key="request_send").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == ["请告诉我们您的姓名或称呼。", "请输入电话号码。", "请选择您所在的社区。", "请选择交谈方式。",
                      "请选择语言或方言。", "请选择您方便的星期几或具体日期。", "请至少选择一个时段。",
                      "没有您对使用这些信息的同意，我们无法受理申请。"]
    order = in_page_order(at)
    for key in ("request_name", "request_phone", "request_community", "request_mode", "request_language",
                "request_dates", "request_parts", "request_sensitive_consent"):
        widget = next(i for i, node in enumerate(order) if getattr(node, "key", None) == key)
        assert order[widget + 1].type == "error", key
    assert any("8 项" in w.value for w in at.warning)  # and a word beside the button, where the person is

    at.text_input(key="request_name").input("李阿姨").run()  # a field corrected loses its message at once
    assert "请告诉我们您的姓名或称呼。" not in [e.value for e in at.error]
    assert len(at.error) == 7


def test_a_long_paste_is_kept_and_the_length_problem_shown_beside_the_box(demo, session):
    at = app_test("pages/request.py").run()
    assert at.text_area(key="request_topic").proto.max_chars > 1000  # the browser keeps a long paste
    pasted = "我想聊聊我家里的事情。" * 40  # 440 characters
    at = fill(at, phone="13700007777", topic=pasted)
    assert at.text_area(key="request_topic").value == pasted
    order = in_page_order(at)
    box = next(i for i, node in enumerate(order) if getattr(node, "key", None) == "request_topic")
    assert "300" in order[box + 1].value and "440" in order[box + 2].value  # the error, then the count
    at.checkbox(key="request_sensitive_consent").check()
    at.button(key="request_send").click().run()
    assert not at.success
    assert at.text_area(key="request_topic").value == pasted  # still there to shorten
    session.rollback()
    assert session.exec(select(Resident).where(Resident.phone == "+8613700007777")).first() is None
