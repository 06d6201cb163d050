"""Every message kind, both languages, both kinds of number: signature first, no URL, free, +86 never asked to reply."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from listening.core.config import get_settings
from listening.core.labels import label_in
from listening.models import MessageKind, Mode
from listening.sms import templates
from listening.sms.segments import segment_count

MAINLAND = "+8613800138000"
ABROAD = "+447700900123"
STARTS_AT = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 in Shenzhen
URL = re.compile(r"https?://|www\.|\.com|\.cn", re.IGNORECASE)


def bodies():
    for kind in MessageKind:
        recipients = []
        if kind not in templates.STAFF_ONLY:
            recipients.append("resident")
        if kind not in templates.RESIDENT_ONLY:
            recipients.append("volunteer" if kind not in templates.STAFF_ONLY else "coordinator")
        for recipient in recipients:
            for locale in ("zh_CN", "en"):
                for phone in (MAINLAND, ABROAD):
                    yield kind, recipient, locale, phone


@pytest.mark.parametrize("kind, recipient, locale, phone", list(bodies()))
def test_every_template_keeps_the_rules(kind, recipient, locale, phone):
    body = templates.render(kind, locale=locale, to_phone=phone, recipient=recipient, starts_at=STARTS_AT,
                            mode=Mode.centre, escalation_id=7, request_id=9, username="v12",
                            code="12345678", hours=72)
    assert body.startswith("【倾听一小时】")
    assert not URL.search(body)
    assert "{" not in body and "}" not in body  # every placeholder filled
    if recipient in ("resident", "volunteer"):
        assert ("免费" in body) if locale == "zh_CN" else ("free" in body)
    if recipient == "resident" and phone == MAINLAND:
        assert "回复" not in body and "Reply" not in body and "reply" not in body
    if locale == "zh_CN":
        assert re.search(r"[A-Za-z]{4,}", body) is None, body  # really translated
    assert segment_count(body) <= (3 if locale == "zh_CN" else 4)  # the Chinese signature makes English UCS-2


def test_a_mainland_resident_is_given_the_centre_phone_and_others_may_reply():
    mainland = templates.render(MessageKind.visit_scheduled, locale="zh_CN", to_phone=MAINLAND, starts_at=STARTS_AT,
                                mode=Mode.home)
    abroad = templates.render(MessageKind.visit_scheduled, locale="en", to_phone=ABROAD, starts_at=STARTS_AT,
                              mode=Mode.phone)
    assert get_settings().centre_phone in mainland
    assert "14:30" in mainland and "上门" in mainland or "家" in mainland
    assert "Reply 1 to confirm or 2 to cancel." in abroad
    assert "by phone" in abroad and "2:30" in abroad


def test_safeguarding_alert_says_only_the_reference():
    body = templates.render(MessageKind.safeguarding_alert, locale="zh_CN", to_phone=MAINLAND, escalation_id=42)
    assert "#42" in body


def test_a_kind_for_staff_cannot_go_to_a_resident():
    with pytest.raises(ValueError):
        templates.render(MessageKind.safeguarding_alert, locale="zh_CN", to_phone=MAINLAND, recipient="resident")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("mode", list(Mode))
def test_a_volunteer_without_an_account_is_told_when_how_and_where_in_the_sms(locale, mode):
    body = templates.render(MessageKind.visit_scheduled, locale=locale, to_phone=MAINLAND, recipient="volunteer",
                            starts_at=STARTS_AT, mode=mode, signs_in=False)
    with_app = templates.render(MessageKind.visit_scheduled, locale=locale, to_phone=MAINLAND, recipient="volunteer",
                                starts_at=STARTS_AT, mode=mode)
    assert ("14:30" if locale == "zh_CN" else "2:30") in body and ("3/5" in body or "3月5" in body)
    assert label_in(mode, locale) in body
    assert ("社区中心" if locale == "zh_CN" else "community centre") in body if mode == Mode.centre \
        else get_settings().centre_phone in body
    assert ("系统" not in body) if locale == "zh_CN" else ("app" not in body)
    assert ("系统中查看" in with_app) if locale == "zh_CN" else ("in the app" in with_app)
    assert segment_count(body) <= (2 if locale == "zh_CN" else 3)
