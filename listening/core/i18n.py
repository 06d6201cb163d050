"""Chinese-first translations (gettext catalogs kept as Babel .po files) and locale-aware formatting.

Source strings are English; `zh_CN` is the default interface language. The .po files are read directly
(no compiled .mo to go stale), once per process.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit

from listening.core.marks import N_  # noqa: F401  (re-exported: most modules import the marker from here)

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DEFAULT_LOCALE = "zh_CN"
LOCALES: tuple[str, ...] = (DEFAULT_LOCALE, "en")
LANGUAGE_NAMES = {DEFAULT_LOCALE: "中文", "en": "English"}

_current_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=None)
def translations(locale: str) -> _gettext.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    # Imported here: babel's catalog machinery is a tenth of a second that `python -m listening match` never uses.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def set_locale(locale: str) -> str:
    """Make `locale` current for this thread of work (one Streamlit script run, one CLI call)."""
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    _current_locale.set(locale)
    return locale


def get_locale() -> str:
    return _current_locale.get()


def gettext(message: str, **params: object) -> str:
    """Translate into the current locale; `params` fill `{name}` placeholders after translation."""
    text = translations(get_locale()).gettext(message)
    return text.format(**params) if params else text


_ = gettext


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def _babel_locale(locale: str | None = None) -> Locale:
    return Locale.parse(locale or get_locale())


def format_datetime(value: datetime, tz: ZoneInfo, fmt: str = "medium") -> str:
    """A timezone-aware instant, shown in the program's timezone."""
    return _format_datetime(value.astimezone(tz), format=fmt, tzinfo=tz, locale=_babel_locale())


def format_date(value: date, fmt: str = "medium") -> str:
    return _format_date(value, format=fmt, locale=_babel_locale())


def format_time(value: datetime, tz: ZoneInfo, fmt: str = "short") -> str:
    return _format_time(value.astimezone(tz), format=fmt, tzinfo=tz, locale=_babel_locale())


def format_number(value: float | int, fmt: str | None = None) -> str:
    return format_decimal(value, format=fmt, locale=_babel_locale())


def join_list(items: Iterable[str], locale: str | None = None) -> str:
    """Items as the language lists them: "普通话、粤语和客家话", "Mandarin, Cantonese, and Hakka"."""
    return format_list([str(item) for item in items], style="standard", locale=_babel_locale(locale))


# Largest first; a duration shows its largest unit and, when not zero, the next one ("12 days 8 hours").
_DURATION_UNITS = (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60), ("duration-second", 1))


def format_duration(value: timedelta | float, locale: str | None = None) -> str:
    """A duration (a timedelta or seconds) in words: "12天8小时" / "12 days 8 hours", "45分钟" / "45 minutes".

    Rounded to the smaller of the two units shown, so 23 h 59 min 50 s reads "1 day", not "23 hours 59 minutes".
    """
    seconds = max(0.0, value.total_seconds() if isinstance(value, timedelta) else float(value))
    babel_locale = _babel_locale(locale)
    parts: list[str] = []
    for index, (unit, size) in enumerate(_DURATION_UNITS):
        smaller, step = _DURATION_UNITS[min(index + 1, len(_DURATION_UNITS) - 1)]
        steps = round(seconds / step)  # the duration counted in the smaller unit
        if steps * step < size:
            continue  # too short for this unit, even after rounding
        big, small = divmod(steps, size // step) if step != size else (steps, 0)
        parts = [format_unit(big, unit, length="long", locale=babel_locale)]
        if small:
            parts.append(format_unit(small, smaller, length="long", locale=babel_locale))
        break
    if not parts:
        parts = [format_unit(0, "duration-minute", length="long", locale=babel_locale)]
    # "unit-narrow" lists units as people write them: "12天8小时", "12 days 8 hours".
    return format_list(parts, style="unit-narrow", locale=babel_locale)


# A visit's moment as people read it on a list: "12月2日 周三 14:00", "Wed 2 Dec 14:00" (no year, no zone name).
SHORT_DATETIME_PATTERNS = {DEFAULT_LOCALE: "M月d日 EEE HH:mm", "en": "EEE d MMM HH:mm"}
SHORT_DATE_PATTERNS = {DEFAULT_LOCALE: "M月d日 EEE", "en": "EEE d MMM"}


def format_short_datetime(value: datetime, tz: ZoneInfo) -> str:
    """An instant as a short local date and 24-hour clock time, in the programme's timezone."""
    return _format_datetime(value.astimezone(tz), format=SHORT_DATETIME_PATTERNS[get_locale()], tzinfo=tz,
                            locale=_babel_locale())


def format_short_date(value: date) -> str:
    return _format_date(value, format=SHORT_DATE_PATTERNS[get_locale()], locale=_babel_locale())
