"""The demo centre's volunteer applications (called from demo.seed_demo, after the vetting steps): a few waiting in
the queue, one declined, and the accepted applications behind the demo's applicants; interview notes on the
interviews already held. Fictional people, numbers in a range of their own (+86137...)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.models import (
    Account,
    ApplicationLanguage,
    ApplicationStatus,
    ApplicationTime,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    PartOfDay,
    VettingStep,
    VettingStepKind,
    Volunteer,
    VolunteerApplication,
)

WAITING = (  # name, gender, languages, when, why (their own words)
    ("周敏", Gender.female, (Language.mandarin, Language.cantonese), (DayKind.weekends, PartOfDay.morning),
     "退休后有空，以前做过社区调解，想陪陪独居的老人。"),
    ("黄志强", Gender.male, (Language.mandarin,), (DayKind.weekdays, PartOfDay.evening),
     "下班后想做点有意义的事。"),
    ("林小雨", Gender.female, (Language.mandarin, Language.english), (DayKind.weekends, PartOfDay.afternoon), ""),
)
NOTES = ("说话温和，愿意先听再说；提醒培训时注意界限。", "有陪伴家人的经验，时间稳定。", "紧张但真诚；建议先旁听。")


def seed_applications(session: Session, *, coordinator: Account, volunteers: list[tuple[Volunteer, str]],
                      now: datetime, seed: int) -> int:
    rng = random.Random(seed + 11)
    community_ids = sorted({v.community_id for v, _stage in volunteers})
    count = 0
    for n, (name, gender, languages, (days, part), why) in enumerate(WAITING):
        received = now - timedelta(days=n * 2 + 1, hours=rng.randint(0, 8))
        _application(session, name=name, gender=gender, phone=f"+8613700{n:06d}", community_id=community_ids[n %
                     len(community_ids)], languages=languages, times=((days, part),), motivation=why,
                     received=received)
        count += 1
    declined = _application(session, name="马丽", gender=Gender.female, phone="+8613700000099",
                            community_id=community_ids[0], languages=(Language.mandarin,),
                            times=((DayKind.weekdays, PartOfDay.afternoon),), motivation="", received=now -
                            timedelta(days=20))
    _decide(session, declined, coordinator=coordinator, at=now - timedelta(days=12),
            reason=DeclineReason.not_reachable)
    count += 1
    for volunteer, stage in volunteers:  # the demo's applicants and trainees came in through the public page
        if stage not in ("applicant", "in_training"):
            continue
        received = datetime.combine(volunteer.joined_on, datetime.min.time(), tzinfo=now.tzinfo) - timedelta(days=3)
        application = _application(session, name=volunteer.full_name, gender=volunteer.gender,
                                   phone=volunteer.phone, community_id=volunteer.community_id,
                                   languages=(Language.mandarin,), times=((DayKind.weekends, PartOfDay.morning),),
                                   motivation="", received=min(received, now - timedelta(days=1)))
        _decide(session, application, coordinator=coordinator, at=application.created_at + timedelta(days=1),
                volunteer=volunteer)
        count += 1
    interviews = session.exec(select(VettingStep).where(VettingStep.kind == VettingStepKind.interview,
                                                        col(VettingStep.volunteer_id).in_(
                                                            [v.id for v, stage in volunteers
                                                             if stage in ("applicant", "in_training")]))).all()
    for k, step in enumerate(interviews):
        step.notes = NOTES[k % len(NOTES)]
        session.add(step)
    session.flush()
    return count


def _application(session: Session, *, name, gender, phone, community_id, languages, times, motivation,
                 received: datetime) -> VolunteerApplication:
    application = VolunteerApplication(full_name=name, gender=gender, phone=phone, community_id=community_id,
                                       motivation=motivation, consent_at=received, code_of_conduct_seen_at=received,
                                       created_at=received)
    session.add(application)
    session.flush()
    session.add_all([ApplicationLanguage(application_id=application.id, language=language) for language in languages])
    session.add_all([ApplicationTime(application_id=application.id, days=days, part_of_day=part)
                     for days, part in times])
    audit.record(session, actor_id=None, action=AuditAction.volunteer_application_received,
                 entity="volunteer_application", entity_id=application.id, at=received)
    return application


def _decide(session: Session, application: VolunteerApplication, *, coordinator: Account, at: datetime,
            reason: DeclineReason | None = None, volunteer: Volunteer | None = None) -> None:
    application.status = ApplicationStatus.accepted if volunteer else ApplicationStatus.declined
    application.volunteer_id = volunteer.id if volunteer else None
    application.decline_reason = reason
    application.decided_at = at
    application.decided_by = coordinator.id
    session.add(application)
    session.flush()
    action = AuditAction.volunteer_application_accepted if volunteer else AuditAction.volunteer_application_declined
    audit.record(session, actor_id=coordinator.id, action=action, entity="volunteer_application",
                 entity_id=application.id,
                 details={"volunteer_id": volunteer.id} if volunteer else {"reason": reason.value}, at=at)
