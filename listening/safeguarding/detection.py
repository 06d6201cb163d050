"""Risk in a request, a session note or a reply: the text is normalised (`normalise`), idioms are masked, and the
lexicon of each risk kind (`lexicon`, data/risk_lexicon/) is matched in Mandarin, Cantonese and English.

Over-matching is the safe side (a coordinator closes a false alarm in a minute; a missed crisis cannot be undone),
so a negation still counts: "我从来没想过自杀" and "I have never thought of suicide" are for a person to read.
How well this works is measured on tests/data/risk_corpus/ by benchmarks/bench_risk.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from listening.core.i18n import N_
from listening.safeguarding import lexicon
from listening.safeguarding.normalise import normalise, normalise_text

__all__ = ["RISK_KINDS", "RISK_LABELS", "UNANSWERED_RISK", "Match", "detect_risk", "explain_risk", "normalise_text",
           "risk_label_ids", "risk_words"]

# The risk codes, in the order of the session log's checklist (same names as its risk_* columns).
RISK_KINDS = ("suicide", "harm_others", "abuse", "medical", "scam")
RISK_LABELS = {
    "suicide": N_("thoughts of suicide or self-harm"),
    "harm_others": N_("harm to others"),
    "abuse": N_("abuse"),
    "medical": N_("urgent medical need"),
    "scam": N_("someone asking for money (possible scam)"),
    "no_answer": N_("phone visits not answered"),
}
UNANSWERED_RISK = "no_answer"


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    found: str  # the normalised text the phrase matched: for a reviewer or a test, never for an audit row


def _mask(views: tuple[str, str], exceptions: lexicon.Compiled) -> tuple[str, str]:
    spaced, squeezed = views
    return lexicon.masked(spaced, exceptions.latin), lexicon.masked(squeezed, exceptions.cjk)


def _views_by_kind(text: str):
    """(kind, spaced view, squeezed view) per risk kind, each with the exceptions that apply to it blanked out."""
    views = normalise(text)
    shared = _mask((views.spaced, views.squeezed), lexicon.exceptions_for(None))
    for kind in RISK_KINDS:
        own = lexicon.exceptions_for(kind)
        spaced, squeezed = _mask(shared, own) if (own.cjk or own.latin) else shared
        yield kind, spaced, squeezed


def explain_risk(text: str) -> list[Match]:
    """Every risk phrase found in `text` (after the exceptions), in checklist order."""
    found = []
    for kind, spaced, squeezed in _views_by_kind(text):
        patterns = lexicon.compiled(kind)
        for pattern, view in ((patterns.latin, spaced), (patterns.cjk, squeezed)):
            if pattern is not None:
                found.extend(Match(kind, m.group(0)) for m in pattern.finditer(view))
    return found


def detect_risk(text: str) -> set[str]:
    """The risk codes whose phrases appear in `text`, after normalisation and with idioms set aside."""
    if not text or not text.strip():
        return set()
    found = set()
    for kind, spaced, squeezed in _views_by_kind(text):
        patterns = lexicon.compiled(kind)
        if (patterns.latin is not None and patterns.latin.search(spaced)) or (
                patterns.cjk is not None and patterns.cjk.search(squeezed)):
            found.add(kind)
    return found


def risk_words(kind: str) -> tuple[lexicon.Phrase, ...]:
    """The phrases of one risk kind as written in data/risk_lexicon/ (for the tests and reviewers)."""
    return lexicon.phrases(kind)


def risk_label_ids(risk_kinds: str | set[str]) -> list[str]:
    """English msgids for stored risk codes (comma-separated or a set), in checklist order."""
    codes = set(risk_kinds.split(",")) if isinstance(risk_kinds, str) else set(risk_kinds)
    order = [*RISK_KINDS, UNANSWERED_RISK]
    return [RISK_LABELS[c] for c in sorted(codes & set(order), key=order.index)]
