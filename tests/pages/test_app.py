"""Sign-in, role navigation and languages, through the real app script with AppTest."""

from __future__ import annotations

import pytest

from listening.core.config import get_settings
from listening.models import Account, Role
from tests.pages.conftest import app_test, sign_in
from ui import shell


def test_signed_out_visitors_see_the_sign_in_page_in_chinese(demo):
    at = app_test().run()
    at.switch_page("pages/sign_in.py").run()  # the welcome page comes first (tests/pages/test_welcome.py)
    assert not at.exception
    assert at.title[0].value == "倾听一小时"
    assert at.button[0].label == "登录"


def test_demo_accounts_are_listed_only_in_demo_mode(demo, monkeypatch):
    at = app_test().run()
    at.switch_page("pages/sign_in.py").run()
    assert not any("演示账号" in e.label for e in at.expander)
    monkeypatch.setenv("DEMO_MODE", "1")
    from listening.core.config import get_settings

    get_settings.cache_clear()
    at = app_test().run()
    at.switch_page("pages/sign_in.py").run()
    assert not at.exception
    assert any("演示账号" in e.label for e in at.expander)
    monkeypatch.delenv("DEMO_MODE")
    get_settings.cache_clear()


def test_a_wrong_password_gets_a_clear_message(demo):
    at = sign_in("coordinator", "not the password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    at = sign_in("coordinator", "not the password", lang="en")
    assert [e.value for e in at.error] == ["Wrong username or password."]


@pytest.mark.parametrize("lang, greeting, metric", [("zh_CN", "王芳，您好", "未结申请"),
                                                     ("en", "Good to see you, 王芳", "Open requests")])
def test_coordinator_signs_in_and_sees_the_overview(demo, lang, greeting, metric):
    at = sign_in("coordinator", lang=lang)
    at.run()  # the page that follows the sign-in
    assert not at.exception
    assert at.title[0].value == greeting
    assert metric in [m.label for m in at.metric]
    at.switch_page("pages/volunteers.py").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == demo["volunteers"]
    # phones are masked in the list
    assert all("****" in phone for phone in at.dataframe[0].value.iloc[:, 5])


@pytest.mark.parametrize("lang, heading", [("zh_CN", "我即将进行的探访"), ("en", "My upcoming visits")])
def test_volunteer_signs_in_and_sees_their_visits(demo, lang, heading):
    at = sign_in("volunteer", lang=lang)
    at.run()
    assert not at.exception
    assert heading in [s.value for s in at.subheader]


def test_each_role_gets_only_its_own_pages():
    coordinator = Account(username="c", display_name="C", role=Role.coordinator, password_hash="x")
    volunteer = Account(username="v", display_name="V", role=Role.volunteer, password_hash="x")
    coordinator_paths = {p.path for p in shell.page_specs_for(coordinator)}
    volunteer_paths = {p.path for p in shell.page_specs_for(volunteer)}
    public_paths = {p.path for p in shell.page_specs_for(None)}
    assert "pages/volunteers.py" in coordinator_paths and "pages/volunteers.py" not in volunteer_paths
    assert "pages/audit_log.py" not in volunteer_paths | public_paths
    assert "pages/volunteer_home.py" not in coordinator_paths
    assert {"pages/welcome.py", "pages/sign_in.py", "pages/set_password.py", "pages/request.py", "pages/about.py"} <= public_paths
    assert shell.page_specs_for(None)[0].path == "pages/welcome.py"  # the default page: a resident's way in


@pytest.mark.parametrize("page", ["pages/coordinator_home.py", "pages/volunteers.py", "pages/audit_log.py"])
def test_a_coordinator_page_opened_directly_by_a_volunteer_refuses(demo, session, page):
    from sqlmodel import select

    volunteer = session.exec(select(Account).where(Account.username == "volunteer")).one()
    at = app_test(page)
    at.session_state["account"] = volunteer
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert not at.dataframe and not at.metric


def test_a_volunteer_page_opened_signed_out_asks_to_sign_in(demo):
    at = app_test("pages/volunteer_home.py")
    at.session_state["account"] = None
    at.run()
    assert [e.value for e in at.error] == ["请先登录。"]


def test_sign_out_ends_the_session(demo):
    at = sign_in("coordinator")
    at.run()
    token = at.session_state[shell.TOKEN_KEY]
    at.sidebar.button(key="sign_out").click().run()
    assert not at.exception
    from listening.core.db import session_scope
    from listening.staff import auth

    with session_scope() as session:
        assert auth.resume(session, token=token) is None


def test_unusable_settings_show_one_plain_line_not_a_traceback(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "prod")
    get_settings.cache_clear()
    try:
        at = app_test().run()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert not at.exception
    assert [e.value for e in at.error] == ["Listening Hour is not configured: ENVIRONMENT must be one of development, "
                                           "test, production (got 'prod')"]
