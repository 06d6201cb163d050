"""Matching: hard rules never broken, weight optimal against a brute-force enumerator, lexicographic tie-breaks,
reasons for unmatched requests, and the instance/result formats."""

from __future__ import annotations

import json
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listening import matching
from listening.__main__ import main
from listening.matching import Instance, check_assignment, greedy, reason_text, solve, solver

MON_09, MON_10, MON_19, TUE_19 = "2026-11-30T09:00", "2026-11-30T10:00", "2026-11-30T19:00", "2026-12-01T19:00"


def volunteer(vid: str, slots: list[str], **fields) -> dict:
    return {"id": vid, "languages": ["zh"], "gender": "f", "modes": ["phone", "centre", "home"],
            "community": "yuehai", "max_slots": 4, "slots": slots, **fields}


def request(rid: str, slots: list[str], **fields) -> dict:
    return {"id": rid, "mode": "phone", "language": "zh", "community": "yuehai", "slots": slots, **fields}


def instance(volunteers: list[dict], requests: list[dict]) -> Instance:
    return Instance.from_dict({"timezone": "Asia/Shanghai", "slot_minutes": 60,
                               "volunteers": volunteers, "requests": requests})


def solved(inst: Instance) -> matching.MatchResult:
    result = solve(inst)
    assert check_assignment(inst, result) == []
    return result


def assignment_of(result: matching.MatchResult, request_id: str) -> matching.Assignment | None:
    return next((a for a in result.assignments if a.request == request_id), None)


# ---------------------------------------------------------------------------------------------------------------
# An independent reference: enumerate every valid matching of a tiny instance
# ---------------------------------------------------------------------------------------------------------------


def brute_force_best(data: dict) -> tuple[int, int, int, int]:
    """The lexicographic optimum (weight, continuity, -max load, -slot rank sum) by exhaustive enumeration.

    Written from the rules in matching-instance.md, sharing no code with the matcher.
    """
    volunteers = {v["id"]: v for v in data["volunteers"]}
    ranks = {s: i for i, s in enumerate(sorted(
        {s for v in data["volunteers"] for s in v["slots"]} | {s for r in data["requests"] for s in r["slots"]}))}

    def may_serve(req: dict, vol: dict) -> bool:
        return (req["language"] in vol["languages"] and req["mode"] in vol["modes"]
                and (req["mode"] == "phone" or vol["community"] == req.get("community"))
                and req.get("gender_wish") in (None, vol["gender"])
                and vol["id"] not in req.get("avoid", []))

    options = []
    for req in data["requests"]:
        needed = 2 if req.get("needs_pair") else 1
        weight = req.get("urgency", 1) * 100 + min(req.get("waiting_days", 0), 30)
        choices = []
        for slot in set(req["slots"]):
            fitting = [v for v in volunteers.values() if slot in v["slots"] and may_serve(req, v)]
            for team in combinations(sorted(fitting, key=lambda v: v["id"]), needed):
                ids = tuple(v["id"] for v in team)
                choices.append((slot, ids, weight, int(req.get("previous_volunteer") in ids), ranks[slot]))
        options.append(choices)

    best = (0, 0, 0, 0)

    def search(i: int, busy: frozenset, load: dict, weight: int, continuity: int, slot_sum: int) -> None:
        nonlocal best
        if i == len(options):
            best = max(best, (weight, continuity, -max(load.values(), default=0), -slot_sum))
            return
        search(i + 1, busy, load, weight, continuity, slot_sum)  # leave request i unserved
        for slot, ids, w, c, rank in options[i]:
            if any((v, slot) in busy or load.get(v, 0) >= volunteers[v]["max_slots"] for v in ids):
                continue
            new_load = dict(load)
            for v in ids:
                new_load[v] = new_load.get(v, 0) + 1
            search(i + 1, busy | {(v, slot) for v in ids}, new_load, weight + w, continuity + c, slot_sum + rank)

    search(0, frozenset(), {}, 0, 0, 0)
    return best


