"""How a resident's SMS names the volunteer who will phone them: enough to recognise the caller, not a full name.

A Latin-script name gives its first word ("Anna"); a Chinese name gives the family name with 女士 / 先生, the way a
caller introduces themselves on the phone ("王女士"; in English "Ms 王"). With no gender to go by, or no single
volunteer to name, the SMS says "a volunteer".
"""

from __future__ import annotations

import unicodedata

from listening.core.i18n import N_, translations
from listening.models import Gender

# Two-character family names; every other Chinese family name is one character.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "钟离", "西门", "南宫", "端木", "独孤",
})
_TITLED = {Gender.female: N_("Ms {surname}"), Gender.male: N_("Mr {surname}")}


def _is_cjk(name: str) -> bool:
    return any(unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") for char in name)


def short_name(full_name: str, gender: Gender | None, *, locale: str) -> str | None:
    """The name a resident is told will call; None when only "a volunteer" can be said."""
    name = " ".join(full_name.split())
    if not name:
        return None
    if not _is_cjk(name):
        return name.split(" ")[0]
    title = _TITLED.get(gender) if gender is not None else None
    if title is None:
        return None
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return translations(locale).gettext(title).format(surname=surname)
