"""The public volunteer application page, through AppTest: a code by SMS, every problem beside its field, the
code of conduct read first, a reference and a fresh form after sending."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import (
    ApplicationStatus,
    DayKind,
    Gender,
    Language,
    MessageKind,
    OutboundMessage,
    PartOfDay,
    VolunteerApplication,
)
from listening.volunteers import vetting
from tests.pages.conftest import app_test
from tests.volunteers.test_applications import sent_code

pytestmark = pytest.mark.instant  # the code's expiry and the SMS's urgency are checked at the hard instants


def fill(at, *, phone="13800138000"):
    at.text_input(key="apply_name").input("周敏")
    at.radio(key="apply_gender").set_value(Gender.female)
    at.text_input(key="apply_phone").input(phone)
    at.selectbox(key="apply_community").set_value("yuehai")
    at.multiselect(key="apply_languages").set_value([Language.mandarin])
    at.multiselect(key="apply_days").set_value([DayKind.weekdays])
    at.multiselect(key="apply_parts").set_value([PartOfDay.evening])
    at.text_area(key="apply_motivation").input("我也曾被人倾听过。")
    return at.run()


def test_a_signed_out_visitor_finds_it_and_reads_the_code_of_conduct_first(demo):
    at = app_test()
    at.run()
    at.switch_page("pages/apply.py").run()
    assert not at.exception
    assert at.title[0].value == "成为倾听志愿者"
    page = " ".join(m.value for m in at.markdown)
    assert "钱" in page and "私人联系方式" in page  # never money, gifts or private contact
    assert all(f"{n}." in page for n in range(1, len(vetting.CODE_OF_CONDUCT) + 1))


def test_an_applicant_proves_the_number_and_applies(demo, session):
    at = fill(app_test("pages/apply.py").run())
    at.button(key="apply_send_code").click().run()
    assert not at.exception and not at.error
    assert "8000" in at.info[-1].value and "13800138000" not in at.info[-1].value
    session.rollback()
    at.text_input(key="apply_code").input(sent_code(session))
    at.checkbox(key="apply_conduct").check()
    at.checkbox(key="apply_consent").check()
    at.button(key="apply_submit").click().run()
    assert not at.exception and not at.error
    session.rollback()
    application = session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == "+8613800138000")).one()
    assert application.status == ApplicationStatus.submitted and application.motivation == "我也曾被人倾听过。"
    assert f"VA-{application.id:04d}" in at.success[0].value
    # a fresh form: nothing to send twice
    assert at.text_input(key="apply_name").value == "" and at.text_input(key="apply_code").value == ""
    assert at.checkbox(key="apply_consent").value is False


def test_every_problem_shows_beside_its_field_and_nothing_is_stored(demo, session):
    at = app_test("pages/apply.py").run()
    at.text_input(key="apply_name").input("周敏").run()
    at.button(key="apply_submit").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    # gender, phone, code, community, languages, days, parts, code of conduct, consent: all at once
    assert len(errors) == 9
    assert "9" in at.warning[0].value
    session.rollback()
    assert session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == "+8613800138000")).first() is None


def test_a_wrong_code_is_refused_beside_the_code(demo, session):
    at = fill(app_test("pages/apply.py").run())
    at.button(key="apply_send_code").click().run()
    session.rollback()
    code = sent_code(session)
    at.text_input(key="apply_code").input(f"{(int(code) + 1) % 10**8:08d}")
    at.checkbox(key="apply_conduct").check()
    at.checkbox(key="apply_consent").check()
    at.button(key="apply_submit").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "验证码" in at.error[0].value
    session.rollback()
    assert session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == "+8613800138000")).first() is None
    assert session.exec(select(OutboundMessage).where(
        OutboundMessage.kind == MessageKind.application_code)).one()


def test_a_landline_is_told_to_give_a_mobile(demo):
    at = fill(app_test("pages/apply.py").run(), phone="0755 8888 6666")
    at.button(key="apply_send_code").click().run()
    assert not at.exception
    assert any("手机" in e.value for e in at.error)