SLOTS = [MON_09, MON_10, TUE_19]


@st.composite
def tiny_instances(draw, crowded_pairs: bool = False) -> dict:
    """A few volunteers, requests and slots, with every kind of rule in play.

    `crowded_pairs` puts everyone in one community doing home visits, with many pair requests competing for
    scarce hours, so the flow relaxation often splits or halves pairs.
    """
    some = st.sampled_from
    n_volunteers = draw(st.integers(2 if crowded_pairs else 1, 4))
    volunteers = [{
        "id": f"v{i}",
        "languages": ["zh"] if crowded_pairs else draw(st.lists(some(["zh", "yue"]), min_size=1, max_size=2,
                                                                 unique=True)),
        "gender": draw(some(["f", "m"])),
        "modes": ["home", "phone"] if crowded_pairs else draw(st.lists(some(["phone", "centre", "home"]),
                                                                        min_size=1, max_size=3, unique=True)),
        "community": "yuehai" if crowded_pairs else draw(some(["yuehai", "shekou"])),
        "max_slots": draw(st.integers(1, 2) if crowded_pairs else st.integers(0, 3)),
        "slots": draw(st.lists(some(SLOTS), min_size=1, max_size=3, unique=True)),
    } for i in range(n_volunteers)]
    ids = [v["id"] for v in volunteers] + ["v-gone"]  # a previous volunteer no longer in the programme
    requests = []
    for i in range(draw(st.integers(1, 5))):
        mode = draw(some(["home", "home", "phone"] if crowded_pairs else ["phone", "centre", "home"]))
        requests.append({
            "id": f"r{i}",
            "mode": mode,
            "language": "zh" if crowded_pairs else draw(some(["zh", "zh", "yue"])),
            "gender_wish": draw(some([None, None, "f", "m"])),
            "community": "yuehai" if crowded_pairs else draw(some(["yuehai", "shekou"])),
            "urgency": draw(st.integers(1, 3)),
            "waiting_days": draw(st.integers(0, 40)),
            "previous_volunteer": draw(some([None, *ids])),
            "avoid": draw(st.lists(some(ids), max_size=1, unique=True)),
            "needs_pair": draw(some([True, True, False] if crowded_pairs else [True, False])) if mode == "home"
            else False,
            "slots": draw(st.lists(some(SLOTS), min_size=1, max_size=3, unique=True)),
        })
    return {"timezone": "Asia/Shanghai", "slot_minutes": 60, "volunteers": volunteers, "requests": requests}


TINY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@TINY
@given(st.one_of(tiny_instances(), tiny_instances(crowded_pairs=True)))
def test_solve_is_valid_and_exactly_lexicographic_on_tiny_instances(data):
    inst = Instance.from_dict(data)
    result = solve(inst)
    baseline = greedy(inst)
    assert check_assignment(inst, result) == []
    assert check_assignment(inst, baseline) == []
    assert result.proven_optimal
    assert result.objective.key() == brute_force_best(data)
    assert result.objective.weight >= baseline.objective.weight
    assert {a.request for a in result.assignments} | {u.request for u in result.unmatched} == {
        r["id"] for r in data["requests"]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(crowded_pairs=True))
def test_large_instance_path_for_pairs_is_valid_and_honest(data):
    # Force the path used on big networks (MIP around broken pairs, re-solved flows) onto tiny instances.
    inst = Instance.from_dict(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "FULL_MIP_MAX_ARCS", 0)
        result = solve(inst)
    assert check_assignment(inst, result) == []
    assert result.objective.weight >= greedy(inst).objective.weight
    best_weight = brute_force_best(data)[0]
    assert result.objective.weight <= best_weight
    if result.proven_optimal:
        assert result.objective.weight == best_weight


# ---------------------------------------------------------------------------------------------------------------
# Objectives in order, on hand-made weeks
# ---------------------------------------------------------------------------------------------------------------


