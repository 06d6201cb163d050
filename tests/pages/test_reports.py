from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from listening.core.labels import label_in
from listening.models import RequestStatus
from tests.pages.conftest import app_test, sign_in
from ui.format import STATUS_COLOURS

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def test_coordinator_reads_the_report_and_exports_it(demo):
    at = sign_in("coordinator")
    at.run()  # the page after the sign-in registers the coordinator's pages
    at.switch_page("pages/reports.py").run()
    assert not at.exception
    assert at.title[0].value == "报告"
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["已进行的倾听", "倾听时长（小时）", "被倾听的居民"]
    assert int(at.metric[0].value) > 0
    at.button(key="prepare_export").click().run()
    assert not at.exception
    assert at.session_state["report_xlsx"][:2] == b"PK"  # an .xlsx is a zip file
    sheets = pd.read_excel(io.BytesIO(at.session_state["report_xlsx"]), sheet_name=None, engine="openpyxl")
    by_community = sheets["按社区"]  # communities by name in the export too, not by code
    assert "粤海街道" in set(by_community["社区"]) and "yuehai" not in by_community.to_csv()


def test_a_volunteer_cannot_open_reports(demo, session):
    from sqlmodel import select

    from listening.models import Account

    at = app_test("pages/reports.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "volunteer")).one()
    at.run()
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]


def test_the_connections_section_shows_the_demos_residents_who_went(demo, session):
    from sqlmodel import select

    from listening.models import Account

    at = app_test("pages/reports.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at.run()
    assert not at.exception
    assert "回到身边的人：参加社区活动的居民" in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}  # the feedback section's average score is not a count
    metrics = {label: int(metrics[label]) for label in ("获推荐活动的居民", "去了的居民", "六周后仍在参加")}
    assert metrics["获推荐活动的居民"] >= metrics["去了的居民"] >= metrics["六周后仍在参加"] > 0
    charts = [e for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
    assert len(charts) >= 2  # topics, and residents who went by kind of activity


def test_the_connections_section_says_why_it_is_empty(session):
    from tests.factories.session_factories import coordinator

    boss = coordinator(session)
    session.commit()
    at = app_test("pages/reports.py")
    at.session_state["account"] = boss
    at.run()
    assert not at.exception
    assert "本期间没有在倾听记录中推荐过活动。" in [c.value for c in at.caption]


def reports_page(session, lang: str):
    from sqlmodel import select

    from listening.models import Account

    at = app_test("pages/reports.py")
    at.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception
    return at


def test_each_request_status_keeps_its_colour_in_both_languages(session, demo):
    """Requests per week (moved from the home): one fixed, meaningful colour per status in both languages."""
    colours = {}
    for lang in ("zh_CN", "en"):
        chart = next(e for e in reports_page(session, lang).main if getattr(e, "type", "") == "vega_lite_chart")
        scale = json.loads(chart.proto.spec)["encoding"]["color"]["scale"]
        colours[lang] = dict(zip(scale["domain"], scale["range"], strict=True))
    by_status = {lang: {s: colours[lang][label_in(s, lang)] for s in RequestStatus if label_in(s, lang) in colours[lang]}
                 for lang in colours}
    assert by_status["zh_CN"] == by_status["en"] and len(by_status["en"]) >= 3
    assert all(colour == STATUS_COLOURS[s] for s, colour in by_status["en"].items())
    assert STATUS_COLOURS[RequestStatus.completed] == "#2e9e4f"  # green, the colour of done
    assert STATUS_COLOURS[RequestStatus.no_show] == "#d62728"  # red
