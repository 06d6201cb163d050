"""Matching volunteers to listening requests: instance format, exact solver, baseline, checks and explanations.

Pure: no database, no Streamlit. The app builds an `Instance` from the database, `python -m listening match`
reads one from JSON (/work/shared/matching-instance.md describes the format and the rules).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from listening.core.i18n import N_
from listening.core.labels import SESSION_KIND_LABELS, msgid_for_value
from listening.models import Language, Mode

MODES = ("phone", "centre", "home")
LOCAL_MODES = frozenset({"centre", "home"})  # the volunteer must live in the resident's community
GENDERS = ("f", "m")
URGENCIES = (1, 2, 3)
SLOT_FORMAT = "%Y-%m-%dT%H:%M"
MAX_COUNTED_WAITING_DAYS = 30


# ---------------------------------------------------------------------------------------------------------------
# Instance
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerIn:
    id: str
    languages: tuple[str, ...]
    gender: str | None
    modes: tuple[str, ...]
    community: str | None
    max_slots: int
    slots: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "languages": list(self.languages),
            "gender": self.gender,
            "modes": list(self.modes),
            "community": self.community,
            "max_slots": self.max_slots,
            "slots": list(self.slots),
        }


@dataclass(frozen=True)
class RequestIn:
    id: str
    mode: str
    language: str
    slots: tuple[str, ...]
    gender_wish: str | None = None
    community: str | None = None
    urgency: int = 1
    waiting_days: int = 0
    previous_volunteer: str | None = None
    avoid: tuple[str, ...] = ()
    needs_pair: bool = False

    @property
    def weight(self) -> int:
        return self.urgency * 100 + min(self.waiting_days, MAX_COUNTED_WAITING_DAYS)

    @property
    def volunteers_needed(self) -> int:
        return 2 if self.needs_pair else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mode": self.mode,
            "language": self.language,
            "gender_wish": self.gender_wish,
            "community": self.community,
            "urgency": self.urgency,
            "waiting_days": self.waiting_days,
            "previous_volunteer": self.previous_volunteer,
            "avoid": list(self.avoid),
            "needs_pair": self.needs_pair,
            "slots": list(self.slots),
        }


def fits(request: RequestIn, volunteer: VolunteerIn) -> bool:
    """Every hard rule between one request and one volunteer, apart from time and capacity (for a coordinator
    editing a proposal; the solver checks the same rules in bulk)."""
    return (
        request.language in volunteer.languages
        and request.mode in volunteer.modes
        and (request.mode not in LOCAL_MODES or volunteer.community == request.community)
        and (request.gender_wish is None or volunteer.gender == request.gender_wish)
        and volunteer.id not in request.avoid
    )


@dataclass(frozen=True)
class Instance:
    volunteers: tuple[VolunteerIn, ...]
    requests: tuple[RequestIn, ...]
    timezone: str = "Asia/Shanghai"
    slot_minutes: int = 60

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Validate and read the documented JSON structure; a malformed input raises ValueError saying where."""
        _expect_mapping(data, "instance")
        _reject_unknown_keys(data, {"timezone", "slot_minutes", "volunteers", "requests"}, "instance")
        timezone = data.get("timezone", "Asia/Shanghai")
        if not isinstance(timezone, str):
            raise ValueError(f"instance: timezone must be a string, not {timezone!r}")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"instance: unknown timezone {timezone!r}") from None
        slot_minutes = _expect_int(data.get("slot_minutes", 60), "instance: slot_minutes", minimum=1)
        for key in ("volunteers", "requests"):
            if key not in data:
                raise ValueError(f"instance: missing {key!r}")
            if not isinstance(data[key], list):
                raise ValueError(f"instance: {key!r} must be a list")
        volunteers = tuple(_read_volunteer(v, i) for i, v in enumerate(data["volunteers"]))
        requests = tuple(_read_request(r, i) for i, r in enumerate(data["requests"]))
        for kind, items in (("volunteer", volunteers), ("request", requests)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"duplicate {kind} id {item.id!r}")
                seen.add(item.id)
        return cls(volunteers=volunteers, requests=requests, timezone=timezone, slot_minutes=slot_minutes)

    @classmethod
    def from_json(cls, path: str | Path) -> Instance:
        with open(path, encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "slot_minutes": self.slot_minutes,
            "volunteers": [v.to_dict() for v in self.volunteers],
            "requests": [r.to_dict() for r in self.requests],
        }

    def volunteer(self, volunteer_id: str) -> VolunteerIn | None:
        return self._volunteers_by_id.get(volunteer_id)

    def request(self, request_id: str) -> RequestIn | None:
        return self._requests_by_id.get(request_id)

    # cached_property writes straight into __dict__, so it works on a frozen dataclass.
    @cached_property
    def _volunteers_by_id(self) -> dict[str, VolunteerIn]:
        return {v.id: v for v in self.volunteers}

    @cached_property
    def _requests_by_id(self) -> dict[str, RequestIn]:
        return {r.id: r for r in self.requests}


_VOLUNTEER_KEYS = {"id", "languages", "gender", "modes", "community", "max_slots", "slots"}
_REQUEST_KEYS = {
    "id", "mode", "language", "gender_wish", "community", "urgency", "waiting_days",
    "previous_volunteer", "avoid", "needs_pair", "slots",
}


