"""The catalogs: every message in the code has a Chinese translation, and formatting follows the language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from listening.core import i18n
from tools.catalogs import extract, load

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_in_the_code_is_in_both_catalogs_and_translated_to_chinese():
    in_code = {m.id for m in extract() if m.id}
    zh = {m.id: m.string for m in load("zh_CN") if m.id}
    en = {m.id for m in load("en") if m.id}
    assert in_code - set(zh) == set(), "run: python tools/catalogs.py update"
    assert in_code - en == set(), "run: python tools/catalogs.py update"
    # A plural message's string is a tuple of forms: every form must be filled.
    untranslated = sorted(str(m) for m in in_code if not (all(zh[m]) if isinstance(zh[m], tuple) else zh[m]))
    assert untranslated == [], "fill the zh_CN catalog (python tools/catalogs.py missing)"


def test_no_message_hides_inside_an_f_string():
    """Babel does not extract `_()` inside an f-string, so such text would stay English in the Chinese UI."""
    inside_f_string = re.compile(r"""\bf["'][^\n]*\{_\(["']""")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("listening", "pages", "ui")
                 for path in (ROOT / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if inside_f_string.search(line)]
    assert offenders == []


def test_chinese_bold_closes_before_full_width_punctuation():
    """CommonMark does not close `**` right after a full-width mark followed by text (`**社区：**南山` shows the
    asterisks): the mark goes outside the bold, `**社区**：南山`."""
    stuck = re.compile(r"[，。：；！？）」、]\*\*(?=[^\s*])")
    for message in load("zh_CN"):
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            assert not (text and stuck.search(text)), message.id


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


def test_lists_are_joined_as_each_language_joins_them():
    i18n.set_locale("en")
    assert i18n.join_list(["Mandarin", "Cantonese", "Hakka"]) == "Mandarin, Cantonese, and Hakka"
    assert i18n.join_list(["Mandarin", "Cantonese"]) == "Mandarin and Cantonese"
    assert i18n.join_list(["普通话", "粤语", "客家话"], locale="zh_CN") == "普通话、粤语和客家话"
    i18n.set_locale("zh_CN")
    assert i18n.join_list(x for x in ["普通话", "粤语"]) == "普通话和粤语"
    assert i18n.join_list(["普通话"]) == "普通话" and i18n.join_list([]) == ""


def test_durations_read_as_days_hours_and_minutes_in_both_languages():
    cases = [  # (duration, Chinese, English)
        (timedelta(minutes=17762.3), "12天8小时", "12 days 8 hours"),
        (timedelta(minutes=45), "45分钟", "45 minutes"),
        (timedelta(hours=1, minutes=1), "1小时1分钟", "1 hour 1 minute"),
        (timedelta(hours=23, minutes=59, seconds=50), "1天", "1 day"),  # rounding carries into the day
        (timedelta(days=2), "2天", "2 days"),
        (30, "30秒钟", "30 seconds"),  # seconds as a number work too
        (0, "0分钟", "0 minutes"),
        (-5, "0分钟", "0 minutes"),
    ]
    for value, chinese, english in cases:
        assert i18n.format_duration(value, "zh_CN") == chinese
        assert i18n.format_duration(value, "en") == english
    i18n.set_locale("en")
    assert i18n.format_duration(timedelta(days=1, hours=2)) == "1 day 2 hours"  # the current language by default


def test_a_short_visit_time_is_local_at_midnight_and_names_no_year_or_zone():
    shenzhen = ZoneInfo("Asia/Shanghai")
    half_past_midnight = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # Wednesday 2 December, 00:30 in Shenzhen
    try:
        i18n.set_locale("zh_CN")
        assert i18n.format_short_datetime(half_past_midnight, shenzhen) == "12月2日 周三 00:30"
        assert i18n.format_short_date(date(2026, 12, 2)) == "12月2日 周三"
        i18n.set_locale("en")
        assert i18n.format_short_datetime(half_past_midnight, shenzhen) == "Wed 2 Dec 00:30"
        assert i18n.format_short_datetime(datetime(2026, 12, 2, 6, 0, tzinfo=UTC), shenzhen) == "Wed 2 Dec 14:00"
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
