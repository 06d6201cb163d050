"""The optimal matcher: min-cost flows at decreasing load caps, MIPs where pair requests break the relaxation, and
the command line's `run_file`."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from listening.matching.baseline import first_come_units
from listening.matching.candidates import Candidates
from listening.matching.instance import Instance
from listening.matching.network import Network, solve_network_mip
from listening.matching.result import MatchResult, result_from_units

# Below this many arcs a MIP over the whole network takes milliseconds, so broken pairs are settled by it and the
# answer is exactly lexicographic; above, a MIP around the broken pairs is used first (see _plan_at_cap).
FULL_MIP_MAX_ARCS = 3_000
# Rough cost of proving the weight by a MIP over the whole network (measured on benchmark weeks, with
# margin): it is only started when the time left allows it.
WHOLE_MIP_SECONDS_PER_ARC = 2e-4
# When only continuity falls short of the bound, how many other pair choices are re-solved before settling.
CONTINUITY_RETRIES = 3


@dataclass
class _Plan:
    """A valid matching at one load cap, with what is known about it.

    `score` is (2 x weight, continuity, 2 x slot rank sum) of the matching; `bound` is the flow relaxation's
    score at the same cap, which no matching beats lexicographically on its first two entries.
    """

    units: dict[int, list[tuple[int, int]]]
    score: tuple[int, int, int]
    bound: tuple[int, int, int]
    weight_proven: bool  # objective 1 is optimal at this cap

    @property
    def max_load(self) -> int:
        load: dict[int, int] = defaultdict(int)
        for got in self.units.values():
            for _, v in got:
                load[v] += 1
        return max(load.values(), default=0)


def _score(network: Network, units: Mapping[int, list[tuple[int, int]]]) -> tuple[int, int, int]:
    requests = network.candidates.instance.requests
    weight2 = continuity = slot2 = 0
    for r, got in units.items():
        weight2 += 2 * requests[r].weight
        continuity += any(v == network.previous.get(r) for _, v in got)
        slot2 += 2 * got[0][0]
    return weight2, continuity, slot2


def _better(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return (a[0], a[1], -a[2]) > (b[0], b[1], -b[2])


def _plan_at_cap(
    network: Network, load_cap: int | None, deadline: float, reach: tuple[int, int] | None = None
) -> _Plan | None:
    """The best matching found with every volunteer capped at min(max_slots, load_cap).

    Without pairs, or when the relaxation keeps every pair whole, the min-cost flow is the exact optimum. Else:
    on a small network a MIP over all of it settles the pairs exactly. On a large one, a MIP around the broken
    pairs decides them, and the flow is solved again with those decisions fixed, which is exact for everything
    else; while weight or continuity fall short of the relaxation's bound, each decided pair's other choices are
    tried the same way, and if the weight still falls short, a MIP over the whole network gets the time left.
    With `reach` (weight, continuity) given, returns None as soon as even the relaxation cannot reach it.
    """
    if reach is not None:
        # A bound from a max flow is cheaper still, and weight alone a cheaper flow (smaller costs) than the
        # whole objective: each is usually enough to rule a cap out.
        if network.units_weight_bound(load_cap) < reach[0]:
            return None
        weight_flows = network.solve_flow(load_cap, weight_only=True)
        if weight_flows is not None and network.score(weight_flows)[0] < reach[0]:
            return None
    flows = network.solve_flow(load_cap)
    assert flows is not None
    bound = network.score(flows)
    if reach is not None and bound[:2] < reach:
        return None
    units = network.units(flows)
    broken = network.broken_pairs(units)
    if not broken:
        return _Plan(units, _score(network, units), bound, weight_proven=True)

    broken_set = set(broken)
    whole = {r: got for r, got in units.items() if r not in broken_set}  # always valid
    best = _Plan(whole, _score(network, whole), bound, weight_proven=False)

    def consider(found: dict[int, list[tuple[int, int]]]) -> None:
        nonlocal best
        score = _score(network, found)
        if _better(score, best.score):
            # A proven weight cannot be beaten, so a better matching found later keeps the proof.
            best = _Plan(found, score, bound, weight_proven=best.weight_proven and score[0] == best.score[0])

    def whole_network_mip(weight2_known: int | None = None) -> None:
        outcome = solve_network_mip(
            network, np.ones(network.num_arcs, dtype=bool), flows, load_cap, deadline, weight2_known)
        if outcome is not None:
            consider(network.units(outcome.flows))
            best.weight_proven |= outcome.weight_optimal

    if network.num_arcs <= FULL_MIP_MAX_ARCS:
        whole_network_mip()
    else:
        decided = _decide_pairs_around(network, load_cap, deadline, flows, units, broken, consider, bound)
        # The uncapped plan's weight is the one claimed proven (capped plans must merely reach it): tighten the
        # relaxation's bound by branching on broken pairs, half-served ones first (dropping or completing them
        # is what usually costs weight). One tightening first, so the re-solves below know when to stop trying
        # for weight; the other pairs afterwards, only if the weight still falls short.
        pending = sorted(broken, key=lambda r: (len(units.get(r, [])), r)) if reach is None else []

        def tighten(first_only: bool) -> None:
            nonlocal weight_bound
            while pending and best.score[0] < weight_bound and time.perf_counter() < deadline:
                r = pending.pop(0)
                branched = _branch_bound(network, load_cap, deadline, r, units, weight_bound, consider)
                if branched < weight_bound:
                    weight_bound = branched
                    if first_only:
                        return

        weight_bound = bound[0]
        tighten(first_only=True)
        if best.score[:2] < bound[:2]:
            _try_other_choices(network, load_cap, deadline, decided, units, bound, weight_bound, consider,
                               lambda: best.score)
        tighten(first_only=False)
        best.weight_proven |= best.score[0] >= weight_bound
        affordable = time.perf_counter() + network.num_arcs * WHOLE_MIP_SECONDS_PER_ARC < deadline
        if not best.weight_proven and reach is None and affordable:
            whole_network_mip(best.score[0])  # the only way left to prove (or find) the best weight
    best.weight_proven |= best.score[0] == bound[0]
    return best


def _branch_bound(
    network: Network, load_cap: int | None, deadline: float, r: int, units: Mapping[int, list[tuple[int, int]]],
    ceiling: int, consider: Callable[[dict], None],
) -> int:
    """An upper bound on the doubled weight of any matching, by branching on pair request r (at most `ceiling`).

    Every matching leaves r unserved or serves it whole in one of its usable slots, so its weight is at most
    the largest of the flow relaxations with r decided each of those ways. The weight-only flow suffices for a
    bound and is about twice as fast. As soon as a branch reaches `ceiling`, r cannot tighten it: r's relaxed
    slots, the likeliest to, are tried first. A branch flow that keeps every pair whole is a valid matching,
    offered to `consider`.
    """
    relaxed = sorted({t for t, _ in units.get(r, [])})
    options: list[int | None] = [
        *relaxed, *(t for t, _ in network.candidates.usable_slots(r) if t not in relaxed), None]
    branched = 0
    for option in options:
        if time.perf_counter() >= deadline:
            return ceiling
        flows = network.solve_flow(load_cap, weight_only=True, pair_slots={r: option})
        if flows is None:
            continue  # no matching decides r this way
        weight2 = network.score(flows)[0]
        if weight2 >= ceiling:
            return ceiling
        branch_units = network.units(flows)
        if not network.broken_pairs(branch_units):
            consider(branch_units)
        branched = max(branched, weight2)
    return branched


def _decide_pairs_around(
    network: Network, load_cap: int | None, deadline: float, flows: np.ndarray,
    units: dict[int, list[tuple[int, int]]], broken: list[int], consider: Callable[[dict], None],
    bound: tuple[int, int, int],
) -> dict[int, int | None]:
    """Settle broken pairs by a MIP around them, then solve the flow again with their slots (or absence) fixed.

    The new flow may break other pairs; they are settled the same way, a few rounds at most. Every whole
    matching met on the way is offered to `consider`. Returns the decisions taken.

    When the MIP's matching already meets the relaxation's `bound` on weight and continuity, those are proven
    and the flow is not solved again: it could only move slots earlier, by no more than the gap to the bound's
    slot total, and on the benchmark's M and L weeks it did not, while it is a third of the time there.
    """
    decided: dict[int, int | None] = {}
    for _ in range(5):
        if not broken or time.perf_counter() >= deadline:
            break
        outcome = solve_network_mip(network, network.local_region(units, broken), flows, load_cap, deadline)
        if outcome is None:
            decided.update({r: None for r in broken})
        else:
            found = network.units(outcome.flows)
            consider(found)
            decided.update({r: found[r][0][0] if r in found else None for r in broken})
            if _score(network, found)[:2] == bound[:2]:
                break
        flows = network.solve_flow(load_cap, pair_slots=decided)
        if flows is None:
            break
        units = network.units(flows)
        broken = network.broken_pairs(units)
        if not broken:
            consider(units)
    return decided


def _try_other_choices(
    network: Network, load_cap: int | None, deadline: float, decided: dict[int, int | None],
    relaxed_units: Mapping[int, list[tuple[int, int]]], bound: tuple[int, int, int], weight_bound: int,
    consider: Callable[[dict], None], best_score: Callable[[], tuple[int, int, int]],
) -> None:
    """One decided pair at a time, try leaving it out or its other relaxed slots, the rest re-solved exactly.

    Every choice is worth a re-solve while the weight falls short of `weight_bound` (no matching exceeds it);
    once there, only continuity can improve, and a few re-solves at most are spent on it.
    """
    retries = CONTINUITY_RETRIES
    seen = {frozenset(decided.items())}
    for r in list(decided):
        options = [None] + sorted({t for t, _ in relaxed_units.get(r, [])})
        for option in options:
            score = best_score()
            if score[:2] == bound[:2] or time.perf_counter() >= deadline or (score[0] >= weight_bound and retries == 0):
                return
            trial = {**decided, r: option}
            if frozenset(trial.items()) in seen:
                continue
            seen.add(frozenset(trial.items()))
            if score[0] >= weight_bound:
                retries -= 1
            flows = network.solve_flow(load_cap, pair_slots=trial)
            if flows is None:
                continue
            units = network.units(flows)
            if network.broken_pairs(units):
                continue
            before = best_score()
            consider(units)
            if best_score() != before:
                decided[r] = option


def solve(instance: Instance, *, time_limit_seconds: float = 30.0) -> MatchResult:
    """The optimal matching, lexicographically: weight, then continuity, then max load, then earliest slots.

    `proven_optimal` is True when the weight (objective 1) is proven optimal for the whole instance: the
    min-cost flow relaxation's bound is met, or the whole-network MIP finished. Continuity is then proven too
    when it meets the bound. Without pair requests everything is exact. With pairs, max load and earliest slots
    are exact when the relaxation keeps the pairs whole or a whole-network MIP settles them; otherwise they are
    the best found by the MIP around the pairs. An unproven result is never worse than `greedy`'s.
    """
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    candidates = Candidates(instance)
    network = Network(candidates)
    built = time.perf_counter()
    if not network.request_ids:
        result = result_from_units(candidates, {}, started, proven=True)
        result.timings.update(candidates=built - started, optimise=0.0)
        return result

    uncapped = _plan_at_cap(network, None, deadline)
    assert uncapped is not None
    best, reach = uncapped, uncapped.score[:2]

    # Fairness: the smallest uniform cap that keeps weight and continuity. When volunteers are scarce the
    # answer is usually the current max load, so one step below it is tried first, then a binary search.
    low, high = 1, uncapped.max_load
    first_try = True
    while low < high and time.perf_counter() < deadline:
        cap = high - 1 if first_try else (low + high) // 2
        first_try = False
        plan = _plan_at_cap(network, cap, deadline, reach)
        if plan is not None and plan.score[:2] >= reach:
            best, high, reach = plan, plan.max_load, plan.score[:2]
        elif cap == high - 1:
            break  # anything below an infeasible cap is infeasible too
        else:
            low = cap + 1
    proven = best.score[0] == uncapped.bound[0] or (uncapped.weight_proven and best.score[0] == uncapped.score[0])
    units = best.units
    if not proven:
        # Pairs the MIPs could not settle in the time: never hand back less than the sign-up sheet would.
        first_come = first_come_units(candidates)
        if _better(_score(network, first_come), best.score):
            units = first_come
    optimised = time.perf_counter()
    result = result_from_units(candidates, units, started, proven)
    result.timings.update(candidates=built - started, optimise=optimised - built)
    return result


def result_text(data: Mapping[str, object]) -> str:
    """The result as JSON, one assignment or unmatched request a line: as readable as `indent`, but written by
    json's C encoder (an indented dump of 10,000 requests is pure Python and takes a quarter of a second)."""
    dump = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps with options makes one a call

    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {dump(item)}" for item in value)
            lines.append(f"  {dump(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def run_file(instance_path: str | Path, output_path: str | Path | None = None, *,
             time_limit_seconds: float = 30.0) -> MatchResult:
    """Read an instance JSON, solve it, write the result JSON (to stdout when `output_path` is None or '-')."""
    result = solve(Instance.from_json(instance_path), time_limit_seconds=time_limit_seconds)
    text = result_text(result.to_dict())
    if output_path is None or str(output_path) == "-":
        print(text, end="")
    else:
        Path(output_path).write_text(text, encoding="utf-8")
    return result
