"""The path for large networks with pairs (a MIP around the broken pairs) against the exact whole-network MIP:
when it stops early because weight and continuity meet the relaxation's bound, they are the exact optimum."""

from __future__ import annotations

import pytest

from listening.matching import Instance, check_assignment, solve, solver
from listening.matching.candidates import Candidates
from listening.matching.network import Network
from tests.matching.test_solver import crowded_week


def _compare(seed: int) -> bool:
    """Checks the large path on one crowded week; True when it stopped at the relaxation's bound."""
    inst = Instance.from_dict(crowded_week(seed, n_requests=30, n_volunteers=14))
    exact = solve(inst)  # small: the whole network is one MIP, exactly lexicographic
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "FULL_MIP_MAX_ARCS", 0)
        local = solve(inst)
    assert exact.proven_optimal and check_assignment(inst, local) == []
    exact_key, local_key = exact.objective.key(), local.objective.key()
    assert local_key[:2] <= exact_key[:2]  # never claims more than the optimum
    if local.proven_optimal:
        assert local_key[0] == exact_key[0]
    network = Network(Candidates(inst))
    weight2, continuity, _ = network.score(network.solve_flow(None))
    if (2 * local_key[0], local_key[1]) == (weight2, continuity):  # stopped at the bound
        assert local.proven_optimal and local_key[:2] == exact_key[:2]
    return (2 * local_key[0], local_key[1]) == (weight2, continuity)


def test_large_path_meets_the_exact_weight_and_continuity_when_it_claims_proof():
    stopped_at_bound = [_compare(seed) for seed in range(12)]
    assert any(stopped_at_bound)  # the early stop is exercised, not only the re-solved flow
