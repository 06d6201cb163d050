"""A signed-out visitor's way in: the welcome page first, and a staff address that asks to sign in instead of
Streamlit's "Page not found"."""

from __future__ import annotations

import pytest
from streamlit.util import calc_hash

from listening.core.config import get_settings
from listening.demo import DEMO_PASSWORD
from tests.pages.conftest import app_test, sign_in


def open_address(at, url_path: str):
    """As a browser opening http://host/<url_path> directly: the page registered under that URL path."""
    at._page_hash = calc_hash(url_path)  # AppTest only switches by file; st.Page hashes the URL path
    return at.run()


def everything_said(at) -> str:
    return " ".join([*(m.value for m in at.markdown), *(i.value for i in at.info), *(c.value for c in at.caption)])


@pytest.mark.parametrize("lang, title, free, ask", [("zh_CN", "倾听一小时", "免费", "申请一小时倾听"),
                                                    ("en", "Listening Hour", "free", "Ask for a listening hour")])
def test_a_signed_out_visitor_lands_on_the_residents_way_in(demo, lang, title, free, ask):
    at = app_test()
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == title
    said = everything_said(at)
    settings = get_settings()
    assert free in said and settings.centre_phone in said and settings.centre_address in said
    assert at.button(key="welcome_ask").label == ask  # the one big button, in the main area (not the sidebar)
    assert not at.sidebar.button
    assert "sign-in" in [link.proto.page for link in at.get("page_link")]  # the staff sign-in beside it

    at.button(key="welcome_ask").click().run()
    assert not at.exception
    assert at.title[0].value == ask  # the request form itself


def test_the_sign_in_page_links_to_the_request_form(demo):
    at = app_test().run()
    at.switch_page("pages/sign_in.py").run()
    assert "request" in [link.proto.page for link in at.get("page_link")]  # a real link, not a sentence


@pytest.mark.parametrize("url_path", ["triage", "home", "audit", "my-hours"])
def test_a_staff_address_opened_signed_out_asks_to_sign_in_in_the_visitors_language(demo, url_path):
    at = open_address(app_test().run(), url_path)
    assert not at.exception
    assert at.text_input(key="username") and at.text_input(key="password")
    assert [i.value for i in at.info][:1] == ["请登录后打开此页面。"]
    assert not at.dataframe and not at.metric  # nothing of the staff page itself


def test_after_signing_in_on_a_staff_address_that_page_follows(demo):
    at = open_address(app_test().run(), "triage")
    at.text_input(key="username").input("coordinator")
    at.text_input(key="password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    at.run()  # the run after signing in
    assert at.title[0].value == "申请"  # the requests queue, as asked for


def test_the_sign_in_address_of_a_signed_in_coordinator_goes_home(demo):
    at = sign_in("coordinator")
    at.run()
    at = open_address(at, "sign-in")
    assert not at.exception
    assert at.title[0].value == "王芳，您好"
    at = open_address(at, "welcome")
    assert at.title[0].value == "王芳，您好"


def test_a_volunteer_on_a_coordinator_address_goes_to_their_own_first_page(demo):
    at = sign_in("volunteer", lang="en")
    at.run()
    at = open_address(at, "audit")
    assert not at.exception
    assert "My upcoming visits" in [s.value for s in at.subheader]
