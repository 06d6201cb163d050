"""A newcomer signs in as the demo coordinator in a real browser, and stays signed in across a refresh."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


def refusals_of_the_content_policy(page) -> list[str]:
    """Console messages of the browser refusing something under the Content-Security-Policy (filled as it runs)."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def session_cookie_of(page, *, seconds: float = 10) -> dict:
    for _ in range(int(seconds * 10)):
        cookies = {c["name"]: c for c in page.context.cookies()}
        if "lh_session" in cookies:
            return cookies["lh_session"]
        page.wait_for_timeout(100)
    raise AssertionError("the browser never got its session cookie")


def test_coordinator_signs_in_sees_home_and_survives_a_refresh(served_app, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    refused = refusals_of_the_content_policy(page)
    page.goto(f"{served_app}/sign-in?lang=zh_CN")  # "/" is the residents' welcome page
    page.get_by_text("演示账号").first.wait_for()
    page.get_by_label("用户名").fill("coordinator")
    page.get_by_role("textbox", name="密码", exact=True).fill("listening-demo")
    loads: list[str] = []
    page.on("load", lambda _page: loads.append("load"))
    page.get_by_role("button", name="登录").click()

    page.get_by_text("王芳，您好").wait_for()
    page.get_by_text("未结申请").first.wait_for()
    # The page went on without a reload; the cookie came by a background request.
    cookie = session_cookie_of(page)
    assert cookie["httpOnly"] is True and loads == []
    assert "ticket=" not in page.url

    page.reload()
    page.get_by_text("王芳，您好").wait_for()  # still signed in, from the cookie
    if os.environ.get("SCREENSHOT_TO"):
        page.wait_for_timeout(1500)
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_TO"])))

    # The reports page draws charts: they work under the policy too.
    page.goto(f"{served_app}/reports?lang=zh_CN")
    page.get_by_test_id("stVegaLiteChart").first.wait_for()

    page.get_by_role("button", name="退出登录").click()  # a POST with the session's sign-out token
    page.get_by_role("button", name="申请一小时倾听").wait_for()  # back on the welcome page, signed out
    page.reload()
    page.get_by_role("button", name="申请一小时倾听").wait_for()  # the cookie is gone or revoked
    assert page.get_by_text("王芳，您好").count() == 0
    cookies = {c["name"] for c in page.context.cookies()}
    assert "lh_session" not in cookies and "lh_device" in cookies  # signed out, still a known browser
    assert refused == []


def test_a_staff_address_opened_signed_out_is_the_page_shown_after_signing_in(served_app, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{served_app}/triage?lang=en")
    page.get_by_text("Please sign in to open this page.").wait_for()
    page.get_by_label("Username").fill("coordinator")
    page.get_by_role("textbox", name="Password", exact=True).fill("listening-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Requests").first.wait_for()
    assert page.url.split("?")[0].endswith("/triage")
    assert session_cookie_of(page)["httpOnly"] is True


def test_the_app_refuses_to_be_framed(served_app, browser):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    refused = refusals_of_the_content_policy(page)
    page.set_content(f'<iframe id="framed" src="{served_app}/?lang=en"></iframe>')
    page.wait_for_timeout(3000)
    frame = page.frame_locator("#framed")
    assert frame.get_by_text("Sign in").count() == 0  # nothing of the app inside someone else's page
    assert any("frame-ancestors" in text for text in refused), refused  # and the browser says why


def test_volunteer_signs_in_in_english_and_sees_only_volunteer_pages(served_app, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{served_app}/sign-in?lang=en")
    page.get_by_label("Username").fill("volunteer")
    page.get_by_role("textbox", name="Password", exact=True).fill("listening-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("My upcoming visits").wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("My visits").count() >= 1
    assert sidebar.get_by_text("Audit log").count() == 0
    assert sidebar.get_by_text("Volunteers").count() == 0
