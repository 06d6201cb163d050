"""The catalogs: every message in the code has a Chinese translation, and formatting follows the language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from listening.core import i18n
from tools.catalogs import extract, load


def test_every_message_in_the_code_is_in_both_catalogs_and_translated_to_chinese():
    in_code = {m.id for m in extract() if m.id}
    zh = {m.id: m.string for m in load("zh_CN") if m.id}
    en = {m.id for m in load("en") if m.id}
    assert in_code - set(zh) == set(), "run: python tools/catalogs.py update"
    assert in_code - en == set(), "run: python tools/catalogs.py update"
    untranslated = sorted(m for m in in_code if not zh[m])
    assert untranslated == [], "fill the zh_CN catalog (python tools/catalogs.py missing)"


def test_placeholders_survive_translation():
    for message in load("zh_CN"):
        if message.id and message.string:
            for name in ("{n}", "{name}", "{minutes}", "{days}", "{value}", "{password}", "{username}"):
                assert (name in message.id) == (name in message.string), message.id


def test_switching_language():
    i18n.set_locale("en")
    assert i18n.gettext("Sign in") == "Sign in"
    i18n.set_locale("zh_CN")
    assert i18n.gettext("Sign in") == "登录"
    assert i18n.gettext("Welcome, {name}.", name="陈静") == "欢迎，陈静。"
    i18n.set_locale("xx")  # unknown falls back to Chinese
    assert i18n.get_locale() == "zh_CN"


def test_dates_times_and_numbers_follow_the_language():
    shanghai = ZoneInfo("Asia/Shanghai")
    instant = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)  # 19:30 in Shenzhen
    i18n.set_locale("zh_CN")
    assert i18n.format_date(date(2026, 11, 27)) == "2026年11月27日"
    assert "19:30" in i18n.format_datetime(instant, shanghai)
    assert i18n.format_number(12345.5) == "12,345.5"
    i18n.set_locale("en")
    assert i18n.format_date(date(2026, 11, 27)) == "Nov 27, 2026"
    assert "7:30" in i18n.format_time(instant, shanghai)
    i18n.set_locale("zh_CN")