def test_weight_first_urgent_and_long_waiting_requests_win():
    inst = instance(
        [volunteer("v1", [MON_19], max_slots=1)],
        [request("r_new", [MON_19], urgency=1, waiting_days=2),
         request("r_urgent", [MON_19], urgency=3, waiting_days=0),
         request("r_waiting", [MON_19], urgency=1, waiting_days=29)],
    )
    result = solved(inst)
    assert [a.request for a in result.assignments] == ["r_urgent"]
    assert result.objective.weight == 300
    assert result.proven_optimal


def test_weight_beats_first_come_first_served():
    # The sign-up sheet gives v1 to the longest-waiting request, which could have had v2; the optimum serves both.
    inst = instance(
        [volunteer("v1", [MON_19], max_slots=1), volunteer("v2", [TUE_19], max_slots=1)],
        [request("r_long", [MON_19, TUE_19], waiting_days=20), request("r_short", [MON_19], waiting_days=1)],
    )
    assert len(greedy(inst).assignments) == 1
    result = solved(inst)
    assert {(a.request, a.volunteers) for a in result.assignments} == {("r_long", ("v2",)), ("r_short", ("v1",))}


def test_continuity_preferred_at_equal_weight():
    inst = instance(
        [volunteer("v1", [MON_19]), volunteer("v2", [MON_19])],
        [request("r1", [MON_19], previous_volunteer="v2")],
    )
    assert solved(inst).assignments[0].volunteers == ("v2",)
    # Two requests of equal weight compete for the one slot of v1; the one who saw v1 before gets it.
    inst = instance(
        [volunteer("v1", [MON_19], max_slots=1)],
        [request("r_new", [MON_19], waiting_days=5), request("r_again", [MON_19], waiting_days=5,
                                                              previous_volunteer="v1")],
    )
    result = solved(inst)
    assert [a.request for a in result.assignments] == ["r_again"]
    assert result.objective.continuity == 1


def test_continuity_never_outweighs_weight():
    inst = instance(
        [volunteer("v1", [MON_19], max_slots=1)],
        [request("r_again", [MON_19], waiting_days=5, previous_volunteer="v1"),
         request("r_heavier", [MON_19], waiting_days=6)],
    )
    assert [a.request for a in solved(inst).assignments] == ["r_heavier"]


def test_max_load_minimised_at_equal_weight_and_continuity():
    inst = instance(
        [volunteer("v1", [MON_09, MON_10, MON_19]), volunteer("v2", [MON_09, MON_10, MON_19])],
        [request("r1", [MON_09]), request("r2", [MON_10]), request("r3", [MON_19]), request("r4", [MON_19])],
    )
    result = solved(inst)
    assert len(result.assignments) == 4
    assert result.objective.max_load == 2
    loads = [sum(v in a.volunteers for a in result.assignments) for v in ("v1", "v2")]
    assert sorted(loads) == [2, 2]


def test_fairness_never_costs_continuity():
    # Spreading would give r2 to v2, but r2 saw v1 before: continuity comes before fairness.
    inst = instance(
        [volunteer("v1", [MON_09, MON_10]), volunteer("v2", [MON_10])],
        [request("r1", [MON_09], previous_volunteer="v1"), request("r2", [MON_10], previous_volunteer="v1")],
    )
    result = solved(inst)
    assert result.objective.continuity == 2
    assert result.objective.max_load == 2


def test_earliest_slot_last():
    inst = instance([volunteer("v1", [MON_09, TUE_19])], [request("r1", [TUE_19, MON_09])])
    assert solved(inst).assignments[0].slot == MON_09


# ---------------------------------------------------------------------------------------------------------------
# Hard rules
# ---------------------------------------------------------------------------------------------------------------


