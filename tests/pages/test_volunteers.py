"""The coordinators' volunteer list, through AppTest: communities and languages in words, each volunteer's
account, and the invite button."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import Account, AccountInvite, Language, MessageKind, OutboundMessage, Volunteer
from tests import factories
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def open_page():
    at = sign_in("coordinator")
    at.run()  # the page that follows the sign-in
    at.switch_page("pages/volunteers.py").run()
    assert not at.exception
    return at


def test_the_list_shows_who_has_an_account_and_who_is_invited(demo):
    at = open_page()
    column = list(at.dataframe[0].value["账号"])
    assert "已有账号 · volunteer" in column
    assert "已邀请，验证码尚未使用 · invited" in column
    assert column.count("无账号（仅短信）") >= 30


def test_the_suggested_username_follows_the_chosen_volunteer(demo, session):
    at = open_page()
    first, second = session.exec(select(Volunteer).where(Volunteer.account_id.is_(None))
                                 .order_by(Volunteer.full_name).limit(2)).all()
    at.selectbox(key="account_volunteer").set_value(first.id).run()
    at.selectbox(key="account_volunteer").set_value(second.id).run()
    assert at.text_input(key=f"invite_username_{second.id}").value == f"volunteer{second.id}"


def test_the_invite_button_makes_an_account_and_sends_the_code_by_sms(demo, session):
    at = open_page()
    chosen = session.exec(select(Volunteer).where(Volunteer.account_id.is_(None)).order_by(Volunteer.full_name)).first()
    at.selectbox(key="account_volunteer").set_value(chosen.id).run()
    at.text_input(key=f"invite_username_{chosen.id}").input("newvolunteer").run()
    at.button(key="invite_button").click().run()
    assert not at.exception and not at.error
    assert any("正在发送给 newvolunteer" in s.value for s in at.success)
    session.rollback()
    account = session.exec(select(Account).where(Account.username == "newvolunteer")).one()
    assert session.get(Volunteer, chosen.id).account_id == account.id
    assert session.exec(select(AccountInvite).where(AccountInvite.account_id == account.id)).one()
    sms = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.account_invite)).one()
    assert sms.to_phone == chosen.phone and "newvolunteer" in sms.body


def test_a_code_shown_for_printing_appears_once(demo, session):
    at = open_page()
    invited = session.exec(select(Volunteer).join(Account, Account.id == Volunteer.account_id)
                           .where(Account.username == "invited")).one()
    at.selectbox(key="account_volunteer").set_value(invited.id).run()
    at.radio(key="code_by_sms").set_value(False).run()
    at.button(key="code_button").click().run()
    assert not at.exception and not at.error
    shown = [i.value for i in at.info if "一次性验证码" in i.value]
    assert len(shown) == 1 and "invited" in shown[0]
    at.run()
    assert not [i.value for i in at.info if "一次性验证码" in i.value]  # gone after the next rerun


@pytest.mark.parametrize("lang, community, languages, caption", [
    ("zh_CN", "蛇口街道", "普通话、粤语和客家话", "共 1 名志愿者"),
    ("en", "Shekou", "Mandarin, Cantonese, and Hakka", "1 volunteer"),
])
def test_volunteers_show_community_names_and_languages_in_words(session, lang, community, languages, caption):
    coordinator = factories.coordinator(session)
    factories.volunteer(session, "chen", community_code="shekou",
                        languages=(Language.mandarin, Language.cantonese, Language.hakka))
    session.commit()
    at = app_test("pages/volunteers.py")
    at.session_state["account"] = coordinator
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception
    row = at.dataframe[0].value.iloc[0]
    assert (row.iloc[2], row.iloc[3]) == (community, languages)
    assert "shekou" not in at.dataframe[0].value.to_csv()
    assert caption in [c.value for c in at.caption]
