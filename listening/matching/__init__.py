"""Matching volunteers to listening requests: the instance (frozen dataclasses read from the JSON format of
docs/matching-instance.md), candidates by the hard rules, the min-cost-flow network and its MIP, the optimal
solver, the sign-up sheet baseline, results with their check, and reasons for unmatched requests. Pure apart from
`proposals` and `week`: no database, no Streamlit. The app builds an `Instance` from the database (`week`),
`python -m listening match` reads one from JSON (`run_file`).
"""

from listening.matching.baseline import greedy
from listening.matching.explain import REASON_TEMPLATES, Unmatched, reason_text
from listening.matching.instance import (
    GENDERS,
    LOCAL_MODES,
    MAX_COUNTED_WAITING_DAYS,
    MODES,
    SLOT_FORMAT,
    URGENCIES,
    Instance,
    RequestIn,
    VolunteerIn,
    fits,
    parse_slot,
)
from listening.matching.result import Assignment, MatchResult, Objective, check_assignment, evaluate
from listening.matching.solver import run_file, solve

__all__ = [
    "GENDERS",
    "LOCAL_MODES",
    "MAX_COUNTED_WAITING_DAYS",
    "MODES",
    "REASON_TEMPLATES",
    "SLOT_FORMAT",
    "URGENCIES",
    "Assignment",
    "Instance",
    "MatchResult",
    "Objective",
    "RequestIn",
    "Unmatched",
    "VolunteerIn",
    "check_assignment",
    "evaluate",
    "fits",
    "greedy",
    "parse_slot",
    "reason_text",
    "run_file",
    "solve",
]
