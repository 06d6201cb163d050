"""The coordinator's home: volunteers counted as matching counts them, request statuses in fixed colours."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from listening.core.labels import label_in
from listening.models import Account, RequestStatus
from tests.pages.conftest import app_test
from tests.test_reports import ladder  # noqa: F401
from ui.format import STATUS_COLOURS


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


def test_each_request_status_keeps_its_colour_in_both_languages(session, demo):
    colours = {}
    for lang in ("zh_CN", "en"):
        chart = next(e for e in home(session, lang).main if getattr(e, "type", "") == "vega_lite_chart")
        scale = json.loads(chart.proto.spec)["encoding"]["color"]["scale"]
        colours[lang] = dict(zip(scale["domain"], scale["range"], strict=True))
    by_status = {lang: {s: colours[lang][label_in(s, lang)] for s in RequestStatus if label_in(s, lang) in colours[lang]}
                 for lang in colours}
    assert by_status["zh_CN"] == by_status["en"] and len(by_status["en"]) >= 3
    assert all(colour == STATUS_COLOURS[s] for s, colour in by_status["en"].items())
    assert STATUS_COLOURS[RequestStatus.completed] == "#2e9e4f"  # green, the colour of done
    assert STATUS_COLOURS[RequestStatus.no_show] == "#d62728"  # red
