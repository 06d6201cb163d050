"""A matching's result: assignments, the lexicographic objective, the result JSON, and the check of a result
against the hard rules."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from listening.matching.candidates import Candidates
from listening.matching.explain import Unmatched, diagnose
from listening.matching.instance import LOCAL_MODES, Instance, parse_slot


@dataclass(frozen=True)
class Assignment:
    request: str
    volunteers: tuple[str, ...]
    slot: str

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "volunteers": list(self.volunteers), "slot": self.slot}


@dataclass(frozen=True)
class Objective:
    """The lexicographic objective of a matching. `slot_rank_sum` (objective 4, earliest slots) is the sum over
    served requests of their slot's position among all the instance's slots in time order."""

    weight: int
    continuity: int
    max_load: int
    slot_rank_sum: int = 0

    def key(self) -> tuple[int, int, int, int]:
        """Larger is better."""
        return (self.weight, self.continuity, -self.max_load, -self.slot_rank_sum)

    def to_dict(self) -> dict[str, int]:
        return {"weight": self.weight, "continuity": self.continuity, "max_load": self.max_load}


@dataclass
class MatchResult:
    assignments: list[Assignment]
    unmatched: list[Unmatched]
    objective: Objective
    seconds: float
    proven_optimal: bool = False
    # Where the time went (candidates, optimise, explain); for benchmarks, not part of the JSON.
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignments": [a.to_dict() for a in self.assignments],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "objective": self.objective.to_dict(),
            "seconds": round(self.seconds, 3),
            "proven_optimal": self.proven_optimal,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchResult:
        """Read back a result written by `to_dict` (for checks and tools)."""
        try:
            objective = data["objective"]
            return cls(
                assignments=[Assignment(a["request"], tuple(a["volunteers"]), parse_slot(a["slot"]))
                             for a in data["assignments"]],
                unmatched=[Unmatched(u["request"], u["code"], dict(u.get("params", {})))
                           for u in data.get("unmatched", [])],
                objective=Objective(objective["weight"], objective["continuity"], objective["max_load"]),
                seconds=float(data.get("seconds", 0.0)),
                proven_optimal=bool(data.get("proven_optimal", False)),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"result: malformed ({exc!r})") from None


def evaluate(instance: Instance, assignments: Iterable[Assignment]) -> Objective:
    """The objective of a set of assignments (which need not be valid)."""
    ranks = {slot: i for i, slot in enumerate(sorted(
        {s for v in instance.volunteers for s in v.slots} | {s for r in instance.requests for s in r.slots}))}
    weight = continuity = slot_rank_sum = 0
    load: dict[str, int] = defaultdict(int)
    for assignment in assignments:
        request = instance.request(assignment.request)
        if request is None:
            continue
        weight += request.weight
        continuity += request.previous_volunteer in assignment.volunteers
        slot_rank_sum += ranks.get(assignment.slot, 0)
        for volunteer_id in assignment.volunteers:
            load[volunteer_id] += 1
    return Objective(weight, continuity, max(load.values(), default=0), slot_rank_sum)


def result_from_units(
    candidates: Candidates, units: Mapping[int, list[tuple[int, int]]], started: float, proven: bool
) -> MatchResult:
    instance = candidates.instance
    assignments = []
    for r, request in enumerate(instance.requests):
        got = units.get(r)
        if not got:
            continue
        previous = candidates.volunteer_index.get(request.previous_volunteer, -1)
        volunteers = sorted((v for _, v in got), key=lambda v: (v != previous, v))
        assignments.append(Assignment(
            request.id, tuple(instance.volunteers[v].id for v in volunteers), candidates.slots[got[0][0]]))
    explaining = time.perf_counter()
    unmatched = diagnose(candidates, (r for r in range(len(instance.requests)) if not units.get(r)))
    finished = time.perf_counter()
    return MatchResult(assignments, unmatched, evaluate(instance, assignments), seconds=finished - started,
                       proven_optimal=proven, timings={"explain": finished - explaining})


# ---------------------------------------------------------------------------------------------------------------
# Checking a result against the hard rules
# ---------------------------------------------------------------------------------------------------------------


def check_assignment(instance: Instance, result: MatchResult) -> list[str]:
    """Every hard-rule violation in `result` (empty when valid), plus bookkeeping errors: requests assigned twice,
    neither assigned nor listed unmatched, or an objective that does not match the assignments."""
    problems: list[str] = []
    assigned: set[str] = set()
    slot_use: dict[tuple[str, str], list[str]] = defaultdict(list)
    load: dict[str, int] = defaultdict(int)
    for a in result.assignments:
        request = instance.request(a.request)
        if request is None:
            problems.append(f"{a.request}: unknown request")
            continue
        if a.request in assigned:
            problems.append(f"{a.request}: assigned more than once")
        assigned.add(a.request)
        if len(a.volunteers) != request.volunteers_needed:
            problems.append(f"{a.request}: needs {request.volunteers_needed} volunteer(s), got {len(a.volunteers)}")
        if len(set(a.volunteers)) != len(a.volunteers):
            problems.append(f"{a.request}: the same volunteer twice")
        if a.slot not in request.slots:
            problems.append(f"{a.request}: slot {a.slot} is not one the resident accepts")
        for volunteer_id in a.volunteers:
            volunteer = instance.volunteer(volunteer_id)
            if volunteer is None:
                problems.append(f"{a.request}: unknown volunteer {volunteer_id}")
                continue
            where = f"{a.request} with {volunteer_id}"
            if a.slot not in volunteer.slots:
                problems.append(f"{where}: volunteer not free at {a.slot}")
            if request.language not in volunteer.languages:
                problems.append(f"{where}: volunteer does not speak {request.language}")
            if request.mode not in volunteer.modes:
                problems.append(f"{where}: volunteer not certified for {request.mode}")
            if request.mode in LOCAL_MODES and volunteer.community != request.community:
                problems.append(f"{where}: volunteer lives in {volunteer.community}, not {request.community}")
            if request.gender_wish is not None and volunteer.gender != request.gender_wish:
                problems.append(f"{where}: resident wished a volunteer of gender {request.gender_wish}")
            if volunteer_id in request.avoid:
                problems.append(f"{where}: volunteer is on the resident's do-not-match list")
            slot_use[(volunteer_id, a.slot)].append(a.request)
            load[volunteer_id] += 1
    for (volunteer_id, slot), used_by in slot_use.items():
        if len(used_by) > 1:
            problems.append(f"{volunteer_id}: booked {len(used_by)} times at {slot} ({', '.join(used_by)})")
    for volunteer_id, count in load.items():
        volunteer = instance.volunteer(volunteer_id)
        if volunteer is not None and count > volunteer.max_slots:
            problems.append(f"{volunteer_id}: {count} slots, over the weekly cap of {volunteer.max_slots}")
    listed_unmatched = {u.request for u in result.unmatched}
    for request_id in sorted(listed_unmatched & assigned):
        problems.append(f"{request_id}: both assigned and listed as unmatched")
    for request in instance.requests:
        if request.id not in assigned and request.id not in listed_unmatched:
            problems.append(f"{request.id}: neither assigned nor listed as unmatched")
    actual = evaluate(instance, result.assignments).to_dict()
    if result.objective.to_dict() != actual:
        problems.append(f"objective {result.objective.to_dict()} does not match the assignments ({actual})")
    return problems
