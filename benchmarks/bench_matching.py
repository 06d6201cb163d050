"""Matching benchmark: realistic, seeded weeks at three sizes, solved by `listening.matching`.

    python benchmarks/bench_matching.py [--sizes S,M,L] [--seed N]

Per size it prints build and solve seconds, requests served, total weight, whether the solver proved the weight
optimal, the first-come (sign-up sheet) baseline, peak memory, and for S and M a cross-check of the optimal
weight against a second, independent exact formulation (a request x volunteer x slot MIP solved by HiGHS through
scipy.optimize.milp). Instances and results are written to benchmarks/out/ in the documented JSON format.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from listening import matching  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "out"

SIZES = {"S": (200, 50), "M": (2_000, 500), "L": (10_000, 2_000)}

WEEK_START = datetime(2026, 11, 30)  # a Monday, local time in Asia/Shanghai
FIRST_HOUR, LAST_HOUR = 8, 20  # hourly slots starting 08:00 ... 20:00, i.e. 08:00-21:00
EVENING_HOURS = (19, 20)
WEEKDAYS, WEEKEND = range(0, 5), range(5, 7)

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
# Independent exact check: one binary per (request, volunteer, slot), solved by HiGHS. It shares no code with the
# matcher (not even the rule checks), so agreement means the two formulations found the same optimum weight.
# ---------------------------------------------------------------------------------------------------------------


def reference_weight(data: dict, time_limit: float = 600.0) -> tuple[int | None, bool, float]:
    """Maximum total weight by a MIP over request x volunteer x slot; returns (weight, proven optimal, seconds)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    started = time.perf_counter()
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

    # Columns: x[r, v, t] for each allowed triple, then y[r, t] (request r served in slot t).
    x_request, x_volunteer, x_slot, y_request, y_slot = [], [], [], [], []
    for r, request in enumerate(data["requests"]):
        for slot in dict.fromkeys(request["slots"]):
            fitting = [v for v in free_at.get(slot, []) if may_serve(request, volunteers[v])]
            if len(fitting) < (2 if request.get("needs_pair") else 1):
                continue
            y_request.append(r)
            y_slot.append(slot)
            x_request += [r] * len(fitting)
            x_volunteer += fitting
            x_slot += [slot] * len(fitting)
    n_x, n_y = len(x_request), len(y_request)
    if n_y == 0:
        return 0, True, time.perf_counter() - started
    y_index = {(r, slot): n_x + j for j, (r, slot) in enumerate(zip(y_request, y_slot))}
    rows, cols, vals, upper = [], [], [], []

    def add_row(entries: list[tuple[int, float]], bound: float) -> None:
        row = len(upper)
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        upper.append(bound)

    # Each request in at most one slot; in its slot, exactly the volunteers it needs.
    by_request: dict[int, list[int]] = {}
    for j, r in enumerate(y_request):
        by_request.setdefault(r, []).append(n_x + j)
    for r, columns in by_request.items():
        add_row([(c, 1.0) for c in columns], 1.0)
    x_by_y: dict[int, list[int]] = {}
    for i, (r, slot) in enumerate(zip(x_request, x_slot)):
        x_by_y.setdefault(y_index[(r, slot)], []).append(i)
    equalities = len(upper)
    for y_col, xs in x_by_y.items():
        needed = 2.0 if data["requests"][y_request[y_col - n_x]].get("needs_pair") else 1.0
        add_row([(i, 1.0) for i in xs] + [(y_col, -needed)], 0.0)
    n_equalities = len(upper) - equalities
    # A volunteer once per slot, and at most max_slots in the week.
    by_volunteer_slot: dict[tuple[int, str], list[int]] = {}
    by_volunteer: dict[int, list[int]] = {}
    for i, (v, slot) in enumerate(zip(x_volunteer, x_slot)):
        by_volunteer_slot.setdefault((v, slot), []).append(i)
        by_volunteer.setdefault(v, []).append(i)
    for xs in by_volunteer_slot.values():
        add_row([(i, 1.0) for i in xs], 1.0)
    for v, xs in by_volunteer.items():
        add_row([(i, 1.0) for i in xs], float(volunteers[v]["max_slots"]))

    matrix = coo_matrix((vals, (rows, cols)), shape=(len(upper), n_x + n_y)).tocsr()
    lower = np.full(len(upper), -np.inf)
    lower[equalities:equalities + n_equalities] = 0.0
    weights = [r["urgency"] * 100 + min(r["waiting_days"], 30) for r in data["requests"]]
    objective = np.concatenate([np.zeros(n_x), -np.array([weights[r] for r in y_request], dtype=float)])
    result = milp(objective, integrality=np.ones(n_x + n_y), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(matrix, lower, np.array(upper)),
                  options={"time_limit": time_limit, "mip_rel_gap": 0.0})
    seconds = time.perf_counter() - started
    if result.x is None:
        return None, False, seconds
    return int(round(-result.fun)), result.status == 0, seconds


