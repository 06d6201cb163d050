"""How a resident's SMS names the volunteer who will phone them."""

from __future__ import annotations

import pytest

from listening.models import Gender
from listening.sms.callers import short_name


@pytest.mark.parametrize("full_name, gender, locale, expected", [
    ("王芳", Gender.female, "zh_CN", "王女士"),
    ("王芳", Gender.female, "en", "Ms 王"),
    ("李建国", Gender.male, "zh_CN", "李先生"),
    ("欧阳娜娜", Gender.female, "zh_CN", "欧阳女士"),
    ("欧阳", Gender.male, "zh_CN", "欧先生"),  # a two-character name is a one-character family name
    ("陈静", Gender.other, "zh_CN", None),  # no title to go by: "a volunteer"
    ("Anna  Schmidt", Gender.female, "zh_CN", "Anna"),
    ("  ", Gender.male, "en", None),
])
def test_short_name(full_name, gender, locale, expected):
    assert short_name(full_name, gender, locale=locale) == expected
