"""How the district's volunteers came and are kept: about 3,000 applications over two years (one accepted behind
each volunteer, the rest declined, about 40 waiting), the vetting steps with interview notes, competency
sign-offs, each volunteer's supervisor, monthly group supervision and one-to-ones with attendance, and the
pauses behind the paused volunteers."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from listening.demo.centre import _name
from listening.models import (
    ApplicationLanguage,
    ApplicationStatus,
    ApplicationTime,
    Competency,
    CompetencySignoff,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    ObservedIn,
    PartOfDay,
    PauseReason,
    SupervisionAttendance,
    SupervisionKind,
    SupervisionSession,
    VettingStep,
    VettingStepKind,
    VolunteerApplication,
    VolunteerLanguage,
    VolunteerPause,
    VolunteerStatus,
    VolunteerSupervisor,
)

from .base import COORDINATORS, DAYS, Writer, phone

MOTIVATIONS = ("退休后有空，想陪陪独居的老人。", "下班后想做点有意义的事。", "自己被人听过，知道那有多重要。",
               "以前做过社区调解，喜欢和人聊天。", "")
NOTES = ("说话温和，愿意先听再说；提醒培训时注意界限。", "有陪伴家人的经验，时间稳定。", "紧张但真诚；建议先旁听。")
NOTES_KEPT = 60  # interview notes are emptied like session notes: only recent interviews still have theirs
WAITING = 40  # applications in the queue at scale 1


def volunteering(writer: Writer, rng: random.Random, n: dict, *, now, today, tz) -> None:
    _applications(writer, rng, n, now=now, today=today, tz=tz)
    _vetting_and_competencies(writer, rng, today=today, tz=tz)
    _supervision(writer, rng, today=today, tz=tz)


def _midday(day, tz) -> datetime:
    return datetime.combine(day, time(12), tzinfo=tz)


def _applications(writer: Writer, rng: random.Random, n: dict, *, now, today, tz) -> None:
    applications, languages, times = [], [], []
    spoken: dict[int, list] = {}
    for row in writer.rows.get(VolunteerLanguage, []):
        spoken.setdefault(row["volunteer_id"], []).append(row["language"])
    waiting = max(3, int(WAITING * n["applications"] / 3000))
    accepted = len(writer.volunteers)
    declined = max(1, n["applications"] - accepted - waiting)
    plans = ([("accepted", v) for v in writer.volunteers] + [("declined", None)] * declined
             + [("waiting", None)] * waiting)
    for k, (fate, volunteer) in enumerate(plans, start=1):
        if volunteer is not None:
            received = _midday(volunteer["joined_on"], tz) - timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 9))
            decided = min(received + timedelta(days=rng.randint(1, 3)), _midday(volunteer["joined_on"], tz))
            name, gender, number, community = (volunteer["full_name"], volunteer["gender"], volunteer["phone"],
                                               volunteer["community_id"])
            their_languages = spoken.get(volunteer["id"], [Language.mandarin])
        else:
            ago = rng.randint(0, 20) if fate == "waiting" else rng.randint(10, DAYS)
            received = now - timedelta(days=ago, hours=rng.randint(0, 20))
            decided = None if fate == "waiting" else received + timedelta(days=rng.randint(2, 10))
            name, number = _name(rng), phone(70000 + k)
            gender = Gender.female if rng.random() < 0.65 else Gender.male
            community = rng.choice(writer.communities)
            their_languages = [Language.mandarin] + ([Language.cantonese] if rng.random() < 0.4 else [])
        coordinator = rng.choice(writer.coordinators)
        entered = rng.random() < 0.05  # a resident who was listened to, entered by a coordinator
        applications.append({
            "id": k, "full_name": name, "gender": gender, "phone": number, "community_id": community,
            "motivation": rng.choice(MOTIVATIONS) if decided is None else "", "locale": "zh_CN",
            "status": {"accepted": ApplicationStatus.accepted, "declined": ApplicationStatus.declined,
                       "waiting": ApplicationStatus.submitted}[fate],
            "consent_at": received, "code_of_conduct_seen_at": received, "created_at": received,
            "decided_at": decided, "decided_by": coordinator if decided else None,
            "decline_reason": rng.choices(list(DeclineReason), weights=[35, 30, 15, 10, 10])[0]
            if fate == "declined" else None,
            "volunteer_id": volunteer["id"] if volunteer else None,
            "resident_id": rng.randint(1, len(writer.residents)) if entered else None,
            "entered_by": coordinator if entered else None})
        languages += [{"application_id": k, "language": language} for language in dict.fromkeys(their_languages)]
        for days, part in {(rng.choice(list(DayKind)), rng.choice(list(PartOfDay))) for _ in range(rng.randint(1, 2))}:
            times.append({"application_id": k, "days": days, "part_of_day": part})
        writer.event(received, coordinator if entered else None, "volunteer_application.received",
                     "volunteer_application", k)
        if decided:
            writer.event(decided, coordinator, f"volunteer_application.{fate}", "volunteer_application", k,
                         {"volunteer_id": volunteer["id"]} if volunteer else
                         {"reason": applications[-1]["decline_reason"].value})
    writer.add(VolunteerApplication, applications)
    writer.add(ApplicationLanguage, languages)
    writer.add(ApplicationTime, times)


def _vetting_and_competencies(writer: Writer, rng: random.Random, *, today, tz) -> None:
    steps, signoffs = [], []
    kinds, competencies = list(VettingStepKind), list(Competency)
    for volunteer, stage in zip(writer.volunteers, writer.stages, strict=True):
        v, joined = volunteer["id"], volunteer["joined_on"]
        done = kinds[:rng.randint(0, 3)] if stage == "applicant" else kinds
        for k, kind in enumerate(done):
            done_on = min(joined + timedelta(days=2 + 4 * k), today - timedelta(days=1))
            owner = rng.choice(writer.coordinators)
            notes = (rng.choice(NOTES) if kind == VettingStepKind.interview
                     and (today - done_on).days <= NOTES_KEPT else "")
            steps.append({"id": writer.next_id("vetting_step"), "volunteer_id": v, "kind": kind, "done_on": done_on,
                          "owner_id": owner, "notes": notes, "created_at": _midday(done_on, tz)})
            writer.event(_midday(done_on, tz), owner, "volunteer.vetting_step_recorded", "volunteer", v,
                         {"kind": kind.value})
        signed = (competencies if stage in ("active", "home") else
                  competencies[:rng.randint(0, 2)] if stage == "training" else [])
        for k, competency in enumerate(signed):
            observed_on = min(joined + timedelta(days=30 + 7 * k), today - timedelta(days=1))
            signoffs.append({"id": writer.next_id("competency_signoff"), "volunteer_id": v, "competency": competency,
                             "observed_in": ObservedIn.role_play if k % 2 == 0 else ObservedIn.first_session,
                             "observed_on": observed_on, "signed_by": 1 + v % COORDINATORS,
                             "created_at": _midday(observed_on, tz)})
    writer.add(VettingStep, steps)
    writer.add(CompetencySignoff, signoffs)


def _supervision(writer: Writer, rng: random.Random, *, today, tz) -> None:
    """Each coordinator supervises about a hundred volunteers: a group session every four weeks, a one-to-one
    with each of them about every three months; a few volunteers stopped coming (overdue)."""
    supervisors, sessions, attendance, pauses = [], [], [], []
    supervised: dict[int, list[dict]] = {}
    for volunteer, stage in zip(writer.volunteers, writer.stages, strict=True):
        if stage == "applicant":
            continue
        supervisor = 1 + volunteer["id"] % COORDINATORS
        supervisors.append({"volunteer_id": volunteer["id"], "supervisor_id": supervisor,
                            "assigned_on": volunteer["joined_on"], "assigned_by": supervisor})
        supervised.setdefault(supervisor, []).append(volunteer)
    absent = {v["id"] for v in writer.volunteers if rng.random() < 0.03}  # missed the last three months

    def session(kind, held_on, supervisor, who) -> None:
        session_id = writer.next_id("supervision_session")
        sessions.append({"id": session_id, "kind": kind, "held_on": held_on, "supervisor_id": supervisor,
                         "recorded_by": supervisor, "created_at": _midday(held_on, tz)})
        for volunteer, came in who:
            attendance.append({"session_id": session_id, "volunteer_id": volunteer["id"], "attended": came})
        writer.event(_midday(held_on, tz), supervisor, "supervision.logged", "supervision_session", session_id,
                     {"kind": kind.value, "volunteers": len(who)})

    for supervisor, volunteers in supervised.items():
        for month in range(DAYS // 28):
            held_on = today - timedelta(days=5 + supervisor % 7 + 28 * month)
            who = [(v, not (v["id"] in absent and month < 3) and rng.random() < 0.8)
                   for v in volunteers if v["joined_on"] + timedelta(days=30) <= held_on]
            if who:
                session(SupervisionKind.group, held_on, supervisor, who)
        for volunteer in volunteers:
            held_on = today - timedelta(days=rng.randint(3, 90) + (200 if volunteer["id"] in absent else 0))
            while held_on > volunteer["joined_on"] + timedelta(days=30):
                session(SupervisionKind.one_to_one, held_on, supervisor, [(volunteer, True)])
                held_on -= timedelta(days=rng.randint(70, 110))
    for volunteer in writer.volunteers:
        if volunteer["status"] == VolunteerStatus.paused:
            starts = today - timedelta(days=rng.randint(3, 60))
            pauses.append({"id": writer.next_id("volunteer_pause"), "volunteer_id": volunteer["id"],
                           "reason": rng.choice(list(PauseReason)), "starts_on": starts,
                           "until_on": starts + timedelta(days=rng.randint(20, 90)) if rng.random() < 0.5 else None,
                           "returned_on": None, "recorded_by": 1 + volunteer["id"] % COORDINATORS})
        elif rng.random() < 0.08 and volunteer["joined_on"] < today - timedelta(days=200):  # a break, over
            starts = volunteer["joined_on"] + timedelta(days=rng.randint(60, 150))
            pauses.append({"id": writer.next_id("volunteer_pause"), "volunteer_id": volunteer["id"],
                           "reason": rng.choice(list(PauseReason)), "starts_on": starts, "until_on": None,
                           "returned_on": starts + timedelta(days=rng.randint(10, 40)),
                           "recorded_by": 1 + volunteer["id"] % COORDINATORS})
    writer.add(VolunteerSupervisor, supervisors)
    writer.add(SupervisionSession, sessions)
    writer.add(SupervisionAttendance, attendance)
    writer.add(VolunteerPause, pauses)
