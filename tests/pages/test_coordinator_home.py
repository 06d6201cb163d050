"""The coordinator's home: volunteers counted as matching counts them; no chart (the weekly one is on Reports)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.models import Account
from tests.pages.conftest import app_test
from tests.test_reports import ladder  # noqa: F401


def home(session, lang: str, account: Account | None = None):
    at = app_test("pages/coordinator_home.py")
    at.session_state["account"] = account or session.exec(select(Account).where(Account.username == "coordinator")).one()
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang, title, more", [("zh_CN", "在岗志愿者", "另有 3 位"), ("en", "Active volunteers", "3 more")])
def test_active_volunteers_are_those_who_can_be_matched(session, ladder, lang, title, more):  # noqa: F811
    metric = next(m for m in home(session, lang, ladder).metric if m.label == title)
    assert metric.value == "1" and more in metric.proto.help


def test_the_home_draws_no_chart_and_links_to_the_weekly_one_on_reports(session, demo):
    at = home(session, "zh_CN")
    assert not [e for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
