"""The risk lexicon (data/risk_lexicon/*.json) compiled into patterns, once per process.

One file per risk kind (`suicide.json`, ...) holds groups of phrases, each group with the reason it is there and
its phrases per language: "zh" (Mandarin, written in simplified or traditional characters), "yue" (Cantonese),
"en" (English). `exceptions.json` holds the idioms and everyday phrases that contain a risk phrase but are not
one (想死你了 "I missed you so", 打我电话 "call me", 跳楼价 "rock-bottom price", "beat me at chess").

How a phrase is written:
- plain text is matched as it is, after both it and the note are normalised (`normalise.py`);
- `*` stands for a short gap in the same clause (no comma or full stop in it): up to 8 characters in Chinese, up to 3 words in English
  (攒*药 finds 攒了很多安眠药; "saving up * pills" finds "saving up my sleeping pills");
- `~` is a tighter gap: up to 4 characters or 1 word, with no punctuation (被~打 finds 被老公打);
- a phrase starting with `re:` is a regular expression over the squeezed (Chinese) or spaced (English) text.
A phrase with a CJK character in it is matched in the text without spaces (mixed ones such as 想die too); a phrase
of Latin letters only is matched on whole words ("rape" is not in "grapes").
An exception masks every risk phrase it overlaps: the text it covers is blanked before the lexicon looks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from listening.safeguarding.normalise import LEXICON_DIR, normalise

LANGUAGES = ("zh", "yue", "en")
_SENTENCE_END = "。！？!?;；|\n"
_PUNCTUATION = _SENTENCE_END + "，,、：:.…\"'（）()"
_CLAUSE_END = _SENTENCE_END + "，,、"
_CJK_GAP = "[^" + re.escape(_CLAUSE_END) + "]{0,8}?"
_CJK_TIGHT_GAP = "[^" + re.escape(_PUNCTUATION) + "]{0,4}?"
_LATIN_GAP = r"(?:\s+[^\s.!?;,]+){0,3}?\s+"
_LATIN_TIGHT_GAP = r"(?:\s+[^\s.!?;,]+){0,1}?\s+"
_ASPECT = "了过着"
_ASPECT_SLOT = "[了过着]?"
MASK = "|"  # what an exception's text becomes: a sentence break that no phrase spans


@dataclass(frozen=True, slots=True)
class Phrase:
    kind: str  # the risk kind, or "exception"
    language: str
    text: str  # as written in the data file
    only_for: tuple[str, ...] = ()  # an exception that masks only these kinds' phrases (empty: every kind)


def is_cjk(phrase: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in phrase)


def _cjk_atoms(phrase: str) -> list[str]:
    """A Chinese (or mixed) phrase as regex atoms, one per character or gap. Between two Chinese characters an
    aspect particle may stand (动手 finds 动过手, 打我 finds 打了我, 割腕 finds 割过腕): people put one inside a
    verb and its object without changing what they say."""
    body = normalise(phrase).squeezed
    atoms = []
    for i, ch in enumerate(body):
        if ch in "*~":
            atoms.append(_CJK_GAP if ch == "*" else _CJK_TIGHT_GAP)
            continue
        if i and is_cjk(ch) and is_cjk(body[i - 1]) and body[i - 1] not in _ASPECT and ch not in _ASPECT:
            atoms.append(_ASPECT_SLOT)
        atoms.append(re.escape(ch))
    # Latin letters at either end of a mixed phrase (想die, kill他) must be whole words there: 想die is not 想diet.
    if body[:1].isascii() and body[:1].isalnum():
        atoms.insert(0, r"(?<![a-z0-9])")
    if body[-1:].isascii() and body[-1:].isalnum():
        atoms.append(r"(?![a-z0-9])")
    return atoms


def _latin_atoms(phrase: str) -> list[str]:
    """An English phrase as regex atoms: whole words, any spacing between them, gaps where written."""
    words = normalise(phrase).spaced.replace("*", " * ").replace("~", " ~ ").split()
    atoms = [r"(?<![a-z0-9])"]
    for word in words:
        if word in ("*", "~"):
            atoms.append(_LATIN_GAP if word == "*" else _LATIN_TIGHT_GAP)
            continue
        if atoms[-1] not in (_LATIN_GAP, _LATIN_TIGHT_GAP, r"(?<![a-z0-9])"):
            atoms.append(r"\s*")  # "self harm" also finds "selfharm"
        atoms.extend(re.escape(ch) for ch in word)
    atoms.append(r"(?![a-z0-9])")
    return atoms


def _trie_regex(phrases_atoms: list[list[str]], *, longest: bool) -> str:
    """One regex for many phrases, their common beginnings shared (自杀|自尽 -> 自(?:杀|尽)), so the engine tries
    each position once per first character instead of once per phrase. With `longest`, a phrase that is the start
    of a longer one still lets the longer one match (exceptions mask as much as they can); without, the shorter
    one is enough (detection only asks whether anything matches)."""
    end = object()
    root: dict = {}
    for atoms in phrases_atoms:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[end] = {}

    def emit(node: dict) -> str:
        terminal = end in node
        children = [atom + emit(child) for atom, child in node.items() if atom is not end]
        if terminal and (not longest or not children):
            return ""
        if not children:
            return ""
        body = children[0] if len(children) == 1 else "(?:" + "|".join(sorted(children, key=len, reverse=True)) + ")"
        return f"(?:{body})?" if terminal else body

    return emit(root)


def _read(name: str) -> dict:
    return json.loads((LEXICON_DIR / name).read_text(encoding="utf-8"))


def phrases(kind: str) -> tuple[Phrase, ...]:
    """Every phrase in data/risk_lexicon/<kind>.json (or exceptions.json for "exception"), as written."""
    raw = _read("exceptions.json" if kind == "exception" else f"{kind}.json")
    return tuple(Phrase(kind, language, text, tuple(group.get("only_for", ()))) for group in raw["groups"]
                 for language in LANGUAGES for text in group.get(language, ()))


@dataclass(frozen=True, slots=True)
class Compiled:
    cjk: re.Pattern | None  # over the squeezed text
    latin: re.Pattern | None  # over the spaced text


def _compile(items: tuple[Phrase, ...], *, longest: bool = False) -> Compiled:
    raw_cjk = [p.text[3:] for p in items if p.text.startswith("re:") and is_cjk(p.text)]
    raw_latin = [p.text[3:] for p in items if p.text.startswith("re:") and not is_cjk(p.text)]
    plain = [p for p in items if not p.text.startswith("re:")]
    cjk = [_trie_regex([_cjk_atoms(p.text) for p in plain if is_cjk(p.text)], longest=longest), *raw_cjk]
    latin = [_trie_regex([_latin_atoms(p.text) for p in plain if not is_cjk(p.text)], longest=longest), *raw_latin]
    cjk, latin = [r for r in cjk if r], [r for r in latin if r]
    return Compiled(cjk=re.compile("|".join(cjk)) if cjk else None,
                    latin=re.compile("|".join(latin)) if latin else None)


@lru_cache(maxsize=None)
def compiled(kind: str) -> Compiled:
    """The patterns of one risk kind, compiled once."""
    return _compile(phrases(kind))


@lru_cache(maxsize=None)
def exceptions_for(kind: str | None) -> Compiled:
    """The exceptions that mask every kind (`kind` None), or those that mask only `kind` as well."""
    items = tuple(p for p in phrases("exception") if (p.only_for == () if kind is None else kind in p.only_for))
    return _compile(items, longest=True)


@lru_cache(maxsize=None)
def compiled_phrase(phrase: Phrase) -> Compiled:
    """One phrase alone: lets a test or a reviewer see which phrase found a sentence."""
    return _compile((phrase,), longest=phrase.kind == "exception")


def masked(text: str, pattern: re.Pattern | None) -> str:
    """`text` with every stretch an exception covers replaced by MASK."""
    return pattern.sub(MASK, text) if pattern is not None else text
