"""Who may serve whom, and when: every (request, volunteer, slot) that passes the hard rules, grouped by profile."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from listening.matching.instance import GENDERS, LOCAL_MODES, MODES, Instance, RequestIn


class Candidates:
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
        self.request_slot_ranks: list[list[int]] = []  # ascending; lists, as the solver's loops read them
        profiles = self.profile_of_request.tolist()
        for r, request in enumerate(requests):
            ranks = sorted([self.slot_rank[s] for s in request.slots])
            self.request_slot_ranks.append(ranks)
            wanted_slots[profiles[r]].update(ranks)
        self.pool_of: dict[tuple[int, int], int] = {}  # (profile, slot rank) -> pool
        pool_members: list[np.ndarray] = []
        for p, fit in enumerate(self.profile_fit):
            if not wanted_slots[p] or not fit.any():
                continue
            fitting = np.flatnonzero(fit)
            ranks = sorted(wanted_slots[p])
            # One pool per slot column with someone free: its members in volunteer order, as boolean indexing gives.
            columns, rows = np.nonzero(self.free[np.ix_(fitting, ranks)].T)
            starts = np.flatnonzero(np.diff(columns, prepend=-1)).tolist()
            members = fitting[rows]
            for start, end, column in zip(starts, [*starts[1:], len(columns)], columns[starts].tolist()):
                self.pool_of[(p, ranks[column])] = len(pool_members)
                pool_members.append(members[start:end])
        self.pool_members = pool_members

        # Per request, (slot rank, pool) where enough fitting volunteers are free: every solver step asks for them.
        sizes = [len(members) for members in pool_members]
        self._usable: list[tuple[tuple[int, int], ...]] = []
        for r, request in enumerate(requests):
            p, needed = profiles[r], request.volunteers_needed
            usable = []
            for t in self.request_slot_ranks[r]:
                pool = self.pool_of.get((p, t))
                if pool is not None and sizes[pool] >= needed:
                    usable.append((t, pool))
            self._usable.append(tuple(usable))

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

    def usable_slots(self, r: int) -> tuple[tuple[int, int], ...]:
        """(slot rank, pool) for every slot of request r where enough fitting volunteers are free."""
        return self._usable[r]

    def previous_volunteer(self, r: int) -> int | None:
        """Index of the request's previous volunteer when that volunteer fits it (time aside)."""
        request = self.instance.requests[r]
        v = self.volunteer_index.get(request.previous_volunteer) if request.previous_volunteer else None
        if v is None or not self.profile_fit[self.profile_of_request[r]][v]:
            return None
        return v
