"""What the district's programme does after a resident has been heard: feedback asked after most visits held
(about 60% answered, a few low scores and "yes" answers, the holds those opened: a handful decided, two pending),
about 300 complaints (about 10 open), a catalogue of about 150 activities (some retired), about 8,000 suggestions
with their two- and six-week follow-ups, and journey plans for about 5,000 residents."""

from __future__ import annotations

import random
from datetime import timedelta

from listening.core.config import get_settings
from listening.core.phones import is_mainland
from listening.demo.connections import ANSWERS, CATALOGUE, GOALS
from listening.demo.feedback import SCORES
from listening.models import (
    FOLLOW_UP_WEEKS,
    Activity,
    ActivityFollowUp,
    ActivityLanguage,
    ActivitySuggestion,
    Complaint,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
    Escalation,
    EscalationSource,
    EscalationStatus,
    FeedbackChannel,
    FeedbackRequest,
    FollowUpAnswer,
    FollowUpOutcome,
    HoldDecision,
    JourneyGoal,
    JourneyPlan,
    Language,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    VolunteerHold,
)
from listening.sms.outbox import VISIT_HELD

from .base import DAYS, Writer, at

COMPLAINTS = ("约好的电话倾听，志愿者晚了半小时才打来，也没有提前说。", "上门时间改了两次，没人通知我。",
              "志愿者说话太快，我跟不上。", "等了两个星期还没有人联系我。", "短信收到太多了。")
MORE_GOALS = GOALS + ["每天下楼走一走", "学会用手机视频通话", "去社区食堂吃午饭"]
HOLDS_DECIDED, HOLDS_PENDING = 6, 2


def programme(writer: Writer, rng: random.Random, n: dict, *, now, today, tz) -> None:
    _feedback(writer, rng, now=now)
    _complaints(writer, rng, n, now=now)
    _activities_and_suggestions(writer, rng, n, now=now, today=today, tz=tz)
    _journeys(writer, rng, n, now=now, today=today, tz=tz)


def _sms(writer: Writer, *, kind, to, request_id, visit_id, when, body, key) -> None:
    message_id = writer.next_id("outbound")
    writer.add(OutboundMessage, [{
        "id": message_id, "dedupe_key": key, "kind": kind, "recipient_kind": RecipientKind.resident,
        "to_phone": to, "body": body, "locale": "zh_CN", "urgent": False, "request_id": request_id,
        "visit_id": visit_id, "status": MessageStatus.delivered, "due_at": when, "expires_at": None, "attempts": 1,
        "claimed_at": None, "claimed_by": None, "provider": "twilio", "provider_sid": f"SMD{message_id:029d}",
        "segments": 1, "error_code": None, "error_message": None, "sent_at": when, "created_at": when,
        "updated_at": when}])


