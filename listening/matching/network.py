"""The network: one min-cost flow whose integer cost folds objectives 1, 2 and 4 lexicographically, and the same
network as a MIP (SCIP through OR-Tools) in which pairs stay whole."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from ortools.linear_solver import pywraplp

from listening.matching.candidates import Candidates

# Arc kinds.
SERVE, SLOT, CONTINUITY_ENTRY, CONTINUITY, PAIR_ENTRY, PAIR_SLOT, POOL, VOLUNTEER_SLOT, CAP, BYPASS = range(10)
_INT64_MAX = int(np.iinfo(np.int64).max)


class Network:
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

    def __init__(self, candidates: Candidates) -> None:
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
        pool_sizes = np.array([len(candidates.pool_members[p]) for p in used_pools], dtype=np.int64)
        members = (np.concatenate([candidates.pool_members[p] for p in used_pools]) if used_pools
                   else np.zeros(0, dtype=np.int64))
        member_rank = np.array([pool_slot[p] for p in used_pools], dtype=np.int64).repeat(pool_sizes)
        used = np.zeros((n_volunteers, n_slots), dtype=bool)
        used[members, member_rank] = True
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
        # fromiter over the flattened rows: np.array on a list of tuples is three times slower.
        request_side = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=8 * len(rows)).reshape(-1, 8)

        # Volunteer-side arcs, built with numpy: pool -> (volunteer, slot), (volunteer, slot) -> volunteer -> sink.
        pool_ids = np.repeat(np.array(used_pools, dtype=np.int64), pool_sizes)
        pool_node_of = np.array([pool_node[p] for p in used_pools], dtype=np.int64).repeat(pool_sizes)
        n_pool, n_vs = len(members), len(vs_volunteer)
        minus = lambda n: np.full(n, -1, dtype=np.int64)
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

    def units_weight_bound(self, load_cap: int | None) -> int:
        """An upper bound on the doubled weight of any flow at the cap: at most k units reach the sink (k by a
        max flow, which is an order of magnitude faster than a min-cost one), each worth at most one of the k
        largest per-unit values. Often enough to rule a cap out without the weight-only flow."""
        capacities = self.capacities_with(load_cap).copy()
        capacities[self.kind == BYPASS] = 0
        solver = max_flow.SimpleMaxFlow()
        solver.add_arcs_with_capacity(self.tails, self.heads, capacities)
        if solver.solve(self.SOURCE, self.SINK) != solver.OPTIMAL:
            raise RuntimeError("max flow failed")
        serve = np.flatnonzero(self.kind == SERVE)
        unit_values = np.repeat(self.weight2[serve], self.capacities[serve])  # per unit
        return int(np.sort(unit_values)[::-1][:solver.optimal_flow()].sum())

    def solve_flow(self, load_cap: int | None, *, weight_only: bool = False,
                   pair_slots: Mapping[int, int | None] | None = None) -> np.ndarray | None:
        """Min-cost flow with every volunteer capped at min(max_slots, load_cap); returns the flow on each arc.

        `weight_only` drops objectives 2 and 4: the smaller costs solve faster when only the weight matters.
        `pair_slots` decides some pair requests: None leaves one unserved, a slot rank serves it whole in that
        slot (its two units are injected at the request node, so they cannot be halved or split; the returned
        flow shows them on its serve arc). Given those decisions the flow is exact for everything else. Returns
        None if the decisions cannot all be met.
        """
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
# The same network as a MIP (SCIP through OR-Tools: scipy's HiGHS would cost the command line 0.5 s of import)
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class MipOutcome:
    flows: np.ndarray
    weight_optimal: bool  # objective 1 proven optimal within the arcs that were free


def solve_network_mip(
    network: Network,
    free: np.ndarray,
    base_flows: np.ndarray,
    load_cap: int | None,
    deadline: float,
    weight2_known: int | None = None,
) -> MipOutcome | None:
    """Re-optimise the free arcs exactly (pairs whole, in one slot), the others fixed at `base_flows`.

    A request's arcs must be all free or all fixed, and `base_flows` must be a flow (balanced at every node).

    Objectives are solved one after another (weight, then continuity, then slot ranks), each stage keeping the
    earlier optimum as a constraint: the coefficients stay small, so SCIP's floating point is exact here.
    With `weight2_known` (a doubled weight already reached, all arcs free), stops after proving the weight if
    it cannot beat that. Returns None when no solution was found in time.
    """
    free_arcs = np.flatnonzero(free)
    n_free = len(free_arcs)
    fixed = ~free
    inflow_fixed = (np.bincount(network.heads[fixed], weights=base_flows[fixed], minlength=network.num_nodes)
                    - np.bincount(network.tails[fixed], weights=base_flows[fixed], minlength=network.num_nodes))
    tails, heads = network.tails[free_arcs], network.heads[free_arcs]
    touched = np.zeros(network.num_nodes, dtype=bool)  # a mask rather than np.unique, which imports numpy.ma
    touched[tails] = touched[heads] = True
    touched[[network.SOURCE, network.SINK]] = False  # the source and sink balance through the bypass arc
    nodes = np.flatnonzero(touched)
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

    # Rows: flow balance at each free node, then 2 * y[r, t] = the pair's units in slot t. Entries sorted by row.
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
    rows, cols, vals = (np.concatenate(part) for part in (entry_rows, entry_cols, entry_vals))
    order = np.argsort(rows, kind="stable")
    rows, cols, vals = rows[order], cols[order].tolist(), vals[order].tolist()
    row_starts = np.searchsorted(rows, np.arange(len(nodes) + n_pairs + 1)).tolist()
    balance = np.concatenate([-inflow_fixed[nodes], np.zeros(n_pairs)]).tolist()
    upper = np.concatenate([network.capacities_with(load_cap)[free_arcs], np.ones(n_pairs)]).tolist()

    solver = pywraplp.Solver.CreateSolver("SCIP")
    x = [solver.IntVar(0.0, bound, "") for bound in upper]
    for row, value in enumerate(balance):
        constraint = solver.Constraint(value, value)
        for k in range(row_starts[row], row_starts[row + 1]):
            constraint.SetCoefficient(x[cols[k]], vals[k])
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, 0.0)

    stages = [  # coefficients to minimise, in lexicographic order
        -network.weight2[free_arcs],
        -network.bonus[free_arcs],
        network.slot_cost[free_arcs],
    ]
    solution = None
    proven = []
    for coefficients in stages:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            break
        objective = solver.Objective()
        objective.Clear()
        nonzero = np.flatnonzero(coefficients).tolist()
        for j in nonzero:
            objective.SetCoefficient(x[j], float(coefficients[j]))
        objective.SetMinimization()
        solver.SetTimeLimit(int(remaining * 1000))
        status = solver.Solve(parameters)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            break
        solution = np.rint([var.solution_value() for var in x[:n_free]]).astype(np.int64)
        proven.append(status == pywraplp.Solver.OPTIMAL)
        if status != pywraplp.Solver.OPTIMAL:
            break
        value = int(coefficients @ solution)
        if len(proven) == 1 and weight2_known is not None and -value < weight2_known + 0.5:
            break  # the weight already reached is optimal; the tie-breaks are not worth a whole-network solve
        # Keep this optimum while improving the next objective (and hint it); values are integral, hence the half.
        kept = solver.Constraint(-solver.infinity(), value + 0.5)
        for j in nonzero:
            kept.SetCoefficient(x[j], float(coefficients[j]))
        solver.SetHint(x[:n_free], solution.astype(float).tolist())
    if solution is None:
        return None
    flows = base_flows.copy()
    flows[free_arcs] = solution
    return MipOutcome(flows, weight_optimal=bool(proven and proven[0]))