def test_pair_gets_two_volunteers_in_the_same_slot():
    inst = instance(
        [volunteer("v1", [MON_09, MON_10]), volunteer("v2", [MON_10]), volunteer("v3", [MON_09], community="shekou")],
        [request("r1", [MON_09, MON_10], mode="home", needs_pair=True, previous_volunteer="v2")],
    )
    result = solved(inst)
    (a,) = result.assignments
    assert a.slot == MON_10
    assert a.volunteers == ("v2", "v1")  # the previous volunteer first
    assert result.objective.max_load == 1


def test_pair_never_split_over_two_slots_even_when_the_relaxation_would():
    # Only v2 speaks Cantonese, and has one hour. The flow relaxation serves the pair by halves, v1 at 09:00 and
    # v3 at 10:00; a real pair cannot, so the urgent request alone is served, and a MIP proves it best.
    volunteers = [volunteer("v1", [MON_09]), volunteer("v2", [MON_09, MON_10], max_slots=1, languages=["zh", "yue"]),
                  volunteer("v3", [MON_10])]
    requests = [request("r_pair", [MON_09, MON_10], mode="home", needs_pair=True, waiting_days=30),
                request("r_urgent", [MON_09], urgency=3, language="yue")]
    for full_mip_max_arcs in (solver.FULL_MIP_MAX_ARCS, 0):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(solver, "FULL_MIP_MAX_ARCS", full_mip_max_arcs)
            result = solved(instance(volunteers, requests))
        assert [a.request for a in result.assignments] == ["r_urgent"]
        assert result.objective.weight == 300
        assert result.proven_optimal
        (unmatched,) = result.unmatched
        assert (unmatched.code, unmatched.params) == ("capacity", {"volunteers": 3})


def test_time_limit_reached_is_not_called_optimal():
    volunteers = [volunteer("v1", [MON_09]), volunteer("v2", [MON_09, MON_10], max_slots=1, languages=["zh", "yue"]),
                  volunteer("v3", [MON_10])]
    requests = [request("r_pair", [MON_09, MON_10], mode="home", needs_pair=True, waiting_days=30),
                request("r_urgent", [MON_09], urgency=3, language="yue")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "FULL_MIP_MAX_ARCS", 0)
        inst = instance(volunteers, requests)
        result = solve(inst, time_limit_seconds=0.0)
    assert check_assignment(inst, result) == []
    assert not result.proven_optimal


def test_avoid_gender_language_mode_and_community_respected():
    inst = instance(
        [volunteer("v_avoided", [MON_19]), volunteer("v_male", [MON_19], gender="m"),
         volunteer("v_cantonese", [MON_19], languages=["yue"]), volunteer("v_phone_only", [MON_19], modes=["phone"]),
         volunteer("v_shekou", [MON_19], community="shekou"), volunteer("v_ok", [MON_19])],
        [request("r1", [MON_19], mode="home", avoid=["v_avoided"], gender_wish="f")],
    )
    assert solved(inst).assignments[0].volunteers == ("v_ok",)


def test_volunteer_once_per_slot_and_within_weekly_cap():
    inst = instance(
        [volunteer("v1", [MON_09, MON_10, MON_19], max_slots=2)],
        [request(f"r{i}", [MON_09, MON_10, MON_19]) for i in range(4)] + [request("r_same", [MON_09])],
    )
    result = solved(inst)
    assert len(result.assignments) == 2
    assert len({a.slot for a in result.assignments}) == 2


def test_check_assignment_reports_every_broken_rule():
    inst = instance(
        [volunteer("v1", [MON_09], max_slots=1), volunteer("v2", [MON_09], languages=["yue"], gender="m")],
        [request("r1", [MON_09], avoid=["v1"]), request("r2", [MON_09], gender_wish="f"),
         request("r3", [MON_09], mode="home", needs_pair=True)],
    )
    bad = matching.MatchResult(
        assignments=[matching.Assignment("r1", ("v1",), MON_09), matching.Assignment("r2", ("v1",), MON_09),
                     matching.Assignment("r2", ("v2",), MON_09), matching.Assignment("r3", ("v1",), MON_10)],
        unmatched=[],
        objective=matching.Objective(weight=0, continuity=0, max_load=0),
        seconds=0.0,
    )
    problems = "\n".join(check_assignment(inst, bad))
    for expected in ("do-not-match", "assigned more than once", "does not speak", "gender f", "needs 2",
                     "not free at", "booked 2 times", "over the weekly cap", "does not match the assignments",
                     "slot 2026-11-30T10:00 is not one"):
        assert expected in problems


