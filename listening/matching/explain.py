"""Why a request stays unmatched: reason codes, their coordinator-facing sentences, and the diagnosis that picks the
most basic rule ruling each unserved request out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from listening.core.marks import N_  # not listening.core.i18n: no babel for the command line
from listening.matching.candidates import Candidates
from listening.matching.instance import LOCAL_MODES

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


# The names of the codes a reason shows, as in listening.core.labels (LABELS for languages, SESSION_KIND_LABELS for
# modes), keyed by code: importing the labels means importing the database models, which would cost
# `python -m listening match` most of its time. tests/matching/test_explain.py keeps the two equal.
LANGUAGE_MSGIDS = {"zh": N_("Mandarin"), "yue": N_("Cantonese"), "hak": N_("Hakka"), "teochew": N_("Teochew"),
                   "en": N_("English")}
SESSION_KIND_MSGIDS = {"phone": N_("phone"), "centre": N_("centre"), "home": N_("home-visit")}


def reason_text(code: str, params: Mapping[str, Any], gettext: Callable[[str], str] = lambda s: s,
                community_name: Callable[[str], str] | None = None) -> str:
    """The coordinator-facing sentence for an unmatched code, translated then filled in.

    Mode and language codes in `params` are shown by their (translated) names; unknown codes pass through.
    A community code is shown by `community_name(code)` when given (the instance file itself knows only codes).
    """
    if code not in REASON_TEMPLATES:
        raise ValueError(f"unknown unmatched reason code {code!r}")
    shown = dict(params)
    mode = SESSION_KIND_MSGIDS.get(shown.get("mode"))
    if mode:
        shown["mode"] = gettext(mode)
    language = LANGUAGE_MSGIDS.get(shown.get("language"))
    if language:
        shown["language"] = gettext(language)
    if community_name is not None and shown.get("community"):
        shown["community"] = community_name(shown["community"])
    return gettext(REASON_TEMPLATES[code]).format(**shown)


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


def _profile_reason(candidates: Candidates, r: int) -> tuple[str, dict[str, Any]] | None:
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


def diagnose(candidates: Candidates, unserved: Iterable[int]) -> list[Unmatched]:
    """A reason a coordinator can act on for each unserved request: the most basic rule that rules it out."""
    requests = candidates.instance.requests
    by_profile: dict[int, tuple[str, dict[str, Any]] | None] = {}
    # Pool -> its members as the bits of an int: the union of a request's pools is then an OR and a bit count,
    # ten times faster than a set of their members over a 10,000-request week.
    members_bits: dict[int, int] = {}
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
        pools = [pool for t in candidates.request_slot_ranks[r] if (pool := candidates.pool_of.get((p, t))) is not None]
        if not pools:
            params = {"language": request.language, "mode": request.mode}
            reasons.append(Unmatched(request.id, "no_free_slot", params))
        elif max(len(candidates.pool_members[pool]) for pool in pools) < request.volunteers_needed:
            reasons.append(Unmatched(request.id, "no_pair", {}))
        else:
            union = 0
            for pool in pools:
                if pool not in members_bits:
                    members_bits[pool] = sum(1 << v for v in candidates.pool_members[pool].tolist())
                union |= members_bits[pool]
            reasons.append(Unmatched(request.id, "capacity", {"volunteers": union.bit_count()}))
    return reasons

