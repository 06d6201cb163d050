"""The "My account" page, through AppTest, for both roles: the password changes with the current one."""

from __future__ import annotations

import pytest

from listening.demo import DEMO_PASSWORD
from listening.staff import auth
from tests.pages.conftest import sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants
NEW_PASSWORD = "another long password"


def open_page(username: str):
    at = sign_in(username)
    at.run()  # the page that follows the sign-in
    at.switch_page("pages/my_account.py").run()
    assert not at.exception
    return at


def change(at, *, current, new=NEW_PASSWORD, again=NEW_PASSWORD):
    at.text_input(key="current_password").input(current)
    at.text_input(key="new_password").input(new)
    at.text_input(key="new_password_again").input(again)
    at.button(key="FormSubmitter:change_password-修改密码").click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("username", ["coordinator", "volunteer"])
def test_each_role_changes_its_password(demo, session, username):
    at = open_page(username)
    assert at.title[0].value == "我的账号"
    assert any(username in m.value for m in at.markdown)
    at = change(at, current=DEMO_PASSWORD)
    assert not at.error
    assert "密码已修改" in at.success[0].value
    session.rollback()
    assert auth.authenticate(session, username=username, password=NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(demo, session):
    at = change(open_page("volunteer"), current="not my password")
    assert at.error[0].value == "当前密码不正确。"
    session.rollback()
    assert auth.authenticate(session, username="volunteer", password=DEMO_PASSWORD)
