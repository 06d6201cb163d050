"""Risk words in a request or a session note (data/risk_words.json), matched in Chinese and English."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

from listening.core.config import DATA_DIR
from listening.core.i18n import N_

# The risk codes, in the order of the session log's checklist (same names as its risk_* columns).
RISK_KINDS = ("suicide", "harm_others", "abuse", "medical")
RISK_LABELS = {
    "suicide": N_("thoughts of suicide or self-harm"),
    "harm_others": N_("harm to others"),
    "abuse": N_("abuse"),
    "medical": N_("urgent medical need"),
    "no_answer": N_("phone visits not answered"),
}
UNANSWERED_RISK = "no_answer"


def normalise_text(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), case folded, runs of spaces made one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def _is_latin(phrase: str) -> bool:
    return all(ord(ch) < 0x3000 for ch in phrase)


@lru_cache(maxsize=1)
def risk_words() -> dict[str, dict[str, tuple[str, ...]]]:
    """{risk code: {"zh": phrases, "en": phrases}} from data/risk_words.json."""
    raw = json.loads((DATA_DIR / "risk_words.json").read_text(encoding="utf-8"))
    return {code: {lang: tuple(words) for lang, words in raw[code].items()} for code in RISK_KINDS}


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern, re.Pattern | None], ...]:
    """One (code, latin pattern, cjk pattern) per risk code."""
    result = []
    for code, by_language in risk_words().items():
        phrases = [normalise_text(p) for words in by_language.values() for p in words]
        latin = [p for p in phrases if _is_latin(p)]
        cjk = [p.replace(" ", "") for p in phrases if not _is_latin(p)]
        # Latin phrases match whole words ("rape" is not in "grape"); a space in a phrase matches any spaces.
        latin_re = re.compile(
            r"(?<![a-z0-9])(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s*") for p in latin) + r")(?![a-z0-9])"
        )
        cjk_re = re.compile("|".join(re.escape(p) for p in cjk)) if cjk else None
        result.append((code, latin_re, cjk_re))
    return tuple(result)


def detect_risk(text: str) -> set[str]:
    """The risk codes whose words (zh or en) appear in `text`, matched case- and width-insensitively."""
    normal = normalise_text(text)
    if not normal:
        return set()
    # Chinese is written without spaces; someone may still type 不 想 活, so CJK phrases look at the text without any.
    squeezed = normal.replace(" ", "")
    found = set()
    for code, latin_re, cjk_re in _patterns():
        if latin_re.search(normal) or (cjk_re is not None and cjk_re.search(squeezed)):
            found.add(code)
    return found


def risk_label_ids(risk_kinds: str | set[str]) -> list[str]:
    """English msgids for stored risk codes (comma-separated or a set), in checklist order."""
    codes = set(risk_kinds.split(",")) if isinstance(risk_kinds, str) else set(risk_kinds)
    order = [*RISK_KINDS, UNANSWERED_RISK]
    return [RISK_LABELS[c] for c in sorted(codes & set(order), key=order.index)]