# ---------------------------------------------------------------------------------------------------------------
# Reasons a coordinator can act on
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("volunteers", "req", "code", "params"), [
    ([volunteer("v1", [MON_19])], request("r", [MON_19], language="hak"), "no_language", {"language": "hak"}),
    ([volunteer("v1", [MON_19], modes=["phone"])], request("r", [MON_19], mode="home"), "no_mode",
     {"language": "zh", "mode": "home"}),
    ([volunteer("v1", [MON_19], community="shekou")], request("r", [MON_19], mode="centre"), "no_community",
     {"language": "zh", "mode": "centre", "community": "yuehai"}),
    ([volunteer("v1", [MON_19])], request("r", [MON_19], gender_wish="m"), "no_male_volunteer",
     {"language": "zh", "mode": "phone"}),
    ([volunteer("v1", [MON_19])], request("r", [MON_19], avoid=["v1"]), "all_avoided", {}),
    ([volunteer("v1", [MON_09])], request("r", [MON_19]), "no_free_slot", {"language": "zh", "mode": "phone"}),
    ([volunteer("v1", [MON_19]), volunteer("v2", [MON_09])],
     request("r", [MON_09, MON_19], mode="home", needs_pair=True), "no_pair", {}),
    ([volunteer("v1", [MON_19], max_slots=0)], request("r", [MON_19]), "no_free_slot",
     {"language": "zh", "mode": "phone"}),
])
def test_unmatched_reason(volunteers, req, code, params):
    result = solved(instance(volunteers, [req]))
    (unmatched,) = result.unmatched
    assert (unmatched.code, unmatched.params) == (code, params)
    assert greedy(instance(volunteers, [req])).unmatched == result.unmatched


def test_capacity_reason_names_how_many_volunteers_were_taken():
    inst = instance([volunteer("v1", [MON_19], max_slots=1)],
                    [request("r_urgent", [MON_19], urgency=2), request("r_later", [MON_19])])
    (unmatched,) = solved(inst).unmatched
    assert unmatched.request == "r_later"
    assert (unmatched.code, unmatched.params) == ("capacity", {"volunteers": 1})
    assert unmatched.reason == ("every volunteer who fits and is free in the wished slots (1) is taken by other "
                                "requests")


def test_reason_text_translates_template_then_fills_in():
    catalogue = {
        "no volunteer speaking {language} is certified for {mode} sessions": "没有会说{language}、持有{mode}资质的志愿者",
        "Cantonese": "粤语",
        "home-visit": "上门探访",
    }
    text = reason_text("no_mode", {"language": "yue", "mode": "home"}, gettext=lambda s: catalogue.get(s, s))
    assert text == "没有会说粤语、持有上门探访资质的志愿者"
    assert reason_text("no_language", {"language": "xx"}) == "no volunteer speaks xx"
    for code, template in matching.REASON_TEMPLATES.items():
        assert reason_text(code, {"language": "zh", "mode": "phone", "community": "c", "volunteers": 2})


# ---------------------------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------------------------

VALID = {"timezone": "Asia/Shanghai", "slot_minutes": 60,
         "volunteers": [volunteer("v1", [MON_19])], "requests": [request("r1", [MON_19])]}


