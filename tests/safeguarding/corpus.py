"""The labelled risk corpus (tests/data/risk_corpus/) and its score, shared by the test and benchmarks/bench_risk.py."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "risk_corpus"
EVERYDAY = "everyday"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    label: str  # a risk kind, or "everyday"
    language: str
    trap: str = ""


def load() -> list[Sentence]:
    """Every sentence of crisis.jsonl then everyday.jsonl."""
    rows = []
    for name in ("crisis.jsonl", "everyday.jsonl"):
        for line in (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                rows.append(Sentence(raw["text"], raw["label"], raw["language"], raw.get("trap", "")))
    return rows


@dataclass
class Tally:
    total: int = 0
    hits: int = 0  # crisis: detected with its own kind; everyday: any alarm at all

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0


@dataclass
class Score:
    recall: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # by kind, by language, "all"
    false_alarms: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # by language, "all"
    misses: list[tuple[Sentence, set[str]]] = field(default_factory=list)
    alarms: list[tuple[Sentence, set[str]]] = field(default_factory=list)


def score(sentences: list[Sentence], detect: Callable[[str], set[str]]) -> Score:
    """A crisis sentence counts as found only when its own kind is among those detected (an abuse report flagged
    only as 'medical' would reach the wrong help); an everyday sentence is a false alarm when anything is."""
    result = Score()
    for sentence in sentences:
        found = detect(sentence.text)
        if sentence.label == EVERYDAY:
            alarm = bool(found)
            for key in ("all", f"language:{sentence.language}"):
                result.false_alarms[key].total += 1
                result.false_alarms[key].hits += alarm
            if alarm:
                result.alarms.append((sentence, found))
        else:
            hit = sentence.label in found
            for key in ("all", f"kind:{sentence.label}", f"language:{sentence.language}"):
                result.recall[key].total += 1
                result.recall[key].hits += hit
            if not hit:
                result.misses.append((sentence, found))
    return result
