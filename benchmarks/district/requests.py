"""The district's residents and two years of requests: visits, session logs, risk escalations, the SMS sent and
received, and their audit events."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from listening.demo.centre import RESIDENT_FORMS, SURNAMES, TOPICS
from listening.models import (
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
    SessionLog,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
)

from .base import COORDINATORS, DAYS, OPEN_DAYS, Writer, at, phone


def requests(writer: Writer, rng: random.Random, n: dict, *, now, today, tz):
    residents, requests, windows, visits, staff, logs = [], [], [], [], [], []
    outbound, inbound, escalations = [], [], []
    writer.held, writer.upcoming = [], {}  # held visits (for feedback, suggestions, journeys); live ones by volunteer
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
    last_request_of: dict[int, int] = {}

    event = writer.event

    def message(visit_id, request_id, kind, to, due, status):
        message_id = writer.next_id("outbound")
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
        return outbound[-1]

    def serving(volunteer: int, day) -> bool:
        """Had joined and finished training and shadowing (about 80 days, as people.py writes them) by that day,
        and had not left: two years back, a district's listeners are fewer than today's."""
        left_on = writer.left_on.get(volunteer)
        return (writer.volunteers[volunteer - 1]["joined_on"] + timedelta(days=80) <= day
                and (left_on is None or day < left_on))

    def listener(pool: list[int], day) -> int:
        for _ in range(20):
            volunteer = rng.choice(pool)
            if serving(volunteer, day):
                return volunteer
        return min(pool, key=lambda v: (not serving(v, day), writer.volunteers[v - 1]["joined_on"]))

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
                volunteer = listener(pool, today)
                starts = at(monday + timedelta(days=rng.randint(0, 6)), rng.choice([10, 15, 19]), tz)
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
        if age_days < 16:
            day = today + timedelta(days=rng.randint(1, 10))
        else:
            day = (created + timedelta(days=rng.randint(2, 6))).astimezone(tz).date()
        volunteer = listener(pool, day)
        starts = at(day, rng.choice([10, 15, 19]), tz)
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
        sent = [message(visit_id, q, MessageKind.visit_scheduled, resident["phone"], booked,
                        delivered if not upcoming or rng.random() < 0.9 else MessageStatus.queued),
                message(visit_id, q, MessageKind.reminder_24h, resident["phone"], starts - timedelta(hours=24),
                        MessageStatus.queued if upcoming else delivered),
                message(visit_id, q, MessageKind.reminder_2h, resident["phone"], starts - timedelta(hours=2),
                        MessageStatus.queued if upcoming else delivered)]
        if upcoming:
            writer.upcoming.setdefault(volunteer, []).append((visits[-1], sent))
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
            if held:
                writer.held.append((visit_id, q, resident_id, volunteer, logs[-1]))
            event(starts + timedelta(hours=2), volunteer + COORDINATORS, "session_log.created", "session_log", log_id)
            event(starts + timedelta(hours=2), volunteer + COORDINATORS,
                  "request.completed" if held else "request.no_show", "listening_request", q)
            if risk:
                closed = (now - starts).days > 14
                escalations.append({
                    "id": writer.next_id("escalation"), "source": EscalationSource.session_log, "request_id": q,
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
        when = now - timedelta(minutes=rng.randint(10, DAYS * 1440))
        intent = rng.choices(list(ReplyIntentValue), weights=[60, 8, 2, 1, 10, 1, 0.2, 19])[0]
        inbound.append({"id": k + 1, "provider_sid": f"SMI{k:029d}", "from_phone": resident["phone"],
                        "body": {"confirm": "1", "cancel": "2", "opt_out": "TD", "opt_in": "START",
                                 "help": "?", "feedback": "52",
                                 "complaint": "投诉 志愿者迟到了", "other": "好的谢谢"}[intent.value],
                        "intent": intent, "received_at": when})
        event(when, None, "sms.inbound", "inbound_message", k + 1, {"intent": intent.value})
    writer.residents = residents
    writer.add(Resident, residents)
    writer.add(ListeningRequest, requests)
    writer.add(RequestTimeWindow, windows)
    writer.add(Visit, visits)
    writer.add(VisitVolunteer, staff)
    writer.add(SessionLog, logs)
    writer.add(Escalation, escalations)
    writer.add(OutboundMessage, outbound)
    writer.add(InboundMessage, inbound)