@pytest.mark.parametrize(("patch", "message"), [
    ({"requests": [request("r1", [MON_19], mode="video")]}, "unknown mode 'video'"),
    ({"requests": [request("r1", ["Monday 19:00"])]}, "not an ISO local time"),
    ({"requests": [request("r1", ["2026-11-30T19:00+08:00"])]}, "UTC offset"),
    ({"requests": [request("r1", ["2026-11-30"])]}, "start time"),
    ({"volunteers": [volunteer("v1", [MON_19], modes=["phone", "chat"])]}, "unknown mode 'chat'"),
    ({"volunteers": [volunteer("v1", [MON_19], max_slots=True)]}, "max_slots: expected an integer"),
    ({"volunteers": [volunteer("v1", [MON_19], gender="x")]}, "gender must be"),
    ({"requests": [request("r1", [MON_19], urgency=4)]}, "urgency must be 1, 2 or 3"),
    ({"requests": [request("r1", [MON_19], gender_wish="any")]}, "gender_wish must be"),
    ({"requests": [request("r1", [MON_19], needs_pair="yes")]}, "needs_pair must be true or false"),
    ({"requests": [request("r1", [MON_19], mode="home", community=None)]}, "needs the resident's community"),
    ({"requests": [request("r1", [MON_19], gender_whish="f")]}, "unknown field(s) 'gender_whish'"),
    ({"requests": [request("r1", [MON_19]), request("r1", [MON_19])]}, "duplicate request id 'r1'"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone"),
    ({"volunteers": "v1"}, "'volunteers' must be a list"),
])
def test_malformed_instances_raise_clear_errors(patch, message):
    with pytest.raises(ValueError, match=None) as error:
        Instance.from_dict({**VALID, **patch})
    assert message in str(error.value)


def test_instance_round_trip_and_slot_normalisation():
    data = {**VALID, "requests": [request("r1", ["2026-11-30T19:00:00", MON_19])]}
    inst = Instance.from_dict(data)
    assert inst.requests[0].slots == (MON_19,)
    assert Instance.from_dict(inst.to_dict()) == inst
    assert inst.to_dict()["requests"][0] == {
        "id": "r1", "mode": "phone", "language": "zh", "gender_wish": None, "community": "yuehai", "urgency": 1,
        "waiting_days": 0, "previous_volunteer": None, "avoid": [], "needs_pair": False, "slots": [MON_19]}


def test_result_json_is_the_documented_format(tmp_path):
    inst = instance([volunteer("v1", [MON_19], max_slots=1)],
                    [request("r1", [MON_19], urgency=2, waiting_days=6, previous_volunteer="v1"),
                     request("r2", [MON_19], language="yue")])
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(inst.to_dict()), encoding="utf-8")
    out = tmp_path / "result.json"
    result = matching.run_file(path, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"assignments", "unmatched", "objective", "seconds", "proven_optimal"}
    assert data["assignments"] == [{"request": "r1", "volunteers": ["v1"], "slot": MON_19}]
    assert data["unmatched"] == [{"request": "r2", "reason": "no volunteer speaks Cantonese",
                                  "code": "no_language", "params": {"language": "yue"}}]
    assert data["objective"] == {"weight": 206, "continuity": 1, "max_load": 1}
    assert data["proven_optimal"] is True
    assert check_assignment(inst, matching.MatchResult.from_dict(data)) == []
    assert result.objective.weight == 206


def test_command_line_reports_bad_input(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps({**VALID, "requests": [request("r1", [MON_19], mode="video")]}), encoding="utf-8")
    assert main(["match", str(path), "-o", str(tmp_path / "out.json")]) == 2
    assert "unknown mode 'video'" in capsys.readouterr().err
    path.write_text("{not json", encoding="utf-8")
    assert main(["match", str(path), "-o", str(tmp_path / "out.json")]) == 2


def test_nobody_can_be_served():
    result = solved(instance([volunteer("v1", [MON_09])], [request("r1", [MON_19])]))
    assert result.assignments == [] and result.objective.weight == 0 and result.proven_optimal


