"""A generated district, seeded, into any database: the data bench_pages.py measures the pages on.

    DATABASE_URL=sqlite:///data/district.db python benchmarks/gen_district.py [--scale 1] [--seed 16]
    python benchmarks/gen_district.py --database-url postgresql+psycopg://postgres@127.0.0.1/district

At scale 1: 2,000 volunteers (all with accounts), 20 coordinators, 50,000 residents, 100,000 requests over two
years (about 2,200 of them still open), about 99,000 visits, 92,000 session logs, 300,000 outbound and 40,000
inbound SMS, 570,000 audit events, and every volunteer's training, shadowing and availability. `--scale 0.1` is a
small district. The database is migrated first and must hold no accounts. Rows go in through SQLAlchemy Core
executemany in chunks, with ids chosen here (PostgreSQL's sequences are moved past them at the end), so a
district takes minutes, not hours. Phone numbers are fictional (the middle block is 0000).

Every account's password is DISTRICT_PASSWORD; the coordinators are coord01..coord20, the volunteers v00001...
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time as timer
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from listening.core import clock, db  # noqa: E402
from listening.core.config import get_settings  # noqa: E402
from listening.demo.centre import RESIDENT_FORMS, SURNAMES, TOPICS, _name  # noqa: E402
from listening.models import (  # noqa: E402
    Account,
    AuditEvent,
    AvailabilityException,
    AvailabilityRule,
    CompletionMethod,
    DutyShift,
    Escalation,
    EscalationSource,
    EscalationStatus,
    Gender,
    InboundMessage,
    Language,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    Mode,
    OutboundMessage,
    Outcome,
    PartOfDay,
    RecipientKind,
    ReplyIntentValue,
    RequestSource,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    Role,
    SessionLog,
    ShadowSession,
    TrainingCompletion,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    VolunteerLanguage,
    VolunteerStatus,
)
from listening.residents.communities import sync_communities  # noqa: E402
from listening.staff.auth import hash_password  # noqa: E402
from listening.volunteers.training import sync_curriculum, valid_through  # noqa: E402

DISTRICT_PASSWORD = "listening-district"
CHUNK = 5000
BASE = {"volunteers": 2000, "residents": 50000, "requests": 100000, "inbound": 40000}
COORDINATORS = 20
DAYS = 730  # two years of requests
OPEN_DAYS = 9  # requests younger than this are still open (about 2,200 at scale 1)


def phone(index: int) -> str:
    """Fictional, distinct, valid in format: +86 13x 0000 xxxx."""
    return f"+8613{index // 10000}0000{index % 10000:04d}"


def chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class Writer:
    """Bulk inserts through one connection, counting rows per table."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}

    def insert(self, model, rows: Iterable[dict]) -> None:
        rows = list(rows)
        table = model.__table__
        for part in chunks(rows):
            self.conn.execute(table.insert(), part)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def _at(day: date, hour: int, tz) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def generate(url: str, *, scale: float = 1.0, seed: int = 16, now: datetime | None = None) -> dict[str, int]:
    db.migrate(url)
    engine = db.make_engine(url)
    rng = random.Random(seed)
    tz = get_settings().tz
    now = now or clock.now()
    today = clock.today(now)
    n = {key: max(10, int(value * scale)) for key, value in BASE.items()}
    try:
        with Session(engine) as session:
            if session.exec(sa.select(sa.func.count()).select_from(Account)).one()[0]:
                raise SystemExit("the database already has accounts; a district goes only into an empty database")
            communities = [c.id for c in sync_communities(session)]
            modules = sync_curriculum(session)
            session.commit()
            module_rows = [(m.id, m.code, m.valid_months, m.requires_quiz, m.requires_signoff) for m in modules]
        with engine.begin() as conn:
            writer = Writer(conn)
            writer.communities = communities
            _people(writer, rng, n, communities, module_rows, now=now, today=today, tz=tz)
            _requests(writer, rng, n, now=now, today=today, tz=tz)
            if engine.dialect.name == "postgresql":
                for table in writer.counts:
                    if "id" in sa.inspect(conn).get_pk_constraint(table)["constrained_columns"] and \
                            conn.execute(sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar():
                        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                             f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
            return writer.counts
    finally:
        engine.dispose()


def _people(writer: Writer, rng: random.Random, n: dict, communities: list[int], modules: list, *, now, today, tz):
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
        joined = today - timedelta(days=rng.randint(60, DAYS) if stage in ("active", "home") else rng.randint(3, 59))
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
                exceptions.append({"id": len(exceptions) + 1, "volunteer_id": v, "starts_at": _at(leave, 0, tz),
                                   "ends_at": _at(leave + timedelta(days=rng.randint(1, 10)), 0, tz), "reason": ""})
    writer.insert(Account, accounts)
    writer.insert(Volunteer, volunteers)
    writer.insert(VolunteerLanguage, languages)
    writer.insert(TrainingCompletion, completions)
    writer.insert(ShadowSession, shadows)
    writer.insert(AvailabilityRule, rules)
    writer.insert(AvailabilityException, exceptions)
    writer.insert(DutyShift, [{"id": d + 1, "coordinator_id": 1 + d % COORDINATORS,
                               "starts_at": now + timedelta(hours=12 * d - 12),
                               "ends_at": now + timedelta(hours=12 * d)} for d in range(28)])
    spoken_by = {}
    for row in languages:
        spoken_by.setdefault(row["language"], []).append(row["volunteer_id"])
    listeners = {i + 1 for i, stage in enumerate(stages) if stage in ("active", "home")}
    home = {i + 1 for i, stage in enumerate(stages) if stage == "home"}
    writer.pools = {(language, mode): [v for v in ids if v in (home if mode == Mode.home else listeners)]
                    for language, ids in spoken_by.items() for mode in Mode}


def _requests(writer: Writer, rng: random.Random, n: dict, *, now, today, tz):
    residents, requests, windows, visits, staff, logs = [], [], [], [], [], []
    outbound, inbound, events, escalations = [], [], [], []
    for r in range(1, n["residents"] + 1):
        created = now - timedelta(days=DAYS + 30 - rng.randint(0, DAYS))
        residents.append({"id": r, "display_name": rng.choice(RESIDENT_FORMS).format(s=rng.choice(SURNAMES)),
                          "phone": phone(r), "community_id": rng.choice(writer.communities),
                          "address": f"南山区某街道 {rng.randint(1, 40)} 栋" if rng.random() < 0.4 else None,
                          "locale": "en" if rng.random() < 0.05 else "zh_CN", "sensitive_consent_at": created,
                          "sms_consent_at": created if rng.random() < 0.9 else None, "consent_verbal": False,
                          "consent_recorded_by": None, "created_at": created})

    open_residents: set[int] = set()
    live_slots: set[tuple[int, datetime]] = set()
    event_id = message_id = 0
    last_request_of: dict[int, int] = {}

    def event(at, actor, action, entity, entity_id, details=None):
        nonlocal event_id
        event_id += 1
        events.append({"id": event_id, "at": at, "actor_id": actor, "action": action, "entity": entity,
                       "entity_id": str(entity_id), "details": details})

    def message(visit_id, request_id, kind, to, due, status):
        nonlocal message_id
        message_id += 1
        sent = status in (MessageStatus.sent, MessageStatus.delivered)
        outbound.append({"id": message_id, "dedupe_key": f"district:{request_id}:{visit_id}:{kind.value}",
                         "kind": kind, "recipient_kind": RecipientKind.resident, "to_phone": to,
                         "body": "倾听一小时：您的倾听时段已安排。服务免费，志愿者绝不会向您要钱。", "locale": "zh_CN",
                         "urgent": False, "request_id": request_id, "visit_id": visit_id, "status": status,
                         "due_at": due, "expires_at": None, "attempts": 1 if sent or status == MessageStatus.failed else 0,
                         "claimed_at": None, "claimed_by": None, "provider": "twilio" if sent else None,
                         "provider_sid": f"SMD{message_id:029d}" if sent else None, "segments": 1 if sent else None,
                         "error_code": "30003" if status == MessageStatus.failed else None, "error_message": None,
                         "sent_at": due if sent else None, "created_at": due - timedelta(days=1), "updated_at": due})

    visit_id = log_id = 0
    monday = today - timedelta(days=today.weekday())
    total = n["requests"]
    for q in range(1, total + 1):
        created = now - timedelta(days=DAYS * (1 - q / total), minutes=rng.randint(0, 600))
        resident_id = rng.randint(1, n["residents"])
        age_days = (now - created).total_seconds() / 86400
        if resident_id in open_residents:
            resident_id = next(r for r in range(1, n["residents"] + 1) if r not in open_residents)
        resident = residents[resident_id - 1]
        mode = rng.choices([Mode.phone, Mode.centre, Mode.home], weights=[45, 35, 20])[0]
        language = rng.choices([Language.mandarin, Language.cantonese, Language.hakka, Language.english],
                               weights=[70, 22, 5, 3])[0]
        coordinator = rng.choice(writer.coordinators)
        row = {"id": q, "resident_id": resident_id, "mode": mode, "language": language,
               "gender_wish": Gender.female if rng.random() < 0.15 else None,
               "wants_same_volunteer": rng.random() < 0.3, "previous_volunteer_id": None,
               "topic": rng.choice([None, "想找人聊聊天", "最近睡不好", "Just want someone to talk to", "家里的事"]),
               "urgency": rng.choices([1, 2, 3], weights=[80, 17, 3])[0], "risk_flag": False,
               "status": RequestStatus.new, "source": RequestSource.coordinator if rng.random() < 0.25
               else RequestSource.online, "cancel_reason": None, "same_number_as_id": None,
               "same_number_decision": None, "sms_held": None, "created_at": created, "updated_at": created}
        requests.append(row)
        last_request_of[resident_id] = q
        for weekday in rng.sample(range(7), rng.randint(1, 2)):
            windows.append({"id": len(windows) + 1, "request_id": q, "weekday": weekday, "on_date": None,
                            "part_of_day": rng.choice(list(PartOfDay))})
        event(created, None, "request.submitted", "listening_request", q, {"source": row["source"].value})
        if age_days < OPEN_DAYS and rng.random() < 0.75:
            open_residents.add(resident_id)
            if rng.random() < 0.08:  # matching proposed a visit this week, not yet approved
                pool = writer.pools.get((language, mode)) or writer.pools[(Language.mandarin, Mode.phone)]
                volunteer = rng.choice(pool)
                starts = _at(monday + timedelta(days=rng.randint(0, 6)), rng.choice([10, 15, 19]), tz)
                if (volunteer, starts) not in live_slots:
                    live_slots.add((volunteer, starts))
                    visit_id += 1
                    row["status"] = RequestStatus.matched
                    visits.append({"id": visit_id, "request_id": q, "mode": mode, "starts_at": starts,
                                   "ends_at": starts + timedelta(hours=1), "status": VisitStatus.proposed,
                                   "created_by": coordinator, "confirmed_at": None, "created_at": now})
                    staff.append({"visit_id": visit_id, "volunteer_id": volunteer, "role": VisitRole.lead,
                                  "starts_at": starts, "live": True, "confirmed_at": None})
                    event(now, coordinator, "request.proposed", "listening_request", q,
                          {"visit_id": visit_id, "volunteer_ids": [volunteer]})
            continue  # waiting in the queue
        if rng.random() < 0.01:
            row["status"], row["cancel_reason"] = RequestStatus.cancelled, "居民不再需要"
            event(created + timedelta(days=1), coordinator, "request.cancelled", "listening_request", q)
            continue
        pool = writer.pools.get((language, mode)) or writer.pools[(Language.mandarin, Mode.phone)]
        volunteer = rng.choice(pool)
        if age_days < 16:
            day = today + timedelta(days=rng.randint(1, 10))
        else:
            day = (created + timedelta(days=rng.randint(2, 6))).astimezone(tz).date()
        starts = _at(day, rng.choice([10, 15, 19]), tz)
        upcoming = starts > now
        if upcoming:
            status = VisitStatus.confirmed if rng.random() < 0.5 else VisitStatus.scheduled
            if (volunteer, starts) in live_slots:
                open_residents.add(resident_id)
                continue  # that volunteer is taken then: the request stays new
            live_slots.add((volunteer, starts))
            open_residents.add(resident_id)
            row["status"] = RequestStatus(status.value)
        else:
            fate = rng.random()
            status = (VisitStatus.cancelled if fate < 0.02 else VisitStatus.no_show if fate < 0.08
                      else VisitStatus.completed)
            row["status"] = RequestStatus(status.value)
            if status == VisitStatus.cancelled:
                row["cancel_reason"] = "居民临时有事"
        visit_id += 1
        booked = created + timedelta(days=1)
        visits.append({"id": visit_id, "request_id": q, "mode": mode, "starts_at": starts,
                       "ends_at": starts + timedelta(hours=1), "status": status, "created_by": coordinator,
                       "confirmed_at": booked if status != VisitStatus.scheduled else None, "created_at": booked})
        staff.append({"visit_id": visit_id, "volunteer_id": volunteer, "role": VisitRole.lead, "starts_at": starts,
                      "live": upcoming, "confirmed_at": booked})
        event(booked, coordinator, "request.proposed", "listening_request", q, {"volunteer_ids": [volunteer]})
        event(booked, coordinator, "request.scheduled", "listening_request", q, {"visit_id": visit_id})
        delivered = MessageStatus.delivered if rng.random() < 0.97 else MessageStatus.failed
        message(visit_id, q, MessageKind.visit_scheduled, resident["phone"], booked,
                delivered if not upcoming or rng.random() < 0.9 else MessageStatus.queued)
        message(visit_id, q, MessageKind.reminder_24h, resident["phone"], starts - timedelta(hours=24),
                MessageStatus.queued if upcoming else delivered)
        message(visit_id, q, MessageKind.reminder_2h, resident["phone"], starts - timedelta(hours=2),
                MessageStatus.queued if upcoming else delivered)
        if status in (VisitStatus.confirmed, VisitStatus.completed) and rng.random() < 0.5:
            event(booked + timedelta(hours=2), None, "request.confirmed", "listening_request", q)
        if status in (VisitStatus.completed, VisitStatus.no_show):
            held = status == VisitStatus.completed
            before = rng.randint(1, 3)
            log_id += 1
            risk = held and rng.random() < 0.01
            logs.append({"id": log_id, "visit_id": visit_id, "volunteer_id": volunteer,
                         "outcome": Outcome.held if held else
                         (Outcome.no_answer if mode == Mode.phone else Outcome.no_show),
                         "mode": mode, "actual_start": starts + timedelta(minutes=rng.randint(0, 10)) if held else None,
                         "actual_end": starts + timedelta(minutes=rng.randint(50, 75)) if held else None,
                         "mood_before": before if held else None,
                         "mood_after": min(5, before + rng.randint(0, 2)) if held else None,
                         "topics": ",".join(rng.sample(TOPICS, rng.randint(1, 3))) if held else "",
                         "follow_up_wanted": held and rng.random() < 0.3, "note": "聊了近况。" if held else "",
                         "risk_suicide": risk, "risk_harm_others": False, "risk_abuse": False,
                         "risk_medical": False, "risk_scam": False, "created_at": starts + timedelta(hours=2)})
            event(starts + timedelta(hours=2), volunteer + COORDINATORS, "session_log.created", "session_log", log_id)
            event(starts + timedelta(hours=2), volunteer + COORDINATORS,
                  "request.completed" if held else "request.no_show", "listening_request", q)
            if risk:
                closed = (now - starts).days > 14
                escalations.append({
                    "id": len(escalations) + 1, "source": EscalationSource.session_log, "request_id": q,
                    "session_log_id": log_id, "risk_kinds": "suicide",
                    "status": EscalationStatus.closed if closed else EscalationStatus.acknowledged,
                    "raised_at": starts + timedelta(hours=2), "acknowledged_by": coordinator,
                    "acknowledged_at": starts + timedelta(hours=3), "action_taken": "已电话回访" if closed else None,
                    "closed_by": coordinator if closed else None,
                    "closed_at": starts + timedelta(days=2) if closed else None})
        elif status == VisitStatus.cancelled:
            event(starts - timedelta(hours=5), coordinator, "request.cancelled", "listening_request", q)
    for k in range(n["inbound"]):
        resident = residents[rng.randint(0, n["residents"] - 1)]
        at = now - timedelta(minutes=rng.randint(10, DAYS * 1440))
        intent = rng.choices(list(ReplyIntentValue), weights=[60, 8, 2, 1, 10, 19])[0]
        inbound.append({"id": k + 1, "provider_sid": f"SMI{k:029d}", "from_phone": resident["phone"],
                        "body": {"confirm": "1", "cancel": "2", "opt_out": "TD", "opt_in": "START",
                                 "help": "?", "other": "好的谢谢"}[intent.value],
                        "intent": intent, "received_at": at})
        event(at, None, "sms.inbound", "inbound_message", k + 1, {"intent": intent.value})
    # The residents' details seen on the triage list: the rest of a district's audit trail.
    while event_id < int(571000 * len(requests) / BASE["requests"]):
        at = now - timedelta(minutes=rng.randint(1, DAYS * 1440))
        event(at, rng.choice(writer.coordinators), "resident.details_viewed", "resident",
              rng.randint(1, n["residents"]), {"context": "triage_list"})
    events.sort(key=lambda e: e["at"])
    for index, row in enumerate(events, start=1):
        row["id"] = index
    writer.insert(Resident, residents)
    writer.insert(ListeningRequest, requests)
    writer.insert(RequestTimeWindow, windows)
    writer.insert(Visit, visits)
    writer.insert(VisitVolunteer, staff)
    writer.insert(SessionLog, logs)
    writer.insert(Escalation, escalations)
    writer.insert(OutboundMessage, outbound)
    writer.insert(InboundMessage, inbound)
    writer.insert(AuditEvent, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    os.environ["DATABASE_URL"] = args.database_url
    get_settings.cache_clear()
    started = timer.perf_counter()
    counts = generate(args.database_url, scale=args.scale, seed=args.seed)
    for table, count in counts.items():
        print(f"{table:24} {count:>9,}")
    print(f"{'total':24} {sum(counts.values()):>9,} rows in {timer.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