def _read_volunteer(data: Any, index: int) -> VolunteerIn:
    where = f"volunteers[{index}]"
    _expect_mapping(data, where)
    volunteer_id = _expect_id(data.get("id"), f"{where}.id")
    where = f"volunteer {volunteer_id!r}"
    _reject_unknown_keys(data, _VOLUNTEER_KEYS, where)
    for key in ("languages", "modes", "max_slots", "slots"):
        if key not in data:
            raise ValueError(f"{where}: missing {key!r}")
    languages = _expect_strings(data["languages"], f"{where}: languages")
    modes = _expect_strings(data["modes"], f"{where}: modes")
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"{where}: unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    gender = data.get("gender")
    if gender is not None and gender not in GENDERS:
        raise ValueError(f"{where}: gender must be 'f', 'm' or null, not {gender!r}")
    community = data.get("community")
    if community is not None and (not isinstance(community, str) or not community):
        raise ValueError(f"{where}: community must be a non-empty string or null, not {community!r}")
    return VolunteerIn(
        id=volunteer_id,
        languages=languages,
        gender=gender,
        modes=modes,
        community=community,
        max_slots=_expect_int(data["max_slots"], f"{where}: max_slots", minimum=0),
        slots=_read_slots(data["slots"], f"{where}: slots"),
    )


