"""The safeguarding detector on the labelled corpus (tests/data/risk_corpus/).

    python benchmarks/bench_risk.py [--rounds 20]

Prints recall on crisis sentences (per kind, per language, overall), the false-alarm rate on everyday sentences
(per language, overall), the time per note (mean and p99 over the corpus after a warm-up, wall clock and CPU
time: the machine is shared, so the wall clock's tail is mostly other processes), and every miss and
false alarm with its text, so a reviewer can read them. Targets: recall 100%, false alarms under 2%, under 1 ms
per note. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening.safeguarding import detect_risk  # noqa: E402
from tests.safeguarding import corpus  # noqa: E402

RECALL_TARGET = 1.0
FALSE_ALARM_TARGET = 0.02
MS_TARGET = 1.0


def _line(name: str, tally: corpus.Tally) -> str:
    return f"  {name:<22} {tally.hits:>4}/{tally.total:<4} {tally.rate:7.1%}"


def timings(sentences: list[corpus.Sentence], rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds per note, wall clock and this thread's CPU time, each note timed alone, `rounds` times over
    the corpus after one warm-up pass. On a shared machine the wall clock also counts the time another process
    held the core; the CPU time is what the detector itself costs."""
    for s in sentences:
        detect_risk(s.text)
    wall, cpu = [], []
    for _ in range(rounds):
        for s in sentences:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            detect_risk(s.text)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - start) / 1e6)
    return wall, cpu


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20, help="timed passes over the corpus")
    args = parser.parse_args()

    sentences = corpus.load()
    result = corpus.score(sentences, detect_risk)
    print(f"corpus: {sum(s.label != corpus.EVERYDAY for s in sentences)} crisis, "
          f"{sum(s.label == corpus.EVERYDAY for s in sentences)} everyday sentences")
    print("recall on crisis sentences (found with their own kind):")
    for key in sorted(result.recall, key=lambda k: (k != "all", k)):
        print(_line(key, result.recall[key]))
    print("false alarms on everyday sentences:")
    for key in sorted(result.false_alarms, key=lambda k: (k != "all", k)):
        print(_line(key, result.false_alarms[key]))

    wall, cpu = timings(sentences, args.rounds)
    mean, p99 = statistics.fmean(wall), _p99(wall)
    print(f"time per note, wall: mean {mean:.3f} ms, p99 {p99:.3f} ms, max {max(wall):.3f} ms")
    print(f"time per note, CPU:  mean {statistics.fmean(cpu):.3f} ms, p99 {_p99(cpu):.3f} ms, max {max(cpu):.3f} ms "
          f"({len(wall)} timed calls, {args.rounds} rounds after warm-up; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")

    print(f"misses ({len(result.misses)}):")
    for sentence, found in result.misses:
        print(f"  [{sentence.label}/{sentence.language}] {sentence.text}  -> {sorted(found) or 'nothing'}")
    print(f"false alarms ({len(result.alarms)}):")
    for sentence, found in result.alarms:
        print(f"  [{sentence.language}; trap: {sentence.trap or '-'}] {sentence.text}  -> {sorted(found)}")

    recall, false_alarms = result.recall["all"].rate, result.false_alarms["all"].rate
    cpu_p99 = _p99(cpu)
    met = recall >= RECALL_TARGET and false_alarms < FALSE_ALARM_TARGET and mean < MS_TARGET and cpu_p99 < MS_TARGET
    print(f"targets (recall {RECALL_TARGET:.0%}, false alarms < {FALSE_ALARM_TARGET:.0%}, under {MS_TARGET} ms per "
          f"note: wall mean and CPU p99): {'met' if met else 'NOT met'} (recall {recall:.1%}, false alarms "
          f"{false_alarms:.1%}, wall mean {mean:.3f} ms, CPU p99 {cpu_p99:.3f} ms)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