def _feedback(writer: Writer, rng: random.Random, *, now) -> None:
    """Asked an hour after each log of a visit held (nine in ten: some logs came late); +86 numbers are phoned."""
    rows = []
    for visit_id, request_id, resident_id, volunteer, log in writer.held:
        if rng.random() >= 0.9:
            continue
        resident = writer.residents[resident_id - 1]
        asked = log["actual_end"] + timedelta(hours=1)
        sms = resident["sms_consent_at"] is not None and not is_mainland(resident["phone"])
        row = {"id": writer.next_id("feedback_request"), "visit_id": visit_id, "resident_id": resident_id,
               "channel": FeedbackChannel.sms if sms else FeedbackChannel.phone, "asked_at": asked, "score": None,
               "asked_for_money_or_contact": None, "answered_at": None, "recorded_by": None, "escalation_id": None,
               "follow_up_due": False, "follow_up_outcome": None, "follow_up_closed_by": None,
               "follow_up_closed_at": None, "volunteer": volunteer, "request_id": request_id}
        rows.append(row)
        if resident["sms_consent_at"] is not None:  # the questions, or (+86) that the centre will phone
            _sms(writer, kind=MessageKind.feedback_request, to=resident["phone"], request_id=request_id,
                 visit_id=visit_id, when=asked, body="倾听一小时：谢谢您。我们会打电话问您两个问题。",
                 key=f"visit:{visit_id}:feedback_request:resident")
        writer.event(asked, None, "feedback.requested", "feedback_request", row["id"],
                     {"visit_id": visit_id, "channel": row["channel"].value})
        if asked < now - timedelta(days=1) and rng.random() < 0.6:
            row["answered_at"] = asked + timedelta(hours=rng.randint(2, 40))
            row["score"], row["asked_for_money_or_contact"] = rng.choice(SCORES), False
            row["recorded_by"] = rng.choice(writer.coordinators)
            if rng.random() < 0.03:
                row["score"], row["follow_up_due"] = rng.choice([1, 2]), True
                if row["answered_at"] < now - timedelta(days=5):
                    row["follow_up_outcome"] = rng.choice(list(FollowUpOutcome))
                    row["follow_up_closed_by"] = rng.choice(writer.coordinators)
                    row["follow_up_closed_at"] = row["answered_at"] + timedelta(days=rng.randint(1, 4))
            writer.event(row["answered_at"], row["recorded_by"], "feedback.answered", "feedback_request", row["id"])
    answered = [row for row in rows if row["answered_at"] is not None]
    step = max(1, len(answered) // (HOLDS_DECIDED + 1))
    reported = answered[step::step][:HOLDS_DECIDED] + answered[-HOLDS_PENDING:]
    for k, row in enumerate(reported):
        _hold(writer, row, pending=k >= HOLDS_DECIDED)
    for row in rows:
        del row["volunteer"], row["request_id"]
    writer.add(FeedbackRequest, rows)


def _hold(writer: Writer, row: dict, *, pending: bool) -> None:
    """A resident answered "yes" (asked for money or contact): escalated and the volunteer held."""
    raised, coordinator = row["answered_at"], writer.coordinators[row["id"] % len(writer.coordinators)]
    decided = raised + timedelta(days=1)
    row.update(score=3, asked_for_money_or_contact=True, follow_up_due=True)
    escalation_id = writer.next_id("escalation")
    log_id = next(log["id"] for v, _q, _r, _vol, log in writer.held if v == row["visit_id"])
    writer.add(Escalation, [{
        "id": escalation_id, "source": EscalationSource.scam_or_misconduct, "request_id": row["request_id"],
        "session_log_id": log_id, "risk_kinds": "scam",
        "status": EscalationStatus.acknowledged if pending else EscalationStatus.closed, "raised_at": raised,
        "acknowledged_by": coordinator, "acknowledged_at": raised + timedelta(minutes=15),
        "action_taken": None if pending else "已分别致电居民和志愿者核实。",
        "closed_by": None if pending else coordinator,
        "closed_at": None if pending else decided}])
    row["escalation_id"] = escalation_id
    row.update(follow_up_outcome=None if pending else FollowUpOutcome.volunteer_supported,
               follow_up_closed_by=None if pending else coordinator, follow_up_closed_at=None if pending else decided)
    writer.add(VolunteerHold, [{
        "id": writer.next_id("volunteer_hold"), "volunteer_id": row["volunteer"], "escalation_id": escalation_id,
        "held_at": raised, "decision": None if pending else HoldDecision.release,
        "decided_by": None if pending else coordinator, "decided_at": None if pending else decided}])
    writer.event(raised, None, "volunteer.held", "volunteer", row["volunteer"], {"escalation_id": escalation_id})
    if pending:  # nothing is sent about the held volunteer's upcoming visits
        for _visit, messages in writer.upcoming.get(row["volunteer"], []):
            for message in messages:
                if message["status"] == MessageStatus.queued:
                    message.update(status=MessageStatus.not_sent, error_message=VISIT_HELD)
    else:
        writer.event(decided, coordinator, "volunteer.hold_decided", "volunteer", row["volunteer"],
                     {"decision": HoldDecision.release.value})


def _complaints(writer: Writer, rng: random.Random, n: dict, *, now) -> None:
    days = timedelta(days=get_settings().complaint_days)
    rows, count = [], n["complaints"]
    still_open = max(2, count // 30)
    for k in range(1, count + 1):
        received = now - timedelta(days=DAYS * (1 - k / count), hours=rng.randint(1, 20))
        resident = writer.residents[rng.randint(0, len(writer.residents) - 1)]
        web = rng.random() < 0.7
        owner = rng.choice(writer.coordinators)
        waiting = k > count - still_open
        status = (ComplaintStatus.closed if not waiting else
                  ComplaintStatus.open if k % 2 else ComplaintStatus.in_progress)
        closed = received + timedelta(days=rng.randint(1, 6)) if status == ComplaintStatus.closed else None
        rows.append({"id": k, "channel": ComplaintChannel.web if web else ComplaintChannel.sms,
                     "name": resident["display_name"] if web else "", "phone": resident["phone"],
                     "resident_id": resident["id"] if rng.random() < 0.8 else None, "text": rng.choice(COMPLAINTS),
                     "locale": "zh_CN", "sms_consent": resident["sms_consent_at"] is not None,
                     "client_key": f"{k:032x}" if web else None, "status": status, "received_at": received,
                     "due_at": received + days, "owner_id": owner if status != ComplaintStatus.open else None,
                     "outcome": rng.choices(list(ComplaintOutcome), weights=[30, 30, 30, 10])[0] if closed else None,
                     "closed_by": owner if closed else None, "closed_at": closed})
        writer.event(received, None, "complaint.received", "complaint", k, {"channel": rows[-1]["channel"].value})
        if status != ComplaintStatus.open:
            writer.event(received + timedelta(hours=3), owner, "complaint.assigned", "complaint", k)
        if closed:
            writer.event(closed, owner, "complaint.closed", "complaint", k, {"outcome": rows[-1]["outcome"].value})
    writer.add(Complaint, rows)


def _activities_and_suggestions(writer: Writer, rng: random.Random, n: dict, *, now, today, tz) -> None:
    activities, languages, suggestions, follow_ups = [], [], [], []
    for k in range(1, n["activities"] + 1):
        name, name_en, kind, _community, place, schedule, cost, codes, access = CATALOGUE[k % len(CATALOGUE)]
        created = now - timedelta(days=rng.randint(30, DAYS + 60))
        retired = created + timedelta(days=rng.randint(20, 300)) if rng.random() < 0.1 else None
        activities.append({"id": k, "name_zh": f"{name}{k}", "name_en": f"{name_en} {k}", "kind": kind,
                           "community_id": rng.choice(writer.communities), "place": place, "schedule": schedule,
                           "free": cost is None, "cost": cost, "contact_id": rng.choice(writer.coordinators),
                           "accessibility": access, "retired_at": retired if retired and retired < now else None,
                           "created_by": rng.choice(writer.coordinators), "created_at": created, "updated_at": created})
        languages += [{"activity_id": k, "language": Language(code)} for code in codes]
        writer.event(created, activities[-1]["created_by"], "activity.added", "activity", k)
        if activities[-1]["retired_at"]:
            writer.event(retired, activities[-1]["contact_id"], "activity.retired", "activity", k)
    held = rng.sample(writer.held, k=min(len(writer.held), n["suggestions"]))
    for visit_id, request_id, resident_id, volunteer, log in sorted(held, key=lambda h: h[0]):
        open_then = [a for a in activities if a["created_at"] < log["actual_end"]
                     and (a["retired_at"] is None or a["retired_at"] > log["actual_end"])]
        if not open_then:
            continue
        activity = rng.choice(open_then)
        on = log["actual_start"].astimezone(tz).date()
        suggestion_id = writer.next_id("activity_suggestion")
        suggestions.append({"id": suggestion_id, "resident_id": resident_id, "activity_id": activity["id"],
                            "visit_id": visit_id, "suggested_by": volunteer, "suggested_on": on,
                            "created_at": log["actual_end"]})
        writer.event(log["actual_end"], volunteer + len(writer.coordinators), "activity.suggested",
                     "activity_suggestion", suggestion_id, {"activity_id": activity["id"]})
        resident = writer.residents[resident_id - 1]
        if resident["sms_consent_at"] is not None:
            _sms(writer, kind=MessageKind.activity_suggestion, to=resident["phone"], request_id=request_id,
                 visit_id=visit_id, when=log["actual_end"], body=f"倾听一小时：{activity['name_zh']}，"
                 f"{activity['place']}，{activity['schedule']}。", key=f"activity:{suggestion_id}:resident")
        went = None
        for weeks in FOLLOW_UP_WEEKS:  # answered a few days after falling due; the latest few still waiting
            due = on + timedelta(weeks=weeks)
            if due > today or (today - due).days < 4 and rng.random() < 0.6:
                break
            answer = rng.choice(ANSWERS) if weeks == 2 or went != FollowUpAnswer.not_went else FollowUpAnswer.not_went
            went, recorder = answer, rng.choice(writer.coordinators)
            follow_ups.append({"suggestion_id": suggestion_id, "weeks": weeks, "answer": answer,
                               "recorded_by": recorder, "recorded_at": at(due + timedelta(days=2), 11, tz)})
            writer.event(follow_ups[-1]["recorded_at"], recorder, "activity.follow_up_recorded",
                         "activity_suggestion", suggestion_id, {"weeks": weeks, "answer": answer.value})
    writer.add(Activity, activities)
    writer.add(ActivityLanguage, languages)
    writer.add(ActivitySuggestion, suggestions)
    writer.add(ActivityFollowUp, follow_ups)


def _journeys(writer: Writer, rng: random.Random, n: dict, *, now, today, tz) -> None:
    """Plans for residents who came back: the ones with the most sessions held, made after their second."""
    sessions: dict[int, list] = {}
    for _visit, _request, resident_id, _volunteer, log in writer.held:
        sessions.setdefault(resident_id, []).append(log["actual_end"])
    regulars = sorted((r for r, ends in sessions.items() if len(ends) >= 2), key=lambda r: (-len(sessions[r]), r))
    plans, goals = [], []
    for resident_id in sorted(regulars[:n["journeys"]]):
        made = sorted(sessions[resident_id])[1] + timedelta(days=1)
        reviewed = made + timedelta(days=rng.randint(30, 120)) if rng.random() < 0.4 else None
        if reviewed and reviewed > now:
            reviewed = None
        by = rng.choice(writer.coordinators)
        plan_id = writer.next_id("journey_plan")
        planned = rng.random()
        plans.append({"id": plan_id, "resident_id": resident_id, "review_after": rng.choice([4, 6, 6, 8]),
                      "planned_sessions": rng.randint(6, 20) if planned < 0.4 else None,
                      "planned_last_on": (made + timedelta(days=rng.randint(60, 240))).astimezone(tz).date()
                      if 0.4 <= planned < 0.7 else None,
                      "counted_since": reviewed or made, "reviewed_on": reviewed.astimezone(tz).date() if reviewed
                      else None, "recorded_by": by, "created_at": made, "updated_at": reviewed or made})
        for position, text in enumerate(rng.sample(MORE_GOALS, rng.randint(1, 3))):
            goals.append({"id": writer.next_id("journey_goal"), "plan_id": plan_id, "position": position,
                          "text": text})
        writer.event(made, by, "journey.plan_saved", "journey_plan", plan_id)
        if reviewed:
            writer.event(reviewed, by, "journey.reviewed", "journey_plan", plan_id)
    writer.add(JourneyPlan, plans)
    writer.add(JourneyGoal, goals)
