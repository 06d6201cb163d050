"""An audit event's details as a person reads them: "from: scheduled; to: new", names for ids, codes in words.

The details hold ids, codes, counts and times, never what anybody said (listening.core.audit.record). Every key
the services write has a label here, every code its words; an unknown key or code still reads as text, never as
a Python dict or list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import get_day_names

from listening.connection.activities import FIELD_LABELS as ACTIVITY_FIELD_LABELS
from listening.core.config import get_settings
from listening.core.i18n import N_, format_date, format_datetime, format_duration, format_number, get_locale, join_list
from listening.core.i18n import gettext as _
from listening.core.labels import msgid_for_value
from listening.models import (
    ActivityKind,
    ComplaintOutcome,
    DeclineReason,
    FollowUpAnswer,
    FollowUpOutcome,
    HoldDecision,
    MessageKind,
    ReplyIntentValue,
    RequestSource,
    RequestStatus,
    Role,
    VettingStepKind,
)
from listening.privacy.erasure import REASON_LABELS
from listening.privacy.views import CONTEXT_LABELS
from listening.safeguarding.detection import RISK_LABELS
from listening.safeguarding.escalation import SOURCE_LABELS
from listening.safeguarding.outcomes import OUTCOME_LABELS as ESCALATION_OUTCOME_LABELS
from listening.safeguarding.rota import SKIP_LABELS
from listening.sessions.logs import OUTCOME_LABELS as SESSION_OUTCOME_LABELS
from listening.volunteers.training.progress import METHOD_LABELS


@dataclass
class Names:
    """Names for the ids one page of events mentions, looked up once for the page (audit_view.names_for)."""

    accounts: dict[int, str] = field(default_factory=dict)
    residents: dict[int, str] = field(default_factory=dict)
    request_residents: dict[int, int] = field(default_factory=dict)  # request -> its resident
    volunteers: dict[int, str] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)  # training module code -> title


KEY_LABELS = {
    "from": N_("from"), "to": N_("to"), "visit_id": N_("visit"), "volunteer_id": N_("volunteer"),
    "volunteer_ids": N_("volunteers"), "resident_id": N_("resident"), "resident_ids": N_("residents"),
    "request_id": N_("request"), "session_log_id": N_("session log"), "coordinator_id": N_("coordinator"),
    "mentor_id": N_("mentor"), "context": N_("where"), "source": N_("source"), "outcome": N_("outcome"),
    "risk_flag": N_("risk words"), "sms_consent": N_("SMS consent"), "consent_verbal": N_("verbal consent"),
    "browser": N_("browser"), "known_browser": N_("known browser"), "reason": N_("reason"),
    "reason_given": N_("reason given"), "by": N_("by"), "via": N_("via"), "risk_kinds": N_("risk"),
    "risk_ticks": N_("risks ticked"), "risk_words": N_("risk words"), "alerted": N_("alerted"),
    "skipped": N_("not alerted"), "round": N_("round"), "why": N_("why"), "length": N_("characters"),
    "role": N_("role"), "failures": N_("failed sign-ins"), "failed_logins": N_("failed sign-ins"),
    "message_id": N_("message"), "original_id": N_("original message"), "kind": N_("kind"),
    "intent": N_("intent"), "action": N_("what happened"), "rows": N_("rows"), "sheets": N_("sheets"),
    "module": N_("module"), "modules": N_("modules"), "method": N_("how"), "score": N_("score"),
    "passed": N_("passed"), "completed_on": N_("completed on"), "observed_on": N_("observed on"),
    "starts_at": N_("starts"), "ends_at": N_("ends"), "weekday": N_("weekday"), "start": N_("from"),
    "end": N_("until"), "rule_id": N_("weekly window"), "exception_id": N_("time away"),
    "minutes_to_acknowledge": N_("time to acknowledge"), "alerts_cancelled": N_("alerts called off"),
    "person": N_("whose number"), "into": N_("merged into request"), "risk_flag_carried": N_("risk flag carried"),
    "same_number_as": N_("same number as request"), "given_details_applied": N_("details given applied"),
    "requests": N_("requests"), "volunteers": N_("volunteers"), "proposed": N_("proposed"),
    "unmatched": N_("not matched"), "conflicts": N_("taken meanwhile"), "weight": N_("solver score"),
    "greedy_weight": N_("simple method's score"), "proven_optimal": N_("proven best"), "visits": N_("visits"),
    "session_logs": N_("session logs"), "escalations": N_("escalations"), "messages": N_("SMS"),
    "session_notes": N_("session notes"), "request_topics": N_("request topics"),
    "cancel_reasons": N_("cancellation reasons"), "transition_reasons": N_("reasons for changes"),
    "escalation_actions": N_("actions on escalations"), "inbound_bodies": N_("SMS received"),
    "outbound_bodies": N_("SMS sent"), "text_days": N_("texts kept"), "sms_days": N_("SMS kept"),
    "sms_held": N_("confirmation SMS held"), "wrong_attempts": N_("wrong tries"), "step": N_("step"),
    "done_on": N_("done on"), "owner_id": N_("owner"), "interview_notes": N_("interview notes"),
    "application_motivations": N_("applicants' reasons"),
    "channel": N_("how"), "feedback_score": N_("felt listened to (1-5)"),
    "asked_for_money_or_contact": N_("asked for money or private contact"), "follow_up": N_("follow-up"),
    "escalation_id": N_("escalation"), "visit_ids": N_("visits"), "decision": N_("decision"),
    "previous_owner": N_("previous owner"), "days_open": N_("days open"),
    "late": N_("past its deadline"), "complaint_texts": N_("complaint texts"),
    "activity_id": N_("activity"), "activity_kind": N_("kind of activity"), "fields": N_("changed"),
    "sms": N_("SMS sent"), "weeks": N_("weeks after"), "answer": N_("answer"), "goals": N_("goals"),
    "review_after": N_("review after (sessions)"), "planned_sessions": N_("planned sessions"),
    "planned_last_on": N_("planned last session"), "created": N_("new plan"), "sessions": N_("sessions held"),
}

SEPARATORS = {"zh_CN": "；"}  # between the parts of the details; a full-width mark after Chinese text

_OTHER_CODES = {
    "action": {"duplicate": N_("already received"), "help": N_("help sent"), "opted_out": N_("SMS stopped"),
               "opted_in": N_("SMS started again"), "confirmed": N_("visit confirmed"),
               "requeued": N_("request back in the queue"), "feedback": N_("feedback answered"),
               "complaint": N_("complaint received")},
    "why": {"first": N_("first alert"), "realert": N_("nobody acknowledged in time"),
            "moved_on": N_("an SMS failed: the next coordinator")},
    "person": {"resident": N_("the resident's"), "volunteer": N_("the volunteer's")},
    "by": {"resident": N_("the resident"), "coordinator": N_("a coordinator")},
    "via": {"sms": N_("SMS"), "phone": N_("phone"), "app": N_("the app")},
    "sms_held": {"same_number": N_("the number already had a request"),
                 "per_address": N_("too many requests from one address"),
                 "per_phone": N_("too many requests for this number today"),
                 "new_numbers": N_("the hourly limit for new numbers was reached")},
    "channel": {"sms": N_("SMS"), "phone": N_("phone"), "web": N_("the complaints page")},
    "outcome": {"created": N_("new request"), "same_number": N_("request with a number already known"),
                "updated": N_("open request updated"), "kept_visit": N_("topic updated, visit kept")},
}


def _enum_words(key: str, value: str) -> str | None:
    """The msgid for a code the services write under `key`, or None."""
    tables = {
        "from": (RequestStatus,), "to": (RequestStatus,), "intent": (ReplyIntentValue,), "kind": (MessageKind,),
        "role": (Role,), "step": (VettingStepKind,), "activity_kind": (ActivityKind,), "answer": (FollowUpAnswer,),
    }
    for enum_class in tables.get(key, ()):
        if words := msgid_for_value(enum_class, value):
            return words
    by_value: dict[str, dict] = {
        "context": {c.value: m for c, m in CONTEXT_LABELS.items()},
        "reason": {r.value: m for r, m in REASON_LABELS.items()},
        "source": {**{s.value: m for s, m in SOURCE_LABELS.items()},
                   **{s.value: msgid_for_value(RequestSource, s.value) for s in RequestSource}},
        "outcome": {**{o.value: m for o, m in SESSION_OUTCOME_LABELS.items()},
                    **{o.value: m for o, m in ESCALATION_OUTCOME_LABELS.items()},
                    **{o.value: msgid_for_value(FollowUpOutcome, o.value) for o in FollowUpOutcome},
                    **{o.value: msgid_for_value(ComplaintOutcome, o.value) for o in ComplaintOutcome}},
        "method": {m.value: words for m, words in METHOD_LABELS.items()},
        "decision": {d.value: msgid_for_value(HoldDecision, d.value) for d in HoldDecision},
        "fields": {**ACTIVITY_FIELD_LABELS, "languages": N_("languages"), "kind": N_("kind"),
                   "community_id": N_("community"), "contact_id": N_("contact"), "free": N_("free")},
    }
    words = (by_value.get(key, {}).get(value) or _OTHER_CODES.get(key, {}).get(value)
             or (msgid_for_value(DeclineReason, value) if key == "reason" else None))
    return words


def _ids(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [int(i) for i in items if isinstance(i, int) or (isinstance(i, str) and i.isdigit())]


def _named(ids: list[int], table: dict[int, str], missing: str) -> str:
    return join_list(table.get(i) or _(missing, id=i) for i in ids)


def _when(key: str, value: str) -> str | None:
    try:
        if key in ("starts_at", "ends_at"):
            return format_datetime(datetime.fromisoformat(value), get_settings().tz, "short")
        if key in ("completed_on", "observed_on", "done_on", "planned_last_on"):
            return format_date(date.fromisoformat(value))
        if key in ("start", "end"):
            return time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        return None
    return None


def value_text(key: str, value: object, names: Names) -> str:
    """One detail's value in words in the current language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("resident_id", "resident_ids"):
        return _named(_ids(value), names.residents, N_("erased resident"))
    if key in ("volunteer_id", "volunteer_ids", "mentor_id"):
        return _named(_ids(value), names.volunteers, N_("volunteer #{id}"))
    if key in ("coordinator_id", "alerted", "owner_id"):
        return _named(_ids(value), names.accounts, N_("account #{id}")) or "—"
    if key == "skipped" and isinstance(value, dict):
        return join_list(_("{name} ({reason})", name=_named(_ids(k), names.accounts, N_("account #{id}")),
                           reason=_(SKIP_LABELS[v]) if v in SKIP_LABELS else v) for k, v in value.items()) or "—"
    if key == "visit_ids":
        return join_list(f"#{i}" for i in _ids(value)) or "—"
    if key == "previous_owner":
        return _named(_ids(value), names.accounts, N_("account #{id}")) or "—"
    if key in ("request_id", "into", "same_number_as", "visit_id", "session_log_id", "message_id", "original_id",
               "rule_id", "exception_id", "escalation_id", "activity_id") and _ids(value):
        return "#" + str(_ids(value)[0])
    if key in ("risk_kinds", "risk_ticks", "risk_words"):
        codes = value if isinstance(value, list) else [c for c in str(value).split(",") if c]
        return join_list(_(RISK_LABELS[c]) if c in RISK_LABELS else str(c) for c in codes) or "—"
    if key in ("module", "modules"):
        codes = value if isinstance(value, list) else [value]
        return join_list(names.modules.get(str(c), str(c)) for c in codes)
    if key == "weekday" and isinstance(value, int) and 0 <= value <= 6:
        return get_day_names("wide", locale=get_locale())[value]
    if key == "minutes_to_acknowledge" and isinstance(value, int | float):
        return format_duration(timedelta(minutes=value))
    if key in ("text_days", "sms_days") and isinstance(value, int | float):
        return format_duration(timedelta(days=value))
    if key == "score" and isinstance(value, int | float):
        return f"{format_number(value)}%"
    if isinstance(value, str):
        words = _enum_words(key, value)
        if words:
            return _(words)
        return _when(key, value) or value
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list):
        return join_list(value_text(key, v, names) for v in value) or "—"
    if isinstance(value, dict):  # e.g. rows per sheet of an export
        return join_list(f"{k} {value_text(key, v, names)}" for k, v in value.items()) or "—"
    return str(value)


def key_text(key: str) -> str:
    return _(KEY_LABELS[key]) if key in KEY_LABELS else key.replace("_", " ")


def details_text(details: dict | None, names: Names) -> str:
    """ "key: value; key: value" ("键：值；键：值"), every part in words; empty values left out."""
    if not details:
        return ""
    parts = [_("{key}: {value}", key=key_text(k), value=value_text(k, v, names)) for k, v in details.items()
             if v is not None and v != [] and v != {}]
    return SEPARATORS.get(get_locale(), "; ").join(parts)

