"""The demo centre's way back to real people (called from demo.seed_demo, last): a catalogue of Nanshan community
activities, suggestions made in past session logs with their follow-ups at two and six weeks (some answered, some
due, one due for the demo volunteer 陈静), a journey plan whose review is due, and a resident whose sessions give
the coordinator's signals (more and more sessions, at night, with one volunteer, paid companionship mentioned).

A separate random stream, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from listening.connection.suggestions import SMS_VALID, activity_sms
from listening.core import clock
from listening.core.config import get_settings
from listening.models import (
    FOLLOW_UP_WEEKS,
    Account,
    Activity,
    ActivityFollowUp,
    ActivityKind,
    ActivityLanguage,
    ActivitySuggestion,
    Community,
    FollowUpAnswer,
    JourneyGoal,
    JourneyPlan,
    Language,
    ListeningRequest,
    MessageKind,
    Mode,
    Outcome,
    RecipientKind,
    RequestStatus,
    Resident,
    SessionLog,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
)
from listening.sms import outbox

K = ActivityKind
# name, English name, kind, community, place, time, cost (None: free), languages, accessibility
CATALOGUE = [
    ("广场舞", "Square dancing", K.sport, "taoyuan", "桃源村文化广场", "每天 19:30", None, ("zh", "yue"),
     "平地，无台阶；旁边有长椅"),
    ("象棋搭子", "Chinese chess partners", K.dazi_group, "yuehai", "粤海街道党群服务中心二楼", "每周三 19:00", None, ("zh",),
     "有电梯"),
    ("社区合唱团", "Community choir", K.dazi_group, "shekou", "蛇口社区活动室", "每周五 15:00", None, ("zh", "yue"),
     "有电梯；提供大字歌谱"),
    ("长者智能手机课", "Smartphones for seniors", K.class_, "nantou", "南头古城长者服务站", "每周二 10:00", None, ("zh",),
     "一楼；可带家属陪同"),
    ("义工服务队", "Neighbourhood volunteers", K.volunteering, "zhaoshang", "花园城社区服务中心", "每周六 9:00", None,
     ("zh", "en"), "任务可按体力安排"),
    ("太极晨练", "Morning tai chi", K.sport, "shahe", "华侨城生态广场", "每天 7:00", None, ("zh", "yue"), "平地"),
    ("粤语读书会", "Cantonese book club", K.dazi_group, "nanshan", "南山图书馆三楼", "每月第一个周日 14:00", None,
     ("yue",), "有电梯；有助听设备"),
    ("书法班", "Calligraphy class", K.class_, "xili", "西丽街道文体中心", "每周四 14:30", "每期 80 元", ("zh",), "一楼"),
]
ANSWERS = [FollowUpAnswer.went, FollowUpAnswer.went, FollowUpAnswer.not_went, FollowUpAnswer.unknown]
GOALS = ["每周参加一次广场舞", "每周给女儿打一次电话", "认识两个楼里的邻居"]
SIGNAL_NOTE = "她说以前每个月花几百块找秒回师聊天，这次聊得轻松些。"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=get_settings().tz).astimezone(UTC)


def seed_connections(session: Session, *, now: datetime, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 18)
    today = clock.today(now)
    wang, liu = (session.exec(select(Account).where(Account.username == name)).one()
                 for name in ("coordinator", "coordinator2"))
    communities = {c.code: c.id for c in session.exec(select(Community))}
    activities = []
    for n, (name, name_en, kind, community, place, schedule, cost, languages, access) in enumerate(CATALOGUE):
        activity = Activity(name_zh=name, name_en=name_en, kind=kind, community_id=communities[community], place=place,
                            schedule=schedule, free=cost is None, cost=cost, contact_id=(wang, liu)[n % 2].id,
                            accessibility=access, created_by=wang.id, created_at=now - timedelta(days=120),
                            updated_at=now - timedelta(days=120))
        session.add(activity)
        session.flush()
        session.add_all(ActivityLanguage(activity_id=activity.id, language=Language(code)) for code in languages)
        activities.append(activity)
    retired = Activity(name_zh="周末观鸟团", name_en="Weekend birdwatching", kind=K.dazi_group,
                       community_id=communities["shekou"], place="深圳湾公园", schedule="每周日 8:00",
                       contact_id=wang.id, created_by=wang.id, retired_at=now - timedelta(days=20))
    session.add(retired)
    session.flush()

    suggestions = _seed_suggestions(session, activities=activities, now=now, today=today, rng=rng, recorder=wang)
    sessions = _seed_signals_and_plan(session, now=now, today=today, coordinator=wang)
    session.flush()
    return {"activities": len(activities) + 1, "activity_suggestions": suggestions, "requests": sessions,
            "visits": sessions, "session_logs": sessions}


def _seed_suggestions(session: Session, *, activities: list[Activity], now: datetime, today: date,
                      rng: random.Random, recorder: Account) -> int:
    """About one held session in six, over the last 10 weeks, suggested an activity."""
    logs = session.exec(
        select(SessionLog, Visit.request_id, ListeningRequest.resident_id)
        .join(Visit, col(Visit.id) == col(SessionLog.visit_id))
        .join(ListeningRequest, col(ListeningRequest.id) == col(Visit.request_id))
        .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_end) < now,
               col(SessionLog.actual_start) >= now - timedelta(weeks=10))
        .order_by(col(SessionLog.actual_start))).all()
    demo_volunteer = session.exec(select(Volunteer.id).join(Account).where(Account.username == "volunteer")).one()
    # 陈静's own suggestion, three weeks ago, so her home shows a follow-up to answer.
    hers = [row for row in logs if row[0].volunteer_id == demo_volunteer
            and 15 <= (today - clock.local_date(row[0].actual_start)).days < 40]
    chosen = {id(row) for row in rng.sample(logs, k=min(len(logs), len(logs) // 6))} | {id(r) for r in hers[-1:]}
    residents: set[int] = set()
    created = 0
    for row in logs:
        log, request_id, resident_id = row
        if id(row) not in chosen or resident_id in residents:
            continue
        residents.add(resident_id)
        activity = rng.choice(activities)
        on = clock.local_date(log.actual_start)
        suggestion = ActivitySuggestion(resident_id=resident_id, activity_id=activity.id, visit_id=log.visit_id,
                                        suggested_by=log.volunteer_id, suggested_on=on, created_at=log.actual_end)
        session.add(suggestion)
        session.flush()
        created += 1
        resident = session.get(Resident, resident_id)
        if resident.sms_consent_at is not None and log.actual_end > now - SMS_VALID:
            outbox.enqueue(session, kind=MessageKind.activity_suggestion, recipient_kind=RecipientKind.resident,
                           to_phone=resident.phone, locale=resident.locale, now=log.actual_end,
                           expires_at=log.actual_end + SMS_VALID, request_id=request_id, visit_id=log.visit_id,
                           body=activity_sms(activity, locale=resident.locale, to_phone=resident.phone),
                           dedupe_key=f"activity:{suggestion.id}:resident")
        mine = log.volunteer_id == demo_volunteer and id(row) in {id(r) for r in hers[-1:]}
        went = None
        for weeks in FOLLOW_UP_WEEKS:
            due = on + timedelta(weeks=weeks)
            # most follow-ups answered a few days after they fell due; the latest few still waiting
            if due > today or mine or (today - due).days < 4 and rng.random() < 0.6:
                break
            answer = rng.choice(ANSWERS) if weeks == 2 or went != FollowUpAnswer.not_went else FollowUpAnswer.not_went
            went = answer
            session.add(ActivityFollowUp(suggestion_id=suggestion.id, weeks=weeks, answer=answer,
                                         recorded_by=recorder.id, recorded_at=_at(due + timedelta(days=2), 11)))
    return created


def _seed_signals_and_plan(session: Session, *, now: datetime, today: date, coordinator: Account) -> int:
    """梁阿姨 came five times in four weeks after one visit the month before, mostly at night, always to the same
    volunteer, and mentioned paying for "instant reply" chats: every signal. Her journey plan's review is due."""
    volunteer = session.exec(select(Volunteer).join(Account).where(Account.username == "volunteer")).one()
    # a resident who had asked for nothing yet, so her sessions are only these
    resident = session.exec(select(Resident).where(col(Resident.id).not_in(select(ListeningRequest.resident_id)))
                            .order_by(col(Resident.id))).first() or session.exec(select(Resident)).first()
    resident.display_name = "梁阿姨"
    session.add(resident)
    days = [40, 25, 18, 12, 7, 3]
    for n, ago in enumerate(days):
        day = today - timedelta(days=ago)
        starts_at = _at(day, 21, 30) if n % 2 else _at(day, 15)
        request = ListeningRequest(resident_id=resident.id, mode=Mode.phone, language=Language.mandarin,
                                   status=RequestStatus.completed, wants_same_volunteer=n > 0, topic="想找人聊聊天",
                                   created_at=starts_at - timedelta(days=2), updated_at=starts_at)
        session.add(request)
        session.flush()
        visit = Visit(request_id=request.id, mode=Mode.phone, starts_at=starts_at, status=VisitStatus.completed,
                      ends_at=starts_at + timedelta(hours=1), created_by=coordinator.id,
                      created_at=starts_at - timedelta(days=1))
        session.add(visit)
        session.flush()
        session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer.id, role=VisitRole.lead,
                                   starts_at=starts_at, live=False))
        session.add(SessionLog(visit_id=visit.id, volunteer_id=volunteer.id, outcome=Outcome.held, mode=Mode.phone,
                               actual_start=starts_at, actual_end=starts_at + timedelta(minutes=55), mood_before=2,
                               mood_after=3, topics="loneliness", note=SIGNAL_NOTE if ago == 7 else "",
                               created_at=starts_at + timedelta(hours=1)))
    plan = JourneyPlan(resident_id=resident.id, review_after=4, planned_sessions=10,
                       planned_last_on=today + timedelta(days=60), counted_since=_at(today - timedelta(days=30), 9),
                       recorded_by=coordinator.id, created_at=_at(today - timedelta(days=30), 9),
                       updated_at=_at(today - timedelta(days=30), 9))
    session.add(plan)
    session.flush()
    session.add_all(JourneyGoal(plan_id=plan.id, position=n, text=goal) for n, goal in enumerate(GOALS))
    return len(days)
