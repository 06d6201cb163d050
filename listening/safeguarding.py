"""Risk detection, escalation and hotlines. Listening is not crisis care: these numbers are."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from listening.config import DATA_DIR
from listening.i18n import get_locale


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    hours: str


@lru_cache(maxsize=1)
def _hotline_rows() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / "hotlines.json").read_text(encoding="utf-8")))


def hotlines() -> list[Hotline]:
    """The crisis numbers (12356, 110, 120), in the current language."""
    suffix = "zh" if get_locale() == "zh_CN" else "en"
    return [Hotline(row["number"], row[f"name_{suffix}"], row[f"hours_{suffix}"]) for row in _hotline_rows()]
