"""The reports page's section on feedback, complaints and scam reports: the demo's figures, and an empty period
that says why it is empty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core import clock
from listening.models import Account
from tests.pages.conftest import app_test

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def open_reports(session):
    at = app_test("pages/reports.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    return at.run()


def test_the_demo_report_shows_feedback_complaints_and_scam_reports(demo, session):
    at = open_reports(session)
    assert not at.exception
    assert "倾听之后：反馈、投诉与诈骗举报" in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["反馈回答数"]) > 0 and metrics["平均分（1-5）"] != "–"
    assert int(metrics["收到的投诉"]) == 2 and int(metrics["诈骗或不当行为举报"]) == 1
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the score per month is drawn


def test_a_period_without_feedback_says_why_it_is_empty(demo, session):
    at = open_reports(session)
    long_ago = clock.today() - timedelta(days=800)
    at.date_input(key="report_start").set_value(long_ago)
    at.date_input(key="report_end").set_value(long_ago + timedelta(days=30))
    at.run()
    assert not at.exception
    assert any("本期没有反馈回答" in c.value and "每次倾听后都会询问居民" in c.value for c in at.caption)
