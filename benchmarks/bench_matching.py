"""Matching benchmark: realistic, seeded weeks at three sizes, solved end to end by `python -m listening match`.

    python benchmarks/bench_matching.py [--sizes S,M,L] [--seed N] [--runs 3]

Per size it runs the command line `--runs` times in fresh processes and prints the best wall time with the spread,
the CPU time (user + sys) of the best run, which the load of a shared machine disturbs less, and the peak memory.
It compares, in fresh processes too, with a bare pair-free flow (reading the same file and solving one OR-Tools
min-cost flow in which pair requests are ordinary ones: the least any exact matcher must do) and, at S and M, with
a generic MIP (one binary per request x volunteer x slot, solved by SCIP through OR-Tools), whose optimal weight
must agree. It then prints what was proven and checks the result's hard rules. Instances and results go to
benchmarks/out/ in the documented JSON format.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT_DIR = Path(__file__).resolve().parent / "out"

SIZES = {"S": (200, 50), "M": (2_000, 500), "L": (10_000, 2_000)}
MIP_SIZES = ("S", "M")  # at L the generic MIP does not finish in a benchmark's time (see main)
MIP_TIME_LIMIT = 600.0

WEEK_START = datetime(2026, 11, 30)  # a Monday, local time in Asia/Shanghai
FIRST_HOUR, LAST_HOUR = 8, 20  # hourly slots starting 08:00 ... 20:00, i.e. 08:00-21:00
EVENING_HOURS = (19, 20)
WEEKDAYS, WEEKEND = range(5), range(5, 7)

# Ten residential communities (社区) across Nanshan, Futian, Luohu, Longgang, Longhua and Bao'an.
COMMUNITIES = ["yuehai", "shekou", "nantou", "xili", "lianhua", "huafu", "dongmen", "buji", "minzhi", "xixiang"]
COMMUNITY_SHARE = [14, 12, 10, 9, 10, 9, 8, 11, 9, 8]

# Residents: Mandarin most; Cantonese and Hakka locals, Teochew (Chaoshan) migrants, a few English speakers.
REQUEST_LANGUAGES = {"zh": 0.72, "yue": 0.14, "hak": 0.05, "teochew": 0.05, "en": 0.04}
VOLUNTEER_EXTRA_LANGUAGES = {"yue": 0.30, "hak": 0.07, "teochew": 0.06, "en": 0.15}
REQUEST_MODES = {"phone": 0.45, "centre": 0.30, "home": 0.25}
VOLUNTEER_MODE_SHARE = {"phone": 0.85, "centre": 0.65, "home": 0.35}  # home visits need an extra module


def _slot(day: int, hour: int) -> str:
    return (WEEK_START + timedelta(days=day, hours=hour)).strftime("%Y-%m-%dT%H:%M")


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _volunteer_slots(rng: random.Random) -> list[str]:
    """2-6 free slots made of weekday evenings, weekend blocks, or daytime blocks for retirees."""
    target = rng.randint(2, 6)
    profile = rng.choices(["worker", "retiree", "student"], weights=[0.6, 0.3, 0.1])[0]
    slots: list[str] = []
    while len(slots) < target:
        kind = rng.random()
        if profile == "worker" and kind < 0.6:
            day, hours = rng.choice(WEEKDAYS), EVENING_HOURS
        elif profile == "retiree" and kind < 0.7:
            start = rng.choice([9, 10, 14, 15])
            day, hours = rng.choice(WEEKDAYS), range(start, start + rng.randint(2, 3))
        else:
            start = rng.choice([9, 10, 14, 15, 16, 19])
            day, hours = rng.choice(WEEKEND), range(start, min(start + rng.randint(2, 3), LAST_HOUR + 1))
        for hour in hours:
            slot = _slot(day, hour)
            if slot not in slots and len(slots) < target:
                slots.append(slot)
    return sorted(slots)


def _request_slots(rng: random.Random) -> list[str]:
    """3-12 acceptable slots: a part of the day that suits, on several days."""
    target = rng.randint(3, 12)
    windows = {
        "morning": range(9, 12),
        "afternoon": range(14, 18),
        "evening": range(18, LAST_HOUR + 1),
        "any daytime": range(FIRST_HOUR, 18),
    }
    window = windows[rng.choices(list(windows), weights=[0.3, 0.3, 0.3, 0.1])[0]]
    days = rng.sample(range(7), rng.randint(2, 7))
    candidates = [_slot(day, hour) for day in days for hour in window]
    return sorted(rng.sample(candidates, min(target, len(candidates))))


def generate_week(n_requests: int, n_volunteers: int, seed: int) -> dict:
    """One week of volunteers and open requests in the documented instance format."""
    rng = random.Random(seed)
    volunteers = []
    for i in range(n_volunteers):
        languages = ["zh"] if rng.random() < 0.97 else []
        languages += [lang for lang, share in VOLUNTEER_EXTRA_LANGUAGES.items() if rng.random() < share]
        if not languages:
            languages = ["en"]
        modes = [mode for mode, share in VOLUNTEER_MODE_SHARE.items() if rng.random() < share] or ["phone"]
        volunteers.append({
            "id": f"v{i + 1}",
            "languages": languages,
            "gender": "f" if rng.random() < 0.68 else "m",
            "modes": modes,
            "community": rng.choices(COMMUNITIES, weights=COMMUNITY_SHARE)[0],
            "max_slots": rng.choices([1, 2, 3, 4], weights=[0.2, 0.35, 0.3, 0.15])[0],
            "slots": _volunteer_slots(rng),
        })

    by_community: dict[str, list[dict]] = {c: [] for c in COMMUNITIES}
    speakers: dict[tuple[str | None, str], list[str]] = {}  # (community or None for anywhere, language) -> ids
    for volunteer in volunteers:
        by_community[volunteer["community"]].append(volunteer)
        for language in volunteer["languages"]:
            speakers.setdefault((volunteer["community"], language), []).append(volunteer["id"])
            speakers.setdefault((None, language), []).append(volunteer["id"])

    requests = []
    for i in range(n_requests):
        mode = _pick(rng, REQUEST_MODES)
        language = _pick(rng, REQUEST_LANGUAGES)
        community = rng.choices(COMMUNITIES, weights=COMMUNITY_SHARE)[0]
        wish = rng.random()
        gender_wish = "f" if wish < 0.11 else "m" if wish < 0.15 else None
        # Residents met before are most likely met by a neighbour who speaks their language.
        known = speakers.get((None if mode == "phone" else community, language), [])
        previous = rng.choice(known) if known and rng.random() < 0.25 else None
        avoid = []
        if by_community[community] and rng.random() < 0.02:
            avoid = sorted({rng.choice(by_community[community])["id"] for _ in range(rng.randint(1, 2))} - {previous})
        requests.append({
            "id": f"r{i + 1}",
            "mode": mode,
            "language": language,
            "gender_wish": gender_wish,
            "community": community,
            "urgency": rng.choices([1, 2, 3], weights=[0.85, 0.12, 0.03])[0],
            "waiting_days": min(int(rng.expovariate(1 / 9)), 60),
            "previous_volunteer": previous,
            "avoid": avoid,
            "needs_pair": mode == "home" and rng.random() < 0.10,
            "slots": _request_slots(rng),
        })
    return {"timezone": "Asia/Shanghai", "slot_minutes": 60, "volunteers": volunteers, "requests": requests}


# ---------------------------------------------------------------------------------------------------------------
# Independent exact check: one binary per (request, volunteer, slot), solved by SCIP. It shares no code with the
# matcher (not even the rule checks), so agreement means the two formulations found the same optimum weight.
# ---------------------------------------------------------------------------------------------------------------


def reference_weight(data: dict, time_limit: float = MIP_TIME_LIMIT) -> tuple[int | None, bool]:
    """Maximum total weight by a MIP over request x volunteer x slot; returns (weight, proven optimal)."""
    from ortools.linear_solver import pywraplp

    volunteers = data["volunteers"]
    free_at: dict[str, list[int]] = {}
    for v, volunteer in enumerate(volunteers):
        if volunteer["max_slots"] > 0:
            for slot in volunteer["slots"]:
                free_at.setdefault(slot, []).append(v)

    def may_serve(request: dict, volunteer: dict) -> bool:
        return (request["language"] in volunteer["languages"]
                and request["mode"] in volunteer["modes"]
                and (request["mode"] == "phone" or volunteer["community"] == request["community"])
                and request.get("gender_wish") in (None, volunteer["gender"])
                and volunteer["id"] not in request.get("avoid", []))

    solver = pywraplp.Solver.CreateSolver("SCIP")
    objective = solver.Objective()
    by_volunteer_slot: dict[tuple[int, str], list] = {}
    by_volunteer: dict[int, list] = {}
    for request in data["requests"]:
        needed = 2 if request.get("needs_pair") else 1
        weight = request["urgency"] * 100 + min(request["waiting_days"], 30)
        served_in = []
        for slot in dict.fromkeys(request["slots"]):
            fitting = [v for v in free_at.get(slot, []) if may_serve(request, volunteers[v])]
            if len(fitting) < needed:
                continue
            y = solver.BoolVar("")  # request served in this slot
            objective.SetCoefficient(y, weight)
            team = solver.Constraint(0, 0)  # in its slot, exactly the volunteers it needs
            team.SetCoefficient(y, -needed)
            for v in fitting:
                x = solver.BoolVar("")
                team.SetCoefficient(x, 1)
                by_volunteer_slot.setdefault((v, slot), []).append(x)
                by_volunteer.setdefault(v, []).append(x)
            served_in.append(y)
        if served_in:
            once = solver.Constraint(0, 1)
            for y in served_in:
                once.SetCoefficient(y, 1)
    for xs in by_volunteer_slot.values():  # a volunteer once per slot
        row = solver.Constraint(0, 1)
        for x in xs:
            row.SetCoefficient(x, 1)
    for v, xs in by_volunteer.items():  # and at most max_slots in the week
        row = solver.Constraint(0, volunteers[v]["max_slots"])
        for x in xs:
            row.SetCoefficient(x, 1)
    objective.SetMaximization()
    solver.SetTimeLimit(int(time_limit * 1000))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, 0.0)
    status = solver.Solve(parameters)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, False
    return round(objective.Value()), status == pywraplp.Solver.OPTIMAL


# ---------------------------------------------------------------------------------------------------------------
# Running the benchmark: every timed step in a fresh process, measured by the kernel's accounting
# ---------------------------------------------------------------------------------------------------------------

# The bare pair-free flow: read and validate the file, build the network, one min-cost flow with the pairs'
# units free to split (the relaxation), the flows read back. Nothing written.
BARE_FLOW = """
import os, sys
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `python -m listening match` does
from listening.matching.candidates import Candidates
from listening.matching.instance import Instance
from listening.matching.network import Network
network = Network(Candidates(Instance.from_json(sys.argv[1])))
network.solve_flow(None)
os._exit(0)  # no interpreter teardown, as `python -m listening match` ends
"""

# The generic MIP on the same file, in its own process; prints its weight and whether it is proven.
GENERIC_MIP = """
import json, sys
sys.path.insert(0, sys.argv[2])
from bench_matching import reference_weight
print(json.dumps(reference_weight(json.load(open(sys.argv[1], encoding="utf-8")))))
"""


def timed(command: list[str]) -> tuple[float, float, float, str]:
    """Run `command` in a fresh process: (wall s, CPU s user + sys, peak memory MB, stdout), from the child's
    own resource use as the kernel counted it (os.wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {err.read().strip()}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def best_of(command: list[str], runs: int) -> tuple[float, float, float, float, str]:
    """(best wall, worst wall, CPU of the best run, peak MB, stdout of the best run) over `runs` fresh runs."""
    results = [timed(command) for _ in range(runs)]
    best = min(results, key=lambda r: r[0])
    return best[0], max(r[0] for r in results), best[1], max(r[2] for r in results), best[3]


def certificate(instance, result) -> str:
    """What the flow relaxation proves about the whole lexicographic objective of `result`, recomputed here.

    Weight and continuity are optimal when they meet the uncapped relaxation (its optimum is lexicographic).
    Max load L is optimal when at cap L - 1 no flow reaches that weight and continuity. Earliest slots are
    bounded by the relaxation at cap L when its weight and continuity are the result's; the gap is in ranks.
    The result's own proof (proven_optimal) covers the weight; this recomputation is the benchmark's check.
    """
    from listening.matching.candidates import Candidates
    from listening.matching.network import Network

    candidates = Candidates(instance)
    network = Network(candidates)
    objective = result.objective
    reached = (2 * objective.weight, objective.continuity)
    weight2, continuity, _ = network.score(network.solve_flow(None))
    parts = [f"weight {'optimal' if reached[0] == weight2 else 'NOT at the bound'}",
             f"continuity {'optimal' if reached == (weight2, continuity) else 'NOT at the bound'}"]
    cap = objective.max_load - 1
    if cap < 1 or network.units_weight_bound(cap) < reached[0]:
        lower_out = True
    else:
        capped = network.score(network.solve_flow(cap))
        lower_out = capped[:2] < reached
    parts.append(f"max load {objective.max_load} {'optimal' if lower_out else 'NOT proven'}")
    at_cap = network.score(network.solve_flow(objective.max_load))
    slot_sum = sum(candidates.slot_rank[a.slot] for a in result.assignments)
    if at_cap[:2] == reached:
        gap = slot_sum - -(-at_cap[2] // 2)  # a matching's rank sum is whole: the halved bound rounds up
        parts.append("earliest slots optimal" if gap == 0 else f"earliest slots within {gap} ranks of the bound"
                     f" (sum {slot_sum})")
    else:
        parts.append("earliest slots not bounded")
    return ", ".join(parts)


def run_size(name: str, seed: int, runs: int, mip_seen: dict[str, float]) -> None:
    from listening import matching

    n_requests, n_volunteers = SIZES[name]
    data = generate_week(n_requests, n_volunteers, seed)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    instance_path = OUT_DIR / f"{name}-seed{seed}-instance.json"
    result_path = OUT_DIR / f"{name}-seed{seed}-result.json"
    instance_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pairs = sum(r["needs_pair"] for r in data["requests"])
    print(f"size {name}: {n_requests} requests x {n_volunteers} volunteers, {pairs} pair requests, "
          f"seed {seed} -> {instance_path.relative_to(ROOT)}")

    python = sys.executable
    match = [python, "-m", "listening", "match", str(instance_path), "-o", str(result_path)]
    wall, worst, cpu, memory, _ = best_of(match, runs)
    print(f"  end to end (python -m listening match), best of {runs}: {wall:.2f} s "
          f"(spread {wall:.2f}-{worst:.2f} s), CPU {cpu:.2f} s, peak memory {memory:.0f} MB")
    bare_wall, bare_worst, bare_cpu, _, _ = best_of([python, "-c", BARE_FLOW, str(instance_path)], runs)
    print(f"  bare pair-free flow, best of {runs}: {bare_wall:.2f} s (spread {bare_wall:.2f}-{bare_worst:.2f} s), "
          f"CPU {bare_cpu:.2f} s -> ratio {wall / bare_wall:.2f} (CPU {cpu / bare_cpu:.2f})")

    instance = matching.Instance.from_json(instance_path)
    result = matching.MatchResult.from_dict(json.loads(result_path.read_text(encoding="utf-8")))
    objective = result.objective
    problems = matching.check_assignment(instance, result)
    if name in MIP_SIZES:
        mip_wall, _, mip_cpu, _, out = best_of([python, "-c", GENERIC_MIP, str(instance_path), str(ROOT / "benchmarks")],
                                              1)
        weight, proven = json.loads(out)
        mip_seen[name] = mip_wall
        verdict = "agree" if weight == objective.weight and proven else "DISAGREE" if proven else "inconclusive"
        print(f"  generic MIP (request x volunteer x slot, SCIP), one run: {mip_wall:.2f} s, CPU {mip_cpu:.2f} s, "
              f"weight {weight}, proven optimal {proven} -> ratio {mip_wall / wall:.1f}x slower; weights {verdict}")
    else:
        measured = ", ".join(f"{size} took {seconds:.0f} s" for size, seconds in mip_seen.items())
        print(f"  MIP not run at {name}: too slow for a benchmark run (here {measured or 'no smaller size ran'};"
              f" HiGHS needed 1,599 s to prove this size, issue 16)")
    greedy = matching.greedy(instance).objective
    print(f"  result: served {len(result.assignments)}, weight {objective.weight}, continuity {objective.continuity},"
          f" max load {objective.max_load}, hard-rule violations {len(problems)};"
          f" greedy weight {greedy.weight} ({100 * greedy.weight / max(objective.weight, 1):.1f}%)")
    print(f"  proven: proven_optimal {result.proven_optimal} in the result (the weight); by the relaxation: "
          f"{certificate(instance, result)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated sizes among S, M, L (default S,M,L)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="fresh runs per timing; the best is shown (default 3)")
    args = parser.parse_args(argv)
    sizes = [size.strip().upper() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose among {', '.join(SIZES)}")
    mip_seen: dict[str, float] = {}
    for name in sizes:
        run_size(name, args.seed, args.runs, mip_seen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
