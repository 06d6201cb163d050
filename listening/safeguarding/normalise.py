"""Text made comparable before the risk lexicon looks at it: one spelling for what a person can type many ways.

`normalise(text)` gives two views of the same text:
- `spaced`: for Latin phrases, matched word by word ("end it all");
- `squeezed`: with every space removed, for Chinese phrases (someone may type 不 想 活, and Chinese has no spaces).

The steps, in order (each one documented where it is done):
1. NFKC: full-width letters, digits and spaces become ASCII (ＫＩＬＬ -> KILL), compatibility forms are unfolded.
2. Format and control characters (Unicode categories Cf, Cc: zero-width space and joiner, BOM, soft hyphen,
   bidirectional marks) and variation selectors are removed: they are invisible and would split a word in two.
3. Traditional to simplified Chinese with OpenCC: Hong Kong variants first (hk2s), then Taiwan phrasing (tw2s),
   so 自殺, 唔想活落去 and 睡不著 meet the lexicon, which is written in simplified characters.
4. The character folds in data/risk_lexicon/normalise.json (variants OpenCC leaves apart, such as 帐/账).
5. Case folding; typographic apostrophes become plain ones, then apostrophes inside a word go ("don't" = "dont")
   and double quotes go (a volunteer may quote a word: "safe account" tricks);
   hyphens between letters become spaces ("self-harm" = "self harm").
6. Runs of whitespace become one space; spaces next to a CJK character are removed in `squeezed`.

The lexicon goes through the same function, so a phrase and the text it should find are always spelt alike.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from listening.core.config import DATA_DIR

LEXICON_DIR = DATA_DIR / "risk_lexicon"

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
                              "\u201c": "", "\u201d": "", '"': "", "\u2014": "-", "\u2013": "-", "\u2010": "-",
                              "\u2011": "-"})
_SPACES = re.compile(r"\s+")
_HYPHEN_IN_WORD = re.compile(r"(?<=[a-z])-(?=[a-z])")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=[a-z])'(?=[a-z])")


@dataclass(frozen=True, slots=True)
class Normalised:
    spaced: str  # one space between words, for Latin phrases
    squeezed: str  # no spaces at all, for Chinese phrases


@lru_cache(maxsize=1)
def _invisible() -> re.Pattern:
    """Zero-width and other format characters (Cf), control characters (Cc) and variation selectors, as one
    character class. Whitespace controls (tab, newline) are left to become spaces: they never glue two words.
    Format and control characters live in planes 0, 1 and 14 only, so only those are scanned (once)."""
    chars = [chr(c) for block in (range(0x20000), range(0xE0000, 0xE1000)) for c in block
             if unicodedata.category(chr(c)) in ("Cf", "Cc") and chr(c) not in "\t\n\r\f\v"]
    chars += [chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))]
    return re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]+")


@lru_cache(maxsize=1)
def _converters():
    """OpenCC's Hong Kong and Taiwan traditional-to-simplified converters, built once (they load dictionaries)."""
    import opencc  # the official OpenCC binding (requirements.txt); imported here so importing this module is cheap

    return opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s")


@lru_cache(maxsize=1)
def _folds() -> dict[int, str]:
    raw = json.loads((LEXICON_DIR / "normalise.json").read_text(encoding="utf-8"))
    return str.maketrans({k: v for k, v in raw["fold"].items() if not k.startswith("_")})


def _has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


def to_simplified(text: str) -> str:
    """Traditional (Hong Kong or Taiwan usage) to simplified; simplified text comes back as it was."""
    if not _has_cjk(text):
        return text  # OpenCC has nothing to do with Latin text: skip the two calls
    hong_kong, taiwan = _converters()
    return taiwan.convert(hong_kong.convert(text))


def normalise(text: str) -> Normalised:
    """The two views of `text` that the lexicon is matched against (see the module docstring for the steps)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _invisible().sub("", text)
    text = to_simplified(text).translate(_folds())
    text = text.casefold().translate(_APOSTROPHES)
    text = _APOSTROPHE_IN_WORD.sub("", text)
    text = _HYPHEN_IN_WORD.sub(" ", text)
    spaced = _SPACES.sub(" ", text).strip()
    return Normalised(spaced=spaced, squeezed=spaced.replace(" ", ""))


def normalise_text(text: str) -> str:
    """The spaced view only: how notes and lexicon phrases compare in a log line or a test."""
    return normalise(text).spaced
