"""The demo centre's supervised practice, supervision and lifecycle (called from demo.seed_demo).

`seed_practice` runs with the training records, before any visit: a volunteer the ladder calls active has every
competency signed, some trainees still shadowing have a few. `seed_supervision` runs last: supervisors, a season
of supervision sessions, a few volunteers paused, one who left, one overdue for supervision.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, select

from listening.models import (
    Account,
    Competency,
    CompetencySignoff,
    LeaveReason,
    ObservedIn,
    PauseReason,
    Role,
    SupervisionAttendance,
    SupervisionKind,
    SupervisionSession,
    Volunteer,
    VolunteerDeparture,
    VolunteerPause,
    VolunteerStatus,
    VolunteerSupervisor,
)

LISTENING_STAGES = ("active", "home_certified", "expired_crisis")


def seed_practice(session: Session, *, volunteers: list[tuple[Volunteer, str]], trainer: Account, today: date,
                  rng: random.Random) -> None:
    competencies = list(Competency)
    for volunteer, stage in volunteers:
        if stage in LISTENING_STAGES:
            signed = competencies
        elif stage == "shadowing":
            signed = competencies[: rng.randint(0, len(competencies) - 1)]  # still on the step before
        else:
            continue
        first = max(volunteer.joined_on + timedelta(days=30), today - timedelta(days=300))
        for k, competency in enumerate(signed):
            observed_on = min(first + timedelta(days=7 * k), today - timedelta(days=1))
            session.add(CompetencySignoff(
                volunteer_id=volunteer.id, competency=competency, signed_by=trainer.id, observed_on=observed_on,
                observed_in=ObservedIn.role_play if k % 2 == 0 or stage == "shadowing" else ObservedIn.first_session))
    session.flush()


def seed_supervision(session: Session, *, volunteers: list[tuple[Volunteer, str]], supervisors: list[Account],
                     today: date, rng: random.Random) -> None:
    listening = [v for v, stage in volunteers if stage in LISTENING_STAGES]
    for volunteer, stage in volunteers:
        if stage != "applicant":
            session.add(VolunteerSupervisor(volunteer_id=volunteer.id, supervisor_id=rng.choice(supervisors).id,
                                            assigned_on=volunteer.joined_on, assigned_by=supervisors[0].id))
    session.flush()
    # The pauses the seed gave a status get their record; one more volunteer is away for exams with a return date.
    paused = [v for v in listening if v.status == VolunteerStatus.paused]
    exams = next(v for v in listening[1:] if v.status == VolunteerStatus.active and v.account_id is None)
    exams.status = VolunteerStatus.paused
    paused.append(exams)
    for k, volunteer in enumerate(paused):
        reason = PauseReason.exams if volunteer is exams else rng.choice([PauseReason.holiday, PauseReason.other])
        session.add(VolunteerPause(volunteer_id=volunteer.id, reason=reason, starts_on=today - timedelta(days=10 + k),
                                   until_on=today + timedelta(days=20) if volunteer is exams else None,
                                   recorded_by=supervisors[0].id))
        session.add(volunteer)
    leaver = next(v for v in reversed(listening) if v.status == VolunteerStatus.active and v.account_id is None)
    leaver.status = VolunteerStatus.left
    session.add(leaver)
    session.add(VolunteerDeparture(volunteer_id=leaver.id, reason=LeaveReason.moved_away,
                                   left_on=today - timedelta(days=25), recorded_by=supervisors[0].id))
    session.flush()

    # Monthly group supervision for everyone listening, and one-to-ones in between; one volunteer missed them all.
    attending = [v for v in listening if v.status == VolunteerStatus.active]
    # overdue: a volunteer the ladder has listening (not one whose crisis module expired)
    overdue = next(v for v, stage in reversed(volunteers) if stage in ("active", "home_certified")
                   and v.status == VolunteerStatus.active)
    for month in range(4):
        held_on = today - timedelta(days=7 + 28 * month)
        group = SupervisionSession(kind=SupervisionKind.group, held_on=held_on, supervisor_id=supervisors[0].id,
                                   recorded_by=supervisors[0].id)
        session.add(group)
        session.flush()
        for volunteer in attending:
            came = volunteer is not overdue and rng.random() < 0.8
            session.add(SupervisionAttendance(session_id=group.id, volunteer_id=volunteer.id, attended=came))
    for volunteer in (v for v in attending if v is not overdue):
        one = SupervisionSession(kind=SupervisionKind.one_to_one, held_on=today - timedelta(days=rng.randint(2, 20)),
                                 supervisor_id=rng.choice(supervisors).id, recorded_by=supervisors[0].id)
        session.add(one)
        session.flush()
        session.add(SupervisionAttendance(session_id=one.id, volunteer_id=volunteer.id, attended=True))
    session.flush()


def supervisor_accounts(session: Session) -> list[Account]:
    return list(session.exec(select(Account).where(Account.role == Role.coordinator).order_by(col(Account.id))))
