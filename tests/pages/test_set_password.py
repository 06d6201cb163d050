"""The signed-out "Set your password" page, through AppTest: a one-time code sets a password, once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import Account, Volunteer
from listening.staff import auth, invites
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants
NEW_PASSWORD = "my own new password"


def code_for_the_invited_volunteer(session) -> str:
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    invited = session.exec(select(Volunteer).join(Account, Account.id == Volunteer.account_id)
                           .where(Account.username == "invited")).one()
    issued = invites.issue_code(session, actor=coordinator, volunteer_id=invited.id, by_sms=False)
    session.commit()
    return issued.code


def fill(at, *, login="invited", code, again=NEW_PASSWORD):
    at.text_input(key="set_login").input(login)
    at.text_input(key="set_code").input(code)
    at.text_input(key="set_password").input(NEW_PASSWORD)
    at.text_input(key="set_password_again").input(again)
    at.button[0].click().run()
    assert not at.exception
    return at


def open_page():
    at = app_test()
    at.run()
    at.switch_page("pages/set_password.py").run()
    assert not at.exception
    return at


def test_the_sign_in_page_links_to_it(demo):
    at = app_test()
    at.run()  # the welcome page, a resident's way in
    at.switch_page("pages/sign_in.py").run()
    assert any("有邀请码" in str(m.value) for m in at.markdown) or any(
        "有邀请码" in getattr(link, "label", "") for link in at.get("page_link"))


def test_an_invited_volunteer_sets_a_password_and_signs_in(demo, session):
    code = code_for_the_invited_volunteer(session)
    at = fill(open_page(), code=code)
    assert not at.error
    assert "密码已设置好" in at.success[0].value
    session.rollback()
    assert auth.authenticate(session, username="invited", password=NEW_PASSWORD)
    session.commit()
    signed_in = sign_in("invited", NEW_PASSWORD)
    signed_in.run()
    assert not signed_in.exception and not signed_in.error


def test_a_used_code_and_a_wrong_code_say_what_to_do(demo, session):
    code = code_for_the_invited_volunteer(session)
    fill(open_page(), code=code)
    again = fill(open_page(), code=code)
    assert "已使用过" in again.error[0].value and "协调员" in again.error[0].value
    wrong = fill(open_page(), code=f"{(int(code) + 1) % 10**8:08d}")
    assert "不匹配" in wrong.error[0].value


def test_different_passwords_are_refused(demo, session):
    code = code_for_the_invited_volunteer(session)
    at = fill(open_page(), code=code, again="not the same password")
    assert "不一致" in at.error[0].value
    assert not at.success
