"""Demo data: a believable Shenzhen community centre, so that every page has something real to show.

About 40 volunteers at every stage of training, the curriculum, about 150 resident requests over 12 weeks with
their visits and session logs. Phone numbers are valid in format but fictional (the middle block is 0000), and
the demo never has SMS credentials, so nothing is ever sent to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from listening.core import audit, clock
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.i18n import DEFAULT_LOCALE, N_
from listening.demo import connections as demo_connections
from listening.demo import feedback as demo_feedback
from listening.demo import supervision as demo_supervision
from listening.demo.applications import seed_applications
from listening.models import (
    Account,
    AvailabilityException,
    AvailabilityRule,
    CompletionMethod,
    DebriefRequest,
    DebriefStatus,
    DutyShift,
    Escalation,
    EscalationSource,
    EscalationStatus,
    Gender,
    Language,
    ListeningRequest,
    Mode,
    OutboundMessage,
    Outcome,
    PartOfDay,
    RequestSource,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    Role,
    SessionLog,
    ShadowSession,
    TrainingCompletion,
    VettingStep,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerLanguage,
    VolunteerStatus,
)
from listening.residents.communities import sync_communities
from listening.sms import reminders
from listening.staff import invites
from listening.staff.auth import create_account
from listening.volunteers import vetting
from listening.volunteers.training import curriculum, sync_curriculum, valid_through

DEMO_PASSWORD = "listening-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    description: str  # English msgid, translated on the sign-in page


DEMO_ACCOUNTS = (
    DemoAccount("coordinator", Role.coordinator, N_("Coordinator Wang Fang: triage, matching, SMS, safeguarding")),
    DemoAccount("volunteer", Role.volunteer, N_("Volunteer Chen Jing: certified for home visits")),
    DemoAccount("trainee", Role.volunteer, N_("Volunteer Li Ming: still in training")),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程苏魏吕丁沈"
GIVEN = ["芳", "静", "敏", "伟", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "华",
         "丽", "平", "刚", "桂英", "玉兰", "志强", "建华", "海燕", "晓燕", "文", "婷", "欣怡", "子涵", "浩然", "嘉怡"]
RESIDENT_FORMS = ["{s}阿姨", "{s}伯", "{s}姐", "小{s}", "{s}先生", "{s}女士", "老{s}", "{s}奶奶", "{s}爷爷"]
TOPICS = ["loneliness", "family", "health", "work", "study", "relationships", "money", "other"]
NOTES = ["聊了孙子的近况，情绪比开始时好。", "Talked about settling in after moving to Shenzhen.",
         "谈到退休后的生活安排，约定下次再聊。", "Mostly about work stress; resident felt lighter at the end.",
         "讲了很多老家的事，最后笑了。", "谈到身体不适，已建议去社康中心复查。"]
DEMO_ADDRESSES = ["南山区粤海街道科技园社区 {n} 栋", "南山区南头街道南头古城 {n} 号", "南山区蛇口街道四海社区 {n} 栋",
                  "南山区招商街道花园城 {n} 栋", "南山区沙河街道华侨城 {n} 栋", "南山区桃源街道桃源村 {n} 栋"]


def fictional_phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = f"+86139{0:04d}{rng.randrange(10000):04d}"
        if phone not in used:
            used.add(phone)
            return phone


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def is_seeded(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Account)).one() > 0


def seed_demo(session: Session, *, now: datetime | None = None, seed: int = 2026) -> dict[str, int]:
    """Fill an empty database with the demo centre. Returns counts of what was created."""
    if is_seeded(session):
        raise RuntimeError("the database already has accounts; demo data goes only into an empty database")
    rng = random.Random(seed)
    tz = get_settings().tz
    now = now or clock.now()
    today = clock.today(now)
    communities = sync_communities(session)
    modules = sync_curriculum(session)
    module_by_code = {m.code: m for m in modules}
    phones: set[str] = set()

    coordinator = create_account(session, username="coordinator", password=DEMO_PASSWORD, display_name="王芳",
                                 role=Role.coordinator, phone=fictional_phone(rng, phones))
    create_account(session, username="coordinator2", password=DEMO_PASSWORD, display_name="刘洋",
                   role=Role.coordinator, phone=fictional_phone(rng, phones))

    # Stages, in the proportions of a programme in its second year.
    stages = (["applicant"] * 5 + ["in_training"] * 7 + ["shadowing"] * 5 + ["active"] * 14
              + ["home_certified"] * 8 + ["expired_crisis"] * 2)
    core_codes = ["programme", "active_listening", "empathic_responses", "boundaries_fraud", "crisis",
                  "phone_listening", "self_care"]
    volunteers: list[tuple[Volunteer, str]] = []
    for index, stage in enumerate(stages):
        if index == 0:
            stage = "home_certified"
        username = {0: "volunteer", 1: "trainee"}.get(index)
        if index == 1:
            stage = "in_training"
        full_name = {0: "陈静", 1: "李明"}.get(index) or _name(rng)
        account = None
        if username:
            account = create_account(session, username=username, password=DEMO_PASSWORD, display_name=full_name,
                                     role=Role.volunteer)
        joined = today - timedelta(days=rng.randint(30, 700) if stage not in ("applicant", "in_training")
                                   else rng.randint(3, 60))
        volunteer = Volunteer(
            account_id=account.id if account else None,
            full_name=full_name,
            gender=Gender.female if rng.random() < 0.68 else Gender.male,
            phone=fictional_phone(rng, phones),
            community_id=rng.choice(communities).id,
            status=VolunteerStatus.paused if rng.random() < 0.05 else VolunteerStatus.active,
            weekly_hour_cap=rng.choice([2, 3, 4, 4, 6]),
            joined_on=joined,
        )
        if index == 0:
            volunteer.gender, volunteer.status = Gender.female, VolunteerStatus.active
        session.add(volunteer)
        session.flush()
        languages = {Language.mandarin}
        if rng.random() < 0.45:
            languages.add(Language.cantonese)
        if rng.random() < 0.12:
            languages.add(Language.hakka)
        if rng.random() < 0.08:
            languages.add(Language.teochew)
        if rng.random() < 0.2:
            languages.add(Language.english)
        for language in languages:
            session.add(VolunteerLanguage(volunteer_id=volunteer.id, language=language))

        done: list[str] = []
        if stage == "in_training":
            done = core_codes[: rng.randint(1, 4)]
        elif stage in ("shadowing", "active", "expired_crisis"):
            done = list(core_codes)
        elif stage == "home_certified":
            done = core_codes + ["home_visit_safety"]
        start = joined + timedelta(days=3)
        for step, code in enumerate(done):
            completed_on = min(start + timedelta(days=7 * step), today - timedelta(days=1))
            module = module_by_code[code]
            if stage == "expired_crisis" and code == "crisis":
                completed_on = today - timedelta(days=400)
            elif module.valid_months and valid_through(completed_on, module.valid_months) < today:
                # a refresher was taken since (a few fall inside the expiry warning window)
                completed_on = today - timedelta(days=rng.randint(15, 28 * module.valid_months))
            method = (CompletionMethod.signoff if module.requires_signoff
                      else CompletionMethod.quiz if module.requires_quiz else CompletionMethod.attendance)
            session.add(TrainingCompletion(volunteer_id=volunteer.id, module_id=module.id, completed_on=completed_on,
                                           method=method, recorded_by=coordinator.id))
        volunteers.append((volunteer, stage))
    session.flush()
    # A volunteer invited to an account who has not set a password yet: the volunteers page shows the invite.
    invited = next(v for v, stage in volunteers if stage == "active" and v.account_id is None)
    invites.invite_volunteer(session, actor=coordinator, volunteer_id=invited.id, username="invited", by_sms=False,
                             now=now)

    _seed_vetting(session, volunteers, coordinator=coordinator, today=today)
    counts_applications = seed_applications(session, coordinator=coordinator, volunteers=volunteers, now=now,
                                            seed=seed)
    listeners = [v for v, stage in volunteers if stage in ("active", "home_certified")]
    home_listeners = [v for v, stage in volunteers if stage == "home_certified"]
    for volunteer, stage in volunteers:
        if stage in ("shadowing", "active", "home_certified", "expired_crisis"):
            required = curriculum().shadow_sessions_required
            observed = rng.randint(0, required - 1) if stage == "shadowing" else required
            mentors = [v for v in listeners if v.id != volunteer.id]
            for k in range(observed):
                session.add(ShadowSession(volunteer_id=volunteer.id, mentor_id=rng.choice(mentors).id,
                                          observed_on=today - timedelta(days=7 * (k + 1)) if stage == "shadowing"
                                          else min(volunteer.joined_on + timedelta(days=60 + 7 * k),
                                                   today - timedelta(days=1 + k)),
                                          signed_off_by=coordinator.id))
        if stage in ("active", "home_certified", "shadowing", "expired_crisis"):
            for weekday in rng.sample(range(7), rng.randint(2, 4)):
                start_hour = rng.choice([9, 10, 14, 15, 19])
                session.add(AvailabilityRule(volunteer_id=volunteer.id, weekday=weekday, start_time=time(start_hour),
                                             end_time=time(min(start_hour + rng.choice([2, 3]), 21)),
                                             valid_from=today - timedelta(weeks=14)))
    demo_supervision.seed_practice(session, volunteers=volunteers, trainer=coordinator, today=today, rng=rng)
    # The demo volunteer has a few days off coming up, so her availability calendar shows time off.
    leave_from = today + timedelta(days=16)
    session.add(AvailabilityException(volunteer_id=volunteers[0][0].id, starts_at=_at(leave_from, 0, tz),
                                      ends_at=_at(leave_from + timedelta(days=3), 0, tz), reason="回老家探亲"))

    languages_of: dict[int, set[Language]] = {}
    for row in session.exec(select(VolunteerLanguage)):
        languages_of.setdefault(row.volunteer_id, set()).add(row.language)

    counts = {"requests": 0, "visits": 0, "session_logs": 0}
    residents: list[Resident] = []
    for _ in range(120):
        surname = rng.choice(SURNAMES)
        community = rng.choice(communities)
        residents.append(Resident(
            display_name=rng.choice(RESIDENT_FORMS).format(s=surname),
            phone=fictional_phone(rng, phones),
            community_id=community.id,
            address=rng.choice(DEMO_ADDRESSES).format(n=rng.randint(1, 40)) if rng.random() < 0.4 else None,
            locale="en" if rng.random() < 0.05 else DEFAULT_LOCALE,
            sensitive_consent_at=now - timedelta(days=90),
            sms_consent_at=now - timedelta(days=90) if rng.random() < 0.9 else None,
        ))
    session.add_all(residents)
    session.flush()

    # 150 requests over 12 weeks: old ones mostly completed, recent ones scheduled, the newest still waiting.
    open_residents: set[int] = set()
    for n in range(150):
        created = now - timedelta(days=84 * (1 - n / 150), hours=rng.randint(0, 10))
        resident = rng.choice(residents)
        age_days = (now - created).days
        if resident.id in open_residents:
            continue
        mode = rng.choices([Mode.phone, Mode.centre, Mode.home], weights=[45, 35, 20])[0]
        language = rng.choices([Language.mandarin, Language.cantonese, Language.hakka, Language.english],
                               weights=[70, 22, 5, 3])[0]
        request = ListeningRequest(
            resident_id=resident.id, mode=mode, language=language,
            gender_wish=Gender.female if rng.random() < 0.15 else None,
            wants_same_volunteer=rng.random() < 0.3,
            topic=rng.choice([None, "想找人聊聊天", "最近睡不好", "Just want someone to talk to", "家里的事"]),
            urgency=rng.choices([1, 2, 3], weights=[80, 17, 3])[0],
            source=RequestSource.coordinator if rng.random() < 0.25 else RequestSource.online,
            created_at=created, updated_at=created,
        )
        session.add(request)
        session.flush()
        counts["requests"] += 1
        for weekday in rng.sample(range(7), rng.randint(1, 3)):
            session.add(RequestTimeWindow(request_id=request.id, weekday=weekday,
                                          part_of_day=rng.choice(list(PartOfDay))))
        if age_days < 6:
            open_residents.add(resident.id)
            continue  # still waiting for matching
        pool = [v for v in (home_listeners if mode == Mode.home else listeners)
                if language in languages_of.get(v.id, set())] or listeners
        volunteer = rng.choice(pool)
        if age_days < 16:  # recent requests have their visit in the coming week
            visit_day = today + timedelta(days=rng.randint(1, 8))
        else:
            visit_day = (created + timedelta(days=rng.randint(2, 6))).astimezone(tz).date()
        starts_at = _at(visit_day, rng.choice([10, 15, 19]), tz)
        visit = Visit(request_id=request.id, mode=mode, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                      created_by=coordinator.id, created_at=created + timedelta(days=1))
        upcoming = starts_at > now
        if upcoming:
            visit.status = VisitStatus.confirmed if rng.random() < 0.5 else VisitStatus.scheduled
            request.status = RequestStatus.confirmed if visit.status == VisitStatus.confirmed else RequestStatus.scheduled
            open_residents.add(resident.id)
        else:
            fate = rng.random()
            if fate < 0.08:
                visit.status, request.status = VisitStatus.cancelled, RequestStatus.cancelled
                request.cancel_reason = "居民临时有事"
            elif fate < 0.14:
                visit.status, request.status = VisitStatus.no_show, RequestStatus.no_show
            else:
                visit.status, request.status = VisitStatus.completed, RequestStatus.completed
        session.add(visit)
        session.flush()
        live = visit.status in (VisitStatus.scheduled, VisitStatus.confirmed)
        try:
            with session.begin_nested():
                session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer.id, role=VisitRole.lead,
                                           starts_at=starts_at, live=live))
        except Exception:  # this volunteer is already booked in that slot: leave the demo visit unstaffed
            session.delete(visit)
            request.status = RequestStatus.new
            session.add(request)
            session.flush()
            continue
        counts["visits"] += 1
        if visit.status in (VisitStatus.completed, VisitStatus.no_show):
            held = visit.status == VisitStatus.completed
            before = rng.randint(1, 3)
            session.add(SessionLog(
                visit_id=visit.id, volunteer_id=volunteer.id,
                outcome=Outcome.held if held else (Outcome.no_answer if mode == Mode.phone else Outcome.no_show),
                actual_start=starts_at + timedelta(minutes=rng.randint(0, 10)) if held else None,
                actual_end=starts_at + timedelta(minutes=rng.randint(50, 75)) if held else None,
                mood_before=before if held else None,
                mood_after=min(5, before + rng.randint(0, 2)) if held else None,
                topics=",".join(rng.sample(TOPICS, rng.randint(1, 3))) if held else "",
                follow_up_wanted=held and rng.random() < 0.3,
                note=rng.choice(NOTES) if held else "",
            ))
            counts["session_logs"] += 1

    counts["escalations"] = _seed_safeguarding(session, now=now, tz=tz, seed=seed)
    counts.update(demo_feedback.seed_feedback(session, now=now, seed=seed))
    # Upcoming visits get their booking notices and reminders through the real outbox, as approval would write
    # them; without SMS credentials the worker records them as not sent.
    upcoming = session.exec(select(Visit).where(col(Visit.status).in_((VisitStatus.scheduled, VisitStatus.confirmed)),
                                                col(Visit.starts_at) > now)).all()
    for visit in upcoming:
        reminders.on_visit_scheduled(session, visit=visit, now=now)
    demo_supervision.seed_supervision(session, volunteers=volunteers, today=today, rng=rng,
                                      supervisors=demo_supervision.supervisor_accounts(session))
    for key, n in demo_connections.seed_connections(session, now=now, seed=seed).items():
        counts[key] = counts.get(key, 0) + n  # its resident's sessions add to the requests, visits and logs
    counts["messages"] = session.exec(select(func.count()).select_from(OutboundMessage)).one()
    audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="database", details=counts)
    session.flush()
    counts["volunteers"] = len(volunteers)
    counts["volunteer_applications"] = counts_applications
    return counts


def _seed_vetting(session: Session, volunteers: list[tuple[Volunteer, str]], *, coordinator, today: date) -> None:
    """Everyone past training is vetted; applicants and trainees stand at every vetting step (none, one, ... all)."""
    pending = [v for v, stage in volunteers if stage in ("applicant", "in_training")]
    for volunteer, _stage in volunteers:
        steps = vetting.STEPS[:pending.index(volunteer) % (len(vetting.STEPS) + 1)] if volunteer in pending \
            else vetting.STEPS
        for kind in steps:
            session.add(VettingStep(volunteer_id=volunteer.id, kind=kind, done_on=min(volunteer.joined_on, today),
                                    owner_id=coordinator.id))
    session.flush()


def _seed_safeguarding(session: Session, *, now: datetime, tz: ZoneInfo, seed: int) -> int:
    """A duty rota for the coming week, and a few escalations and debriefs at every step (a separate random
    stream, so the rest of the demo stays as it was). The demo volunteer 陈静 is never put in cooling-off."""
    rng = random.Random(seed + 7)
    today = clock.today(now)
    wang, liu = (session.exec(select(Account).where(Account.username == name)).one()
                 for name in ("coordinator", "coordinator2"))
    for day in range(-1, 7):
        on = today + timedelta(days=day)
        day_coordinator, night_coordinator = (wang, liu) if day % 2 == 0 else (liu, wang)
        session.add(DutyShift(coordinator_id=day_coordinator.id, starts_at=_at(on, 8, tz), ends_at=_at(on, 20, tz)))
        session.add(DutyShift(coordinator_id=night_coordinator.id, starts_at=_at(on, 20, tz),
                              ends_at=_at(on + timedelta(days=1), 8, tz)))
    demo_volunteer = session.exec(select(Volunteer.id).join(Account).where(Account.username == "volunteer")).one()
    held = session.exec(
        select(SessionLog).where(SessionLog.outcome == Outcome.held, SessionLog.volunteer_id != demo_volunteer)
        .where(SessionLog.actual_end < now - timedelta(hours=4)).order_by(SessionLog.actual_end.desc())
    ).all()
    # One closed within the hour, one taken on, and the newest still open (its volunteer is now resting).
    plans = [("risk_suicide", "suicide", EscalationStatus.closed),
             ("risk_abuse", "abuse", EscalationStatus.acknowledged),
             ("risk_medical", "medical", EscalationStatus.open)]
    created = 0
    for (column, code, state), log in zip(plans, [held[k] for k in (20, 6, 0) if k < len(held)]):
        setattr(log, column, True)
        session.add(log)
        raised = log.created_at = log.actual_end + timedelta(minutes=rng.randint(5, 40))
        visit = session.get(Visit, log.visit_id)
        escalation = Escalation(source=EscalationSource.session_log, request_id=visit.request_id,
                                session_log_id=log.id, risk_kinds=code, raised_at=raised)
        if state != EscalationStatus.open:
            escalation.status, escalation.acknowledged_by = state, wang.id
            escalation.acknowledged_at = raised + timedelta(minutes=rng.randint(6, 25))
            escalation.action_taken = "已回电志愿者并联系居民，提供 12356 热线。"
        if state == EscalationStatus.closed:
            escalation.closed_by, escalation.closed_at = wang.id, escalation.acknowledged_at + timedelta(hours=3)
        session.add(escalation)
        session.add(DebriefRequest(volunteer_id=log.volunteer_id, session_log_id=log.id, requested_at=raised,
                                   status=DebriefStatus.held if state == EscalationStatus.closed
                                   else DebriefStatus.requested,
                                   handled_by=wang.id if state == EscalationStatus.closed else None,
                                   handled_at=raised + timedelta(days=1) if state == EscalationStatus.closed else None))
        created += 1
    unanswered = session.exec(
        select(SessionLog).where(SessionLog.outcome == Outcome.no_answer).order_by(SessionLog.created_at.desc())
    ).first()
    if unanswered is not None:
        visit = session.get(Visit, unanswered.visit_id)
        session.add(Escalation(source=EscalationSource.unanswered_calls, request_id=visit.request_id,
                               risk_kinds="no_answer", raised_at=now - timedelta(hours=5)))
        created += 1
    session.flush()
    return created