# ---------------------------------------------------------------------------------------------------------------
# Running the benchmark
# ---------------------------------------------------------------------------------------------------------------


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_size(name: str, seed: int, check: bool) -> None:
    n_requests, n_volunteers = SIZES[name]
    data = generate_week(n_requests, n_volunteers, seed)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    instance_path = OUT_DIR / f"{name}-seed{seed}-instance.json"
    instance_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pairs = sum(r["needs_pair"] for r in data["requests"])
    print(f"size {name}: {n_requests} requests x {n_volunteers} volunteers, {pairs} pair requests, "
          f"seed {seed} -> {instance_path.relative_to(ROOT)}")

    started = time.perf_counter()
    instance = matching.Instance.from_dict(json.loads(instance_path.read_text(encoding="utf-8")))
    read = time.perf_counter() - started
    result = matching.solve(instance)
    build = read + result.timings["candidates"]
    solve = result.seconds - result.timings["candidates"]
    (OUT_DIR / f"{name}-seed{seed}-result.json").write_text(
        json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
    problems = matching.check_assignment(instance, result)
    baseline = matching.greedy(instance)
    baseline_problems = matching.check_assignment(instance, baseline)
    objective, base = result.objective, baseline.objective

    print(f"  build {build:.3f} s (read + validate {read:.3f}, candidates {result.timings['candidates']:.3f})"
          f"  solve {solve:.3f} s (optimise {result.timings['optimise']:.3f}, explain {result.timings['explain']:.3f})"
          f"  total {build + solve:.3f} s")
    print(f"  optimal: served {len(result.assignments)}, weight {objective.weight}, continuity {objective.continuity},"
          f" max load {objective.max_load}, proven_optimal {result.proven_optimal},"
          f" hard-rule violations {len(problems)}")
    print(f"  greedy:  served {len(baseline.assignments)}, weight {base.weight}"
          f" ({100 * base.weight / max(objective.weight, 1):.1f}% of optimal), continuity {base.continuity},"
          f" max load {base.max_load}, hard-rule violations {len(baseline_problems)}, {baseline.seconds:.3f} s")
    if objective.weight < base.weight:
        print("  WARNING: optimal weight below greedy")
    if check:
        weight, proven, seconds = reference_weight(data)
        verdict = "agree" if weight == objective.weight and proven else "DISAGREE" if proven else "inconclusive"
        print(f"  check:   request x volunteer x slot MIP (HiGHS): weight {weight}, proven optimal {proven},"
              f" {seconds:.2f} s -> weights {verdict}")
    print(f"  peak memory so far {peak_memory_mb():.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated sizes among S, M, L (default S,M,L)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [size.strip().upper() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose among {', '.join(SIZES)}")
    # SciPy (HiGHS) is imported on first use, when a pair request needs a MIP; its one-off cost is shown here
    # rather than hidden inside the first size.
    started = time.perf_counter()
    import scipy.optimize  # noqa: F401
    print(f"one-off import of scipy.optimize (the MIP for pair requests): {time.perf_counter() - started:.2f} s")
    for name in sizes:
        run_size(name, args.seed, check=name in ("S", "M"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
