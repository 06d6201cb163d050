"""The district's people: coordinators, 2,000 volunteers (all with accounts), their languages, training,
shadowing, availability and leave, and the duty rota."""

from __future__ import annotations

import random
from datetime import time, timedelta

from listening.demo.centre import _name
from listening.models import (
    Account,
    AvailabilityException,
    AvailabilityRule,
    CompletionMethod,
    DutyShift,
    Gender,
    Language,
    LeaveReason,
    Mode,
    Role,
    ShadowSession,
    TrainingCompletion,
    Volunteer,
    VolunteerDeparture,
    VolunteerLanguage,
    VolunteerStatus,
)
from listening.staff.auth import hash_password
from listening.volunteers.training import valid_through

from .base import COORDINATORS, DAYS, DISTRICT_PASSWORD, Writer, at, phone


def people(writer: Writer, rng: random.Random, n: dict, communities: list[int], modules: list, *, now, today, tz):
    password = hash_password(DISTRICT_PASSWORD)  # one hash for every account: hashing 2,000 would take minutes
    accounts, volunteers, languages, completions, shadows, rules, exceptions = [], [], [], [], [], [], []
    for c in range(1, COORDINATORS + 1):
        accounts.append({"id": c, "username": f"coord{c:02d}", "display_name": _name(rng), "role": Role.coordinator,
                         "password_hash": password, "phone": phone(90000 + c), "locale": "zh_CN",
                         "is_active": True, "failed_logins": 0, "created_at": now - timedelta(days=DAYS)})
    writer.coordinators = list(range(1, COORDINATORS + 1))
    completion_id = shadow_id = rule_id = 0
    stages = []
    for v in range(1, n["volunteers"] + 1):
        account_id = COORDINATORS + v
        name = _name(rng)
        accounts.append({"id": account_id, "username": f"v{v:05d}", "display_name": name, "role": Role.volunteer,
                         "password_hash": password, "phone": None, "locale": "zh_CN", "is_active": True,
                         "failed_logins": 0, "created_at": now - timedelta(days=DAYS)})
        stage = "home" if v == 1 else rng.choices(["applicant", "training", "active", "home"],
                                                  weights=[4, 8, 52, 36])[0]
        stages.append(stage)
        # The programme is older than the two years of requests: its first listeners joined up to half a year before.
        joined = today - timedelta(days=rng.randint(60, DAYS + 180) if stage in ("active", "home")
                                   else rng.randint(3, 59))
        volunteers.append({"id": v, "account_id": account_id, "full_name": name,
                           "gender": Gender.female if rng.random() < 0.68 else Gender.male, "phone": phone(60000 + v),
                           "community_id": rng.choice(communities),
                           "status": VolunteerStatus.paused if rng.random() < 0.04 and v > 1 else VolunteerStatus.active,
                           "weekly_hour_cap": rng.choice([2, 3, 4, 4, 6]), "mentor_id": None, "joined_on": joined,
                           "created_at": now - timedelta(days=(today - joined).days)})
        spoken = {Language.mandarin}
        for language, share in ((Language.cantonese, 0.45), (Language.hakka, 0.12), (Language.teochew, 0.08),
                                (Language.english, 0.2)):
            if rng.random() < share:
                spoken.add(language)
        languages += [{"volunteer_id": v, "language": language} for language in spoken]
        if stage == "applicant":
            continue
        done = modules if stage != "training" else modules[:rng.randint(1, 4)]
        if stage != "home":
            done = [m for m in done if m[1] != "home_visit_safety"]
        for step, (module_id, _code, valid_months, quiz, signoff) in enumerate(done):
            completed = min(joined + timedelta(days=3 + 7 * step), today - timedelta(days=1))
            if valid_months and valid_through(completed, valid_months) < today:
                completed = today - timedelta(days=rng.randint(15, 28 * valid_months))
            completion_id += 1
            completions.append({"id": completion_id, "volunteer_id": v, "module_id": module_id,
                                "completed_on": completed,
                                "method": CompletionMethod.signoff if signoff else
                                CompletionMethod.quiz if quiz else CompletionMethod.attendance,
                                "recorded_by": 1, "created_at": now - timedelta(days=(today - completed).days)})
        if stage in ("active", "home"):
            for k in range(3):
                mentor = rng.randint(1, n["volunteers"])
                if mentor != v:
                    shadow_id += 1
                    shadows.append({"id": shadow_id, "volunteer_id": v, "mentor_id": mentor, "visit_id": None,
                                    "observed_on": joined + timedelta(days=60 + 7 * k), "signed_off_by": 1})
            for weekday in rng.sample(range(7), rng.randint(2, 4)):
                start = rng.choice([9, 10, 14, 15, 19])
                rule_id += 1
                rules.append({"id": rule_id, "volunteer_id": v, "weekday": weekday, "start_time": time(start),
                              "end_time": time(min(start + rng.choice([2, 3]), 21)),
                              "valid_from": today - timedelta(weeks=rng.randint(2, 100)), "valid_until": None})
            if rng.random() < 0.05:
                leave = today + timedelta(days=rng.randint(-30, 30))
                exceptions.append({"id": len(exceptions) + 1, "volunteer_id": v, "starts_at": at(leave, 0, tz),
                                   "ends_at": at(leave + timedelta(days=rng.randint(1, 10)), 0, tz), "reason": ""})
    # Some listeners have left over the two years (the Reports' joining and leaving): they serve until that day.
    departures, writer.left_on = [], {}
    for row, stage in zip(volunteers, stages, strict=True):
        served = (today - row["joined_on"]).days
        if stage in ("active", "home") and row["id"] > 1 and served > 200 and rng.random() < 0.07:
            left_on = row["joined_on"] + timedelta(days=rng.randint(150, served - 1))
            row["status"] = VolunteerStatus.left
            writer.left_on[row["id"]] = left_on
            departures.append({"id": len(departures) + 1, "volunteer_id": row["id"], "left_on": left_on,
                               "reason": rng.choice(list(LeaveReason)), "recorded_by": 1})
    writer.add(Account, accounts)
    writer.add(Volunteer, volunteers)
    writer.add(VolunteerDeparture, departures)
    writer.add(VolunteerLanguage, languages)
    writer.add(TrainingCompletion, completions)
    writer.add(ShadowSession, shadows)
    writer.add(AvailabilityRule, rules)
    writer.add(AvailabilityException, exceptions)
    writer.add(DutyShift, [{"id": d + 1, "coordinator_id": 1 + d % COORDINATORS,
                               "starts_at": now + timedelta(hours=12 * d - 12),
                               "ends_at": now + timedelta(hours=12 * d)} for d in range(28)])
    spoken_by = {}
    for row in languages:
        spoken_by.setdefault(row["language"], []).append(row["volunteer_id"])
    listeners = {i + 1 for i, stage in enumerate(stages) if stage in ("active", "home")}
    home = {i + 1 for i, stage in enumerate(stages) if stage == "home"}
    writer.pools = {(language, mode): [v for v in ids if v in (home if mode == Mode.home else listeners)]
                    for language, ids in spoken_by.items() for mode in Mode}
    writer.volunteers, writer.stages = volunteers, stages
