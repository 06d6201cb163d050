"""The crisis numbers and the first steps a volunteer takes when a risk comes up.

Listening is not crisis care: these numbers are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from listening.core.config import DATA_DIR
from listening.core.i18n import DEFAULT_LOCALE, N_, get_locale

# What a volunteer does at once when a session raised a risk; shown with the hotlines.
CRISIS_STEPS = (
    N_("If anyone is in immediate danger, call 110 (police) or 120 (ambulance) now."),
    N_("Give the resident the 24-hour psychological assistance hotline 12356, and encourage them to call it."),
    N_("Do not promise to keep it secret, and do not go back alone."),
    N_("The coordinator on duty has been alerted and will call you. Keep your phone on."),
)


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
    suffix = "zh" if get_locale() == DEFAULT_LOCALE else "en"
    return [Hotline(row["number"], row[f"name_{suffix}"], row[f"hours_{suffix}"]) for row in _hotline_rows()]