# ---------------------------------------------------------------------------------------------------------------
# A second exact formulation, for instances too big to enumerate
# ---------------------------------------------------------------------------------------------------------------


def cp_sat_best_weight(data: dict) -> int:
    """Maximum total weight by CP-SAT over one Boolean per (request, volunteer, slot); independent of the matcher."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    volunteers = data["volunteers"]
    per_volunteer_slot: dict[tuple[str, str], list] = {}
    per_volunteer: dict[str, list] = {}
    objective = []
    for req in data["requests"]:
        needed = 2 if req["needs_pair"] else 1
        served_in = []
        for slot in req["slots"]:
            team = []
            for vol in volunteers:
                if (slot in vol["slots"] and req["language"] in vol["languages"] and req["mode"] in vol["modes"]
                        and (req["mode"] == "phone" or vol["community"] == req["community"])
                        and req["gender_wish"] in (None, vol["gender"]) and vol["id"] not in req["avoid"]):
                    x = model.new_bool_var("")
                    team.append(x)
                    per_volunteer_slot.setdefault((vol["id"], slot), []).append(x)
                    per_volunteer.setdefault(vol["id"], []).append(x)
            y = model.new_bool_var("")
            model.add(sum(team) == needed * y)
            served_in.append(y)
        model.add(sum(served_in) <= 1)
        objective.append((req["urgency"] * 100 + min(req["waiting_days"], 30)) * sum(served_in))
    for xs in per_volunteer_slot.values():
        model.add(sum(xs) <= 1)
    max_slots = {v["id"]: v["max_slots"] for v in volunteers}
    for vid, xs in per_volunteer.items():
        model.add(sum(xs) <= max_slots[vid])
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def crowded_week(seed: int, n_requests: int = 40, n_volunteers: int = 12) -> dict:
    """A small community week where home visits, many of them paired, compete for few volunteers."""
    import random

    rng = random.Random(seed)
    slots = [f"2026-12-0{day}T{hour}:00" for day in (1, 2, 3) for hour in (10, 15, 19)]
    volunteers = [{
        "id": f"v{i}", "languages": ["zh"] + (["yue"] if rng.random() < 0.3 else []),
        "gender": rng.choice("ffm"), "modes": ["home"] + (["phone"] if rng.random() < 0.7 else []),
        "community": rng.choice(["yuehai", "shekou"]), "max_slots": rng.randint(1, 3),
        "slots": sorted(rng.sample(slots, rng.randint(2, 5))),
    } for i in range(n_volunteers)]
    requests = [{
        "id": f"r{i}", "mode": (mode := rng.choice(["home", "home", "phone"])),
        "language": rng.choice(["zh", "zh", "yue"]), "gender_wish": rng.choice([None, None, None, "f"]),
        "community": rng.choice(["yuehai", "shekou"]), "urgency": rng.choice([1, 1, 1, 2, 3]),
        "waiting_days": rng.randint(0, 40), "previous_volunteer": rng.choice([None, None, f"v{rng.randrange(12)}"]),
        "avoid": [], "needs_pair": mode == "home" and rng.random() < 0.5,
        "slots": sorted(rng.sample(slots, rng.randint(2, 5))),
    } for i in range(n_requests)]
    return {"timezone": "Asia/Shanghai", "slot_minutes": 60, "volunteers": volunteers, "requests": requests}


@pytest.mark.parametrize("seed", range(6))
def test_crowded_weeks_agree_with_cp_sat(seed):
    data = crowded_week(seed)
    inst = Instance.from_dict(data)
    reference = cp_sat_best_weight(data)
    result = solved(inst)
    assert result.proven_optimal and result.objective.weight == reference
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "FULL_MIP_MAX_ARCS", 0)  # the path taken on big networks
        local = solved(inst)
    assert local.objective.weight <= reference
    assert local.objective.weight == reference or not local.proven_optimal
    assert min(result.objective.weight, local.objective.weight) >= greedy(inst).objective.weight
