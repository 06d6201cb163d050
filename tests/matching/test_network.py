"""The network's bounds: the max-flow weight bound never falls below the weight-only flow, so a cap it rules out
is truly out of reach."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from listening.matching import Instance
from listening.matching.candidates import Candidates
from listening.matching.network import Network
from tests.matching.test_solver import crowded_week, tiny_instances


def _assert_bound_holds(data: dict) -> None:
    network = Network(Candidates(Instance.from_dict(data)))
    if not network.request_ids:
        return
    for cap in (None, 1, 2, 3):
        weight2 = network.score(network.solve_flow(cap, weight_only=True))[0]
        assert network.units_weight_bound(cap) >= weight2


@pytest.mark.parametrize("seed", range(6))
def test_units_weight_bound_is_an_upper_bound_on_crowded_weeks(seed):
    _assert_bound_holds(crowded_week(seed))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(crowded_pairs=True))
def test_units_weight_bound_is_an_upper_bound_on_tiny_weeks(data):
    _assert_bound_holds(data)


def test_units_weight_bound_is_tight_when_every_unit_fits():
    # One volunteer free in two slots, two single requests: both units reach the sink, both weights count.
    slot_a, slot_b = "2026-12-01T10:00", "2026-12-01T15:00"
    data = {"timezone": "Asia/Shanghai", "slot_minutes": 60,
            "volunteers": [{"id": "v1", "languages": ["zh"], "gender": "f", "modes": ["phone"], "community": "c",
                            "max_slots": 2, "slots": [slot_a, slot_b]}],
            "requests": [{"id": f"r{i}", "mode": "phone", "language": "zh", "gender_wish": None, "community": "c",
                          "urgency": 1, "waiting_days": i, "previous_volunteer": None, "avoid": [],
                          "needs_pair": False, "slots": [slot_a, slot_b]} for i in (1, 2)]}
    network = Network(Candidates(Instance.from_dict(data)))
    assert network.units_weight_bound(None) == 2 * (101 + 102)
    assert network.units_weight_bound(1) == 2 * 102
