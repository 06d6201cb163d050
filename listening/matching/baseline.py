"""The sign-up sheet baseline: what first come, first served would give, to compare the optimum with."""

from __future__ import annotations

import time

import numpy as np

from listening.matching.candidates import Candidates
from listening.matching.instance import Instance
from listening.matching.result import MatchResult, result_from_units


def greedy(instance: Instance) -> MatchResult:
    """What a first-come sign-up sheet does: longest-waiting requests first (then by id), each taking its earliest
    wished slot where enough fitting volunteers are still free, and the first such volunteers in the list."""
    started = time.perf_counter()
    candidates = Candidates(instance)
    return result_from_units(candidates, first_come_units(candidates), started, proven=False)


def first_come_units(candidates: Candidates) -> dict[int, list[tuple[int, int]]]:
    requests = candidates.instance.requests
    load = np.zeros(len(candidates.instance.volunteers), dtype=np.int64)
    busy: set[tuple[int, int]] = set()
    units: dict[int, list[tuple[int, int]]] = {}
    for r in sorted(range(len(requests)), key=lambda r: (-requests[r].waiting_days, requests[r].id)):
        needed = requests[r].volunteers_needed
        for t, pool in candidates.usable_slots(r):
            free = [int(v) for v in candidates.pool_members[pool]
                    if load[v] < candidates.max_slots[v] and (v, t) not in busy]
            if len(free) >= needed:
                units[r] = [(t, v) for v in free[:needed]]
                for _, v in units[r]:
                    load[v] += 1
                    busy.add((v, t))
                break
    return units