def _read_request(data: Any, index: int) -> RequestIn:
    where = f"requests[{index}]"
    _expect_mapping(data, where)
    request_id = _expect_id(data.get("id"), f"{where}.id")
    where = f"request {request_id!r}"
    _reject_unknown_keys(data, _REQUEST_KEYS, where)
    for key in ("mode", "language", "slots"):
        if key not in data:
            raise ValueError(f"{where}: missing {key!r}")
    mode = data["mode"]
    if mode not in MODES:
        raise ValueError(f"{where}: unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    language = data["language"]
    if not isinstance(language, str) or not language:
        raise ValueError(f"{where}: language must be a non-empty string, not {language!r}")
    gender_wish = data.get("gender_wish")
    if gender_wish is not None and gender_wish not in GENDERS:
        raise ValueError(f"{where}: gender_wish must be 'f', 'm' or null, not {gender_wish!r}")
    community = data.get("community")
    if community is not None and (not isinstance(community, str) or not community):
        raise ValueError(f"{where}: community must be a non-empty string or null, not {community!r}")
    if mode in LOCAL_MODES and community is None:
        raise ValueError(f"{where}: a {mode} request needs the resident's community")
    urgency = _expect_int(data.get("urgency", 1), f"{where}: urgency")
    if urgency not in URGENCIES:
        raise ValueError(f"{where}: urgency must be 1, 2 or 3, not {urgency!r}")
    previous = data.get("previous_volunteer")
    if previous is not None:
        previous = _expect_id(previous, f"{where}: previous_volunteer")
    needs_pair = data.get("needs_pair", False)
    if not isinstance(needs_pair, bool):
        raise ValueError(f"{where}: needs_pair must be true or false, not {needs_pair!r}")
    return RequestIn(
        id=request_id,
        mode=mode,
        language=language,
        slots=_read_slots(data["slots"], f"{where}: slots"),
        gender_wish=gender_wish,
        community=community,
        urgency=urgency,
        waiting_days=_expect_int(data.get("waiting_days", 0), f"{where}: waiting_days", minimum=0),
        previous_volunteer=previous,
        avoid=_expect_strings(data.get("avoid", []), f"{where}: avoid", allow_empty=True),
        needs_pair=needs_pair,
    )


def _expect_mapping(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object, not {type(value).__name__}")


def _reject_unknown_keys(data: Mapping, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")


def _expect_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: expected a non-empty string id, not {value!r}")
    return value


def _expect_int(value: Any, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: expected an integer, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: must be at least {minimum}, not {value}")
    return value


def _expect_strings(value: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{where}: expected a list of non-empty strings, not {value!r}")
    if not value and not allow_empty:
        raise ValueError(f"{where}: must not be empty")
    return tuple(dict.fromkeys(value))


def _read_slots(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of local times like '2026-12-02T19:00', not {value!r}")
    return tuple(dict.fromkeys(parse_slot(item, where) for item in value))


def parse_slot(value: Any, where: str = "slot") -> str:
    """A slot is a local start time 'YYYY-MM-DDTHH:MM' (no UTC offset); returns it in that canonical form."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: slot {value!r} is not an ISO local time like '2026-12-02T19:00'")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: slot {value!r} is not an ISO local time like '2026-12-02T19:00'") from None
    if moment.tzinfo is not None:
        raise ValueError(f"{where}: slot {value!r} has a UTC offset; slots are local times in the instance timezone")
    if "T" not in value or moment.second or moment.microsecond:
        raise ValueError(f"{where}: slot {value!r} must be a date and a start time to the minute")
    return moment.strftime(SLOT_FORMAT)


# ---------------------------------------------------------------------------------------------------------------
# Candidates: who may serve whom, and when
# ---------------------------------------------------------------------------------------------------------------


class _Candidates:
    """Every (request, volunteer, slot) that passes the hard rules, grouped so the solver's network stays small.

    Requests with the same mode, language, community (for centre/home), gender wish and avoid list share a
    *profile*: they fit exactly the same volunteers. For each profile and slot there is one pool of volunteers
    free then; requests reach volunteers through these pools, so the network has (requests x slots) +
    (pools x volunteers) arcs instead of requests x volunteers x slots.
    """

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        volunteers, requests = instance.volunteers, instance.requests
        self.slots: list[str] = sorted(
            {s for v in volunteers for s in v.slots} | {s for r in requests for s in r.slots})
        self.slot_rank = {slot: i for i, slot in enumerate(self.slots)}
        self.volunteer_index = {v.id: i for i, v in enumerate(volunteers)}
        n_volunteers = len(volunteers)

        self.free = np.zeros((n_volunteers, len(self.slots)), dtype=bool)
        for i, volunteer in enumerate(volunteers):
            if volunteer.max_slots > 0:  # a volunteer with no hours left this week is free at no time
                self.free[i, [self.slot_rank[s] for s in volunteer.slots]] = True
        self.max_slots = np.array([v.max_slots for v in volunteers], dtype=np.int64)

        speaks: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n_volunteers, dtype=bool))
        holds = {mode: np.zeros(n_volunteers, dtype=bool) for mode in MODES}
        lives_in: dict[str | None, np.ndarray] = defaultdict(lambda: np.zeros(n_volunteers, dtype=bool))
        is_gender = {gender: np.zeros(n_volunteers, dtype=bool) for gender in GENDERS}
        for i, volunteer in enumerate(volunteers):
            for language in volunteer.languages:
                speaks[language][i] = True
            for mode in volunteer.modes:
                holds[mode][i] = True
            lives_in[volunteer.community][i] = True
            if volunteer.gender in is_gender:
                is_gender[volunteer.gender][i] = True
        self.speaks, self.holds, self.lives_in, self.is_gender = speaks, holds, lives_in, is_gender

        # Profiles and, per profile, the volunteers that fit regardless of time.
        self.profile_of_request = np.zeros(len(requests), dtype=np.int64)
        profile_ids: dict[tuple, int] = {}
        self.profile_fit: list[np.ndarray] = []
        for r, request in enumerate(requests):
            key = self._profile_key(request)
            p = profile_ids.get(key)
            if p is None:
                p = profile_ids[key] = len(self.profile_fit)
                self.profile_fit.append(self._fitting_volunteers(request))
            self.profile_of_request[r] = p

        # Pools: for each profile and each slot one of its requests accepts, the fitting volunteers free then.
        wanted_slots: list[set[int]] = [set() for _ in self.profile_fit]
        self.request_slot_ranks: list[np.ndarray] = []
        for r, request in enumerate(requests):
            ranks = np.array(sorted(self.slot_rank[s] for s in request.slots), dtype=np.int64)
            self.request_slot_ranks.append(ranks)
            wanted_slots[self.profile_of_request[r]].update(ranks.tolist())
        self.pool_of: dict[tuple[int, int], int] = {}  # (profile, slot rank) -> pool
        pool_members: list[np.ndarray] = []
        for p, fit in enumerate(self.profile_fit):
            if not wanted_slots[p] or not fit.any():
                continue
            fitting = np.flatnonzero(fit)
            ranks = np.array(sorted(wanted_slots[p]), dtype=np.int64)
            available = self.free[np.ix_(fitting, ranks)]
            for column in np.flatnonzero(available.any(axis=0)):
                self.pool_of[(p, int(ranks[column]))] = len(pool_members)
                pool_members.append(fitting[available[:, column]])
        self.pool_members = pool_members

    def _profile_key(self, request: RequestIn) -> tuple:
        community = request.community if request.mode in LOCAL_MODES else None
        avoided = tuple(sorted(self.volunteer_index[v] for v in request.avoid if v in self.volunteer_index))
        return (request.mode, request.language, community, request.gender_wish, avoided)

    def _fitting_volunteers(self, request: RequestIn) -> np.ndarray:
        n_volunteers = len(self.instance.volunteers)
        fit = self.speaks.get(request.language, np.zeros(n_volunteers, dtype=bool)) & self.holds[request.mode]
        if request.mode in LOCAL_MODES:
            fit = fit & self.lives_in.get(request.community, np.zeros(n_volunteers, dtype=bool))
        if request.gender_wish is not None:
            fit = fit & self.is_gender[request.gender_wish]
        for volunteer_id in request.avoid:
            if volunteer_id in self.volunteer_index:
                fit[self.volunteer_index[volunteer_id]] = False
        return fit

    def usable_slots(self, r: int) -> list[tuple[int, int]]:
        """(slot rank, pool) for every slot of request r where enough fitting volunteers are free."""
        request = self.instance.requests[r]
        p = int(self.profile_of_request[r])
        usable = []
        for t in self.request_slot_ranks[r].tolist():
            pool = self.pool_of.get((p, t))
            if pool is not None and len(self.pool_members[pool]) >= request.volunteers_needed:
                usable.append((t, pool))
        return usable

    def previous_volunteer(self, r: int) -> int | None:
        """Index of the request's previous volunteer when that volunteer fits it (time aside)."""
        request = self.instance.requests[r]
        v = self.volunteer_index.get(request.previous_volunteer) if request.previous_volunteer else None
        if v is None or not self.profile_fit[self.profile_of_request[r]][v]:
            return None
        return v


# ---------------------------------------------------------------------------------------------------------------
# The network: one min-cost flow whose integer cost folds objectives 1, 2 and 4 lexicographically
# ---------------------------------------------------------------------------------------------------------------

# Arc kinds.
SERVE, SLOT, CONTINUITY_ENTRY, CONTINUITY, PAIR_ENTRY, PAIR_SLOT, POOL, VOLUNTEER_SLOT, CAP, BYPASS = range(10)
_INT64_MAX = int(np.iinfo(np.int64).max)


class _Network:
    """source -> request -> (profile, slot) pool -> (volunteer, slot) -> volunteer -> sink, plus source -> sink.

    A request sends one unit per volunteer it needs. An ordinary request sends it into the pool of the slot it
    gets; a pair request has a private node per fitting volunteer instead (request -> (request, volunteer) ->
    (volunteer, slot)), so one volunteer never fills both places of a pair. A request whose previous volunteer
    fits may send one unit through its continuity node straight to that volunteer's slot; the node's entry arc
    carries the continuity bonus, once. (volunteer, slot) arcs have capacity 1 and volunteer -> sink the weekly
    cap. For ordinary requests every integral flow is a valid matching. A pair's two units are not forced into
    one slot, nor to travel together, so with pairs the flow is a *relaxation*: its optimum bounds the true
    optimum, and is the true optimum whenever every pair in it is whole.

    Costs are doubled so a pair's per-unit share stays integral: a served request is worth 2 x weight units, its
    continuity 2 continuity units, its slot 2 x slot rank. A weight unit exceeds every continuity and slot total
    together, a continuity unit every slot total, so minimising the single integer cost is exactly lexicographic
    in objectives 1, 2, 4. Objective 3 (max load) is handled outside, as a cap on volunteer -> sink arcs.
    """

    def __init__(self, candidates: _Candidates) -> None:
        self.candidates = candidates
        instance = candidates.instance
        requests = instance.requests
        n_volunteers = len(instance.volunteers)
        n_slots = len(candidates.slots)
        self.SOURCE, self.SINK = 0, 1

        usable = [candidates.usable_slots(r) for r in range(len(requests))]
        self.request_ids = [r for r in range(len(requests)) if usable[r]]
        self.previous: dict[int, int] = {}
        continuity_slots: dict[int, list[int]] = {}
        for r in self.request_ids:
            v = candidates.previous_volunteer(r)
            slots = [t for t, _ in usable[r] if v is not None and candidates.free[v, t]]
            if slots:
                self.previous[r] = v
                continuity_slots[r] = slots
        pair_ids = [r for r in self.request_ids if requests[r].needs_pair]
        used_pools = sorted({pool for r in self.request_ids if not requests[r].needs_pair for _, pool in usable[r]})
        pool_slot = {pool: t for (_, t), pool in candidates.pool_of.items()}
        # For each pair request, the fitting volunteers other than its previous one, and when each is free.
        pair_places: dict[int, dict[int, list[int]]] = {}
        for r in pair_ids:
            places: dict[int, list[int]] = defaultdict(list)
            for t, pool in usable[r]:
                for v in candidates.pool_members[pool].tolist():
                    if v != self.previous.get(r):
                        places[v].append(t)
            pair_places[r] = places

        # Nodes.
        next_node = 2
        request_node = {r: next_node + i for i, r in enumerate(self.request_ids)}
        next_node += len(request_node)
        continuity_node = {r: next_node + i for i, r in enumerate(continuity_slots)}
        next_node += len(continuity_node)
        pool_node = {pool: next_node + i for i, pool in enumerate(used_pools)}
        next_node += len(pool_node)
        used = np.zeros((n_volunteers, n_slots), dtype=bool)
        for pool in used_pools:
            used[candidates.pool_members[pool], pool_slot[pool]] = True
        for r, ts in continuity_slots.items():
            used[self.previous[r], ts] = True
        for places in pair_places.values():
            for v, ts in places.items():
                used[v, ts] = True
        vs_volunteer, vs_rank = np.nonzero(used)
        vs_node = np.full((n_volunteers, n_slots), -1, dtype=np.int64)
        vs_node[vs_volunteer, vs_rank] = next_node + np.arange(len(vs_volunteer))
        next_node += len(vs_volunteer)
        volunteer_node = next_node + np.arange(n_volunteers)
        next_node += n_volunteers

        # Request-side arcs, one Python row each: (kind, tail, head, capacity, request, volunteer, rank, pool).
        rows: list[tuple[int, int, int, int, int, int, int, int]] = []
        for r in self.request_ids:
            units, node = requests[r].volunteers_needed, request_node[r]
            rows.append((SERVE, self.SOURCE, node, units, r, -1, -1, -1))
            if requests[r].needs_pair:
                for v, ts in pair_places[r].items():
                    place = next_node
                    next_node += 1
                    rows.append((PAIR_ENTRY, node, place, 1, r, v, -1, -1))
                    rows.extend((PAIR_SLOT, place, int(vs_node[v, t]), 1, r, v, t, -1) for t in ts)
            else:
                rows.extend((SLOT, node, pool_node[pool], units, r, -1, t, pool) for t, pool in usable[r])
            if r in continuity_slots:
                v = self.previous[r]
                rows.append((CONTINUITY_ENTRY, node, continuity_node[r], 1, r, -1, -1, -1))
                rows.extend((CONTINUITY, continuity_node[r], int(vs_node[v, t]), 1, r, v, t, -1)
                            for t in continuity_slots[r])
        self.num_nodes = next_node
        request_side = np.array(rows, dtype=np.int64).reshape(-1, 8)

        # Volunteer-side arcs, built with numpy: pool -> (volunteer, slot), (volunteer, slot) -> volunteer -> sink.
        pool_sizes = np.array([len(candidates.pool_members[p]) for p in used_pools], dtype=np.int64)
        pool_ids = np.repeat(np.array(used_pools, dtype=np.int64), pool_sizes)
        members = (np.concatenate([candidates.pool_members[p] for p in used_pools]) if used_pools
                   else np.zeros(0, dtype=np.int64))
        member_rank = np.array([pool_slot[p] for p in used_pools], dtype=np.int64).repeat(pool_sizes)
        pool_node_of = np.array([pool_node[p] for p in used_pools], dtype=np.int64).repeat(pool_sizes)
        n_pool, n_vs = len(members), len(vs_volunteer)
        minus = lambda n: np.full(n, -1, dtype=np.int64)  # noqa: E731
        self.total_units = sum(requests[r].volunteers_needed for r in self.request_ids)
        volunteer_side = np.column_stack([
            np.concatenate([np.full(n_pool, POOL), np.full(n_vs, VOLUNTEER_SLOT), np.full(n_volunteers, CAP),
                            [BYPASS]]),
            np.concatenate([pool_node_of, vs_node[vs_volunteer, vs_rank], volunteer_node, [self.SOURCE]]),
            np.concatenate([vs_node[members, member_rank], volunteer_node[vs_volunteer],
                            np.full(n_volunteers, self.SINK), [self.SINK]]),
            np.concatenate([np.ones(n_pool + n_vs, dtype=np.int64), candidates.max_slots, [self.total_units]]),
            minus(n_pool + n_vs + n_volunteers + 1),
            np.concatenate([members, vs_volunteer, np.arange(n_volunteers), [-1]]),
            np.concatenate([member_rank, vs_rank, minus(n_volunteers + 1)]),
            np.concatenate([pool_ids, minus(n_vs + n_volunteers + 1)]),
        ]).astype(np.int64)
        table = np.concatenate([request_side, volunteer_side])
        (self.kind, self.tails, self.heads, self.capacities,
         self.arc_request, self.arc_volunteer, self.arc_rank, self.arc_pool) = table.T.copy()
        self.num_arcs = len(table)

        # The three folded objectives, per unit of flow, in doubled units (see class docstring).
        needed = np.array([r.volunteers_needed for r in requests] or [1], dtype=np.int64)
        weights = np.array([r.weight for r in requests] or [0], dtype=np.int64)
        request_of_arc = np.maximum(self.arc_request, 0)
        share = np.where(self.arc_request >= 0, 2 // needed[request_of_arc], 0)
        self.weight2 = np.where(self.kind == SERVE, share * weights[request_of_arc], 0)
        self.bonus = (self.kind == CONTINUITY_ENTRY).astype(np.int64)
        self.slot_cost = np.where(np.isin(self.kind, (SLOT, CONTINUITY, PAIR_SLOT)), share * self.arc_rank, 0)
        slot_total_bound = sum(2 * max(t for t, _ in usable[r]) for r in self.request_ids)
        self.continuity_unit = 1 + slot_total_bound
        self.weight_unit = self.continuity_unit * (1 + 2 * len(continuity_slots))
        largest = int(self.weight2.max(initial=0)) * self.weight_unit
        # OR-Tools multiplies costs by the number of nodes; refuse rather than overflow int64.
        if largest * (self.num_nodes + 1) >= _INT64_MAX:
            raise ValueError("instance too large for exact lexicographic costs; split it, e.g. by community")
        self.costs = -self.weight2 * self.weight_unit - 2 * self.bonus * self.continuity_unit + self.slot_cost

        self.needs_pair = np.array([r.needs_pair for r in requests] or [False], dtype=bool)
        self.cap_arcs = np.flatnonzero(self.kind == CAP)  # in volunteer order

    def capacities_with(self, load_cap: int | None) -> np.ndarray:
        if load_cap is None:
            return self.capacities
        capacities = self.capacities.copy()
        capacities[self.cap_arcs] = np.minimum(capacities[self.cap_arcs], load_cap)
        return capacities

    def solve_flow(self, load_cap: int | None, *, weight_only: bool = False,
                   pair_slots: Mapping[int, int | None] | None = None) -> np.ndarray | None:
        """Min-cost flow with every volunteer capped at min(max_slots, load_cap); returns the flow on each arc.

        `weight_only` drops objectives 2 and 4: the smaller costs solve faster when only the weight matters.
        `pair_slots` decides some pair requests: None leaves one unserved, a slot rank serves it whole in that
        slot (its two units are injected at the request node, so they cannot be halved or split; the returned
        flow shows them on its serve arc). Given those decisions the flow is exact for everything else. Returns
        None if the decisions cannot all be met.
        """
        from ortools.graph.python import min_cost_flow

        capacities = self.capacities_with(load_cap).copy()
        supplies = {self.SOURCE: self.total_units, self.SINK: -self.total_units}
        forced_serve_arcs = []
        for r, slot in (pair_slots or {}).items():
            arcs = np.flatnonzero(self.arc_request == r)
            serve = arcs[self.kind[arcs] == SERVE][0]
            capacities[serve] = 0
            if slot is not None:
                elsewhere = arcs[(self.arc_rank[arcs] >= 0) & (self.arc_rank[arcs] != slot)]
                capacities[elsewhere] = 0
                node = int(self.heads[serve])
                supplies[node] = supplies.get(node, 0) + 2
                supplies[self.SOURCE] -= 2
                forced_serve_arcs.append(serve)
        solver = min_cost_flow.SimpleMinCostFlow()
        costs = -self.weight2 if weight_only else self.costs
        solver.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, capacities, costs)
        solver.set_nodes_supplies(np.array(list(supplies)), np.array(list(supplies.values())))
        status = solver.solve()
        if status == solver.INFEASIBLE and pair_slots:
            return None
        if status != solver.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        flows = np.asarray(solver.flows(np.arange(self.num_arcs)), dtype=np.int64)
        flows[forced_serve_arcs] = 2
        return flows

    def score(self, flows: np.ndarray) -> tuple[int, int, int]:
        """(doubled weight, continuity, doubled slot ranks) the flow claims; a relaxation's claim is a bound."""
        return int(self.weight2 @ flows), int(self.bonus @ flows), int(self.slot_cost @ flows)

    def units(self, flows: np.ndarray) -> dict[int, list[tuple[int, int]]]:
        """Per request, its (slot rank, volunteer) units. Volunteers in one pool are interchangeable."""
        free_in_pool: dict[int, list[int]] = defaultdict(list)
        for a in np.flatnonzero((self.kind == POOL) & (flows > 0)).tolist():
            free_in_pool[int(self.arc_pool[a])].append(int(self.arc_volunteer[a]))
        units: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for a in np.flatnonzero(np.isin(self.kind, (CONTINUITY, PAIR_SLOT)) & (flows > 0)).tolist():
            units[int(self.arc_request[a])].append((int(self.arc_rank[a]), int(self.arc_volunteer[a])))
        for a in np.flatnonzero((self.kind == SLOT) & (flows > 0)).tolist():
            pool, r, t = int(self.arc_pool[a]), int(self.arc_request[a]), int(self.arc_rank[a])
            for _ in range(int(flows[a])):
                units[r].append((t, free_in_pool[pool].pop()))
        return dict(units)

    def broken_pairs(self, units: Mapping[int, list[tuple[int, int]]]) -> list[int]:
        """Pair requests the relaxation served by halves or split over two slots."""
        return sorted(
            r for r, got in units.items()
            if self.needs_pair[r] and (len(got) != 2 or got[0][0] != got[1][0])
        )

    def local_region(self, units: Mapping[int, list[tuple[int, int]]], broken: Sequence[int]) -> np.ndarray:
        """Arcs to re-optimise around broken pairs; every other arc keeps its flow.

        The region's volunteers are those who could fill a place in a broken pair; its requests are the broken
        pairs and the requests those volunteers serve now. Region requests move only among region volunteers:
        pools keep their flow to everyone else, so any solution of the region MIP is a whole, valid matching.
        """
        broken_mask = np.zeros(len(self.needs_pair), dtype=bool)
        broken_mask[list(broken)] = True
        on_broken = (self.arc_request >= 0) & broken_mask[np.maximum(self.arc_request, 0)]
        in_region = np.zeros(len(self.cap_arcs), dtype=bool)
        in_region[self.arc_volunteer[on_broken & (self.arc_volunteer >= 0)]] = True
        region_requests = broken_mask
        for r, got in units.items():
            if any(in_region[v] for _, v in got):
                region_requests[r] = True
        # All arcs of a region request are free, so a pair's units are never split between free and fixed arcs;
        # those leading outside the region are held at their flow by the fixed pools and volunteers there.
        request_side = (self.arc_request >= 0) & region_requests[np.maximum(self.arc_request, 0)]
        touches_region = (self.arc_volunteer >= 0) & in_region[np.maximum(self.arc_volunteer, 0)]
        volunteer_side = np.isin(self.kind, (POOL, VOLUNTEER_SLOT, CAP)) & touches_region
        return request_side | volunteer_side


# ---------------------------------------------------------------------------------------------------------------
# The same network as a MIP (HiGHS through scipy) in which pairs stay whole
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _MipOutcome:
    flows: np.ndarray
    weight_optimal: bool  # objective 1 proven optimal within the arcs that were free


def _solve_network_mip(
    network: _Network,
    free: np.ndarray,
    base_flows: np.ndarray,
    load_cap: int | None,
    deadline: float,
    weight2_known: int | None = None,
) -> _MipOutcome | None:
    """Re-optimise the free arcs exactly (pairs whole, in one slot), the others fixed at `base_flows`.

    A request's arcs must be all free or all fixed, and `base_flows` must be a flow (balanced at every node).

    Objectives are solved one after another (weight, then continuity, then slot ranks), each stage keeping the
    earlier optimum as a constraint: the coefficients stay small, so HiGHS's floating point is exact here.
    With `weight2_known` (a doubled weight already reached, all arcs free), stops after proving the weight if
    it cannot beat that. Returns None when no solution was found in time.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    free_arcs = np.flatnonzero(free)
    n_free = len(free_arcs)
    fixed = ~free
    inflow_fixed = (np.bincount(network.heads[fixed], weights=base_flows[fixed], minlength=network.num_nodes)
                    - np.bincount(network.tails[fixed], weights=base_flows[fixed], minlength=network.num_nodes))
    tails, heads = network.tails[free_arcs], network.heads[free_arcs]
    nodes = np.unique(np.concatenate([tails, heads]))
    nodes = nodes[nodes > network.SINK]  # the source and sink balance through the bypass arc
    row_of = np.full(network.num_nodes, -1, dtype=np.int64)
    row_of[nodes] = np.arange(len(nodes))

    # Pairs: the units a pair request sends to slot t, through its pool and its continuity arc, are 2 * y[r, t].
    requests = network.arc_request[free_arcs]
    is_pair_unit = np.isin(network.kind[free_arcs], (SLOT, CONTINUITY, PAIR_SLOT)) & (requests >= 0)
    is_pair_unit &= network.needs_pair[np.maximum(requests, 0)]
    pair_keys, pair_row = np.unique(
        requests[is_pair_unit] * (len(network.candidates.slots) + 1) + network.arc_rank[free_arcs][is_pair_unit],
        return_inverse=True,
    )
    n_pairs = len(pair_keys)

    columns = np.arange(n_free)
    entry_rows, entry_cols, entry_vals = [], [], []
    for endpoint, sign in ((heads, 1.0), (tails, -1.0)):
        keep = row_of[endpoint] >= 0
        entry_rows.append(row_of[endpoint][keep])
        entry_cols.append(columns[keep])
        entry_vals.append(np.full(keep.sum(), sign))
    pair_offset = len(nodes)
    entry_rows += [pair_offset + pair_row, pair_offset + np.arange(n_pairs)]
    entry_cols += [columns[is_pair_unit], n_free + np.arange(n_pairs)]
    entry_vals += [np.ones(len(pair_row)), np.full(n_pairs, -2.0)]
    matrix = coo_matrix(
        (np.concatenate(entry_vals), (np.concatenate(entry_rows), np.concatenate(entry_cols))),
        shape=(len(nodes) + n_pairs, n_free + n_pairs),
    ).tocsr()
    balance = np.concatenate([-inflow_fixed[nodes], np.zeros(n_pairs)])
    constraints = [LinearConstraint(matrix, balance, balance)]
    upper = np.concatenate([network.capacities_with(load_cap)[free_arcs], np.ones(n_pairs)]).astype(float)
    bounds = Bounds(np.zeros(n_free + n_pairs), upper)
    integrality = np.ones(n_free + n_pairs)

    stages = [  # coefficients to minimise, in lexicographic order
        -network.weight2[free_arcs].astype(float),
        -network.bonus[free_arcs].astype(float),
        network.slot_cost[free_arcs].astype(float),
    ]
    solution = None
    proven = []
    for coefficients in stages:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        c = np.concatenate([coefficients, np.zeros(n_pairs)])
        result = milp(c, integrality=integrality, bounds=bounds, constraints=constraints,
                      options={"time_limit": remaining, "mip_rel_gap": 0.0, "disp": False})
        if result.x is None:
            break
        solution = np.rint(result.x)
        proven.append(result.status == 0)
        if result.status != 0:
            break
        if len(proven) == 1 and weight2_known is not None and -result.fun < weight2_known + 0.5:
            break  # the weight already reached is optimal; the tie-breaks are not worth a whole-network solve
        # Keep this optimum while improving the next objective; values are integral, hence the half.
        value = float(c @ solution)
        constraints = constraints + [LinearConstraint(c.reshape(1, -1), -np.inf, value + 0.5)]
    if solution is None:
        return None
    flows = base_flows.copy()
    flows[free_arcs] = solution[:n_free].astype(np.int64)
    return _MipOutcome(flows, weight_optimal=bool(proven and proven[0]))


# ---------------------------------------------------------------------------------------------------------------
# Results and reasons
# ---------------------------------------------------------------------------------------------------------------

# Why a request stays unmatched, most basic first; every template names something a coordinator can change.
REASON_TEMPLATES = {
    "no_language": N_("no volunteer speaks {language}"),
    "no_mode": N_("no volunteer speaking {language} is certified for {mode} sessions"),
    "no_community": N_("no volunteer speaking {language} and certified for {mode} sessions lives in {community}"),
    "no_female_volunteer": N_("no female volunteer speaks {language} and is certified for {mode} sessions"),
    "no_male_volunteer": N_("no male volunteer speaks {language} and is certified for {mode} sessions"),
    "all_avoided": N_("every volunteer who fits is on the resident's do-not-match list"),
    "no_free_slot": N_(
        "no volunteer speaking {language} and certified for {mode} sessions is free in the wished slots"),
    "no_pair": N_("a paired visit needs two volunteers at once, but at most one who fits is free in any wished slot"),
    "capacity": N_(
        "every volunteer who fits and is free in the wished slots ({volunteers}) is taken by other requests"),
}


def reason_text(code: str, params: Mapping[str, Any], gettext: Callable[[str], str] = lambda s: s) -> str:
    """The coordinator-facing sentence for an unmatched code, translated then filled in.

    Mode and language codes in `params` are shown by their (translated) names; unknown codes pass through.
    """
    if code not in REASON_TEMPLATES:
        raise ValueError(f"unknown unmatched reason code {code!r}")
    shown = dict(params)
    mode = msgid_for_value(Mode, shown.get("mode"), registry=SESSION_KIND_LABELS)
    if mode:
        shown["mode"] = gettext(mode)
    language = msgid_for_value(Language, shown.get("language"))
    if language:
        shown["language"] = gettext(language)
    return gettext(REASON_TEMPLATES[code]).format(**shown)


@dataclass(frozen=True)
class Assignment:
    request: str
    volunteers: tuple[str, ...]
    slot: str

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "volunteers": list(self.volunteers), "slot": self.slot}


@dataclass(frozen=True)
class Unmatched:
    request: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "reason": self.reason, "code": self.code, "params": dict(self.params)}


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


def _profile_reason(candidates: _Candidates, r: int) -> tuple[str, dict[str, Any]] | None:
    """Why no volunteer at all fits request r's profile, testing the most basic rule first; None if some do."""
    request = candidates.instance.requests[r]
    nobody = np.zeros(len(candidates.instance.volunteers), dtype=bool)
    params: dict[str, Any] = {"language": request.language, "mode": request.mode}
    fitting = candidates.speaks.get(request.language, nobody)
    if not fitting.any():
        return "no_language", {"language": request.language}
    fitting = fitting & candidates.holds[request.mode]
    if not fitting.any():
        return "no_mode", params
    if request.mode in LOCAL_MODES:
        params["community"] = request.community
        fitting = fitting & candidates.lives_in.get(request.community, nobody)
        if not fitting.any():
            return "no_community", params
    if request.gender_wish is not None:
        fitting = fitting & candidates.is_gender[request.gender_wish]
        if not fitting.any():
            return ("no_female_volunteer" if request.gender_wish == "f" else "no_male_volunteer"), params
    if not candidates.profile_fit[candidates.profile_of_request[r]].any():
        return "all_avoided", {}
    return None


def _diagnose(candidates: _Candidates, unserved: Iterable[int]) -> list[Unmatched]:
    """A reason a coordinator can act on for each unserved request: the most basic rule that rules it out."""
    requests = candidates.instance.requests
    by_profile: dict[int, tuple[str, dict[str, Any]] | None] = {}
    reasons = []
    for r in unserved:
        request = requests[r]
        p = int(candidates.profile_of_request[r])
        if p not in by_profile:
            by_profile[p] = _profile_reason(candidates, r)
        if by_profile[p] is not None:
            code, params = by_profile[p]
            reasons.append(Unmatched(request.id, code, dict(params)))
            continue
        pools = [candidates.pool_members[pool] for t in candidates.request_slot_ranks[r].tolist()
                 if (pool := candidates.pool_of.get((p, t))) is not None]
        if not pools:
            params = {"language": request.language, "mode": request.mode}
            reasons.append(Unmatched(request.id, "no_free_slot", params))
        elif max(len(members) for members in pools) < request.volunteers_needed:
            reasons.append(Unmatched(request.id, "no_pair", {}))
        else:
            volunteers = len(np.unique(np.concatenate(pools)))
            reasons.append(Unmatched(request.id, "capacity", {"volunteers": volunteers}))
    return reasons


def _result_from_units(
    candidates: _Candidates, units: Mapping[int, list[tuple[int, int]]], started: float, proven: bool
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
    unmatched = _diagnose(candidates, (r for r in range(len(instance.requests)) if not units.get(r)))
    finished = time.perf_counter()
    return MatchResult(assignments, unmatched, evaluate(instance, assignments), seconds=finished - started,
                       proven_optimal=proven, timings={"explain": finished - explaining})


# ---------------------------------------------------------------------------------------------------------------
# The optimal matcher
# ---------------------------------------------------------------------------------------------------------------

# Below this many arcs a MIP over the whole network takes milliseconds, so broken pairs are settled by it and the
# answer is exactly lexicographic; above, a MIP around the broken pairs is used first (see _plan_at_cap).
FULL_MIP_MAX_ARCS = 3_000
# Rough cost of proving the weight by a MIP over the whole network (HiGHS, measured on benchmark weeks, with
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


def _score(network: _Network, units: Mapping[int, list[tuple[int, int]]]) -> tuple[int, int, int]:
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
    network: _Network, load_cap: int | None, deadline: float, reach: tuple[int, int] | None = None
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
        # Weight alone is a cheaper flow (smaller costs) and usually enough to rule a cap out.
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
        outcome = _solve_network_mip(
            network, np.ones(network.num_arcs, dtype=bool), flows, load_cap, deadline, weight2_known)
        if outcome is not None:
            consider(network.units(outcome.flows))
            best.weight_proven |= outcome.weight_optimal

    if network.num_arcs <= FULL_MIP_MAX_ARCS:
        whole_network_mip()
    else:
        decided = _decide_pairs_around(network, load_cap, deadline, flows, units, broken, consider)
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
    network: _Network, load_cap: int | None, deadline: float, r: int, units: Mapping[int, list[tuple[int, int]]],
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
    network: _Network, load_cap: int | None, deadline: float, flows: np.ndarray,
    units: dict[int, list[tuple[int, int]]], broken: list[int], consider: Callable[[dict], None],
) -> dict[int, int | None]:
    """Settle broken pairs by a MIP around them, then solve the flow again with their slots (or absence) fixed.

    The new flow may break other pairs; they are settled the same way, a few rounds at most. Every whole
    matching met on the way is offered to `consider`. Returns the decisions taken.
    """
    decided: dict[int, int | None] = {}
    for _ in range(5):
        if not broken or time.perf_counter() >= deadline:
            break
        outcome = _solve_network_mip(network, network.local_region(units, broken), flows, load_cap, deadline)
        if outcome is None:
            decided.update({r: None for r in broken})
        else:
            found = network.units(outcome.flows)
            consider(found)
            decided.update({r: found[r][0][0] if r in found else None for r in broken})
        flows = network.solve_flow(load_cap, pair_slots=decided)
        if flows is None:
            break
        units = network.units(flows)
        broken = network.broken_pairs(units)
        if not broken:
            consider(units)
    return decided


def _try_other_choices(
    network: _Network, load_cap: int | None, deadline: float, decided: dict[int, int | None],
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
    candidates = _Candidates(instance)
    network = _Network(candidates)
    built = time.perf_counter()
    if not network.request_ids:
        result = _result_from_units(candidates, {}, started, proven=True)
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
        first_come = _first_come_units(candidates)
        if _better(_score(network, first_come), best.score):
            units = first_come
    optimised = time.perf_counter()
    result = _result_from_units(candidates, units, started, proven)
    result.timings.update(candidates=built - started, optimise=optimised - built)
    return result


# ---------------------------------------------------------------------------------------------------------------
# The sign-up sheet baseline
# ---------------------------------------------------------------------------------------------------------------


def greedy(instance: Instance) -> MatchResult:
    """What a first-come sign-up sheet does: longest-waiting requests first (then by id), each taking its earliest
    wished slot where enough fitting volunteers are still free, and the first such volunteers in the list."""
    started = time.perf_counter()
    candidates = _Candidates(instance)
    return _result_from_units(candidates, _first_come_units(candidates), started, proven=False)


def _first_come_units(candidates: _Candidates) -> dict[int, list[tuple[int, int]]]:
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


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------


def run_file(instance_path: str | Path, output_path: str | Path | None = None, *,
             time_limit_seconds: float = 30.0) -> MatchResult:
    """Read an instance JSON, solve it, write the result JSON (to stdout when `output_path` is None or '-')."""
    result = solve(Instance.from_json(instance_path), time_limit_seconds=time_limit_seconds)
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if output_path is None or str(output_path) == "-":
        print(text, end="")
    else:
        Path(output_path).write_text(text, encoding="utf-8")
    return result
