"""The audit trail as people read it: filtered by person, action, record and date; people and records by name
in the reader's language; details as short readable text, never a Python dict. Coordinators only.

Residents named on the page are a view of their details (privacy.views), like any other list of residents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from listening.core.audit import AuditAction
from listening.core.clock import day_bounds
from listening.core.config import get_settings
from listening.core.i18n import N_
from listening.core.i18n import gettext as _
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import Account, AuditEvent, ListeningRequest, RequestStatus, Resident, Role, Volunteer
from listening.privacy import views
from listening.privacy.erasure import REASON_LABELS, ErasureReason
from listening.safeguarding.detection import RISK_LABELS

A = AuditAction
ACTION_LABELS: dict[AuditAction, str] = {
    A.account_created: N_("account created"), A.account_locked: N_("account locked after failed sign-ins"),
    A.account_invited: N_("volunteer invited to an account"), A.account_code_issued: N_("one-time code issued"),
    A.account_code_failed: N_("wrong one-time code"), A.account_code_used: N_("one-time code used"),
    A.account_password_set: N_("password set with a one-time code"),
    A.account_password_changed: N_("password changed"),
    A.auth_signed_in: N_("signed in"), A.auth_signed_out: N_("signed out"), A.auth_failed: N_("sign-in failed"),
    A.auth_expired: N_("session expired"),
    A.availability_rule_added: N_("weekly availability added"),
    A.availability_rule_removed: N_("weekly availability removed"),
    A.availability_exception_added: N_("time away added"), A.availability_exception_removed: N_("time away removed"),
    A.availability_cap_changed: N_("weekly hour cap changed"),
    A.debrief_requested: N_("debrief requested"), A.debrief_held: N_("debrief held"),
    A.debrief_declined: N_("debrief declined"), A.demo_seeded: N_("demo data seeded"),
    A.duty_shift_added: N_("duty shift added"), A.escalation_raised: N_("safeguarding escalation raised"),
    A.escalation_acknowledged: N_("escalation acknowledged"),
    A.escalation_action_recorded: N_("action on an escalation written"), A.escalation_closed: N_("escalation closed"),
    A.matching_run: N_("matching run"), A.privacy_purged: N_("old texts purged (retention)"),
    A.report_exported: N_("report exported"), A.request_submitted: N_("request received"),
    A.request_updated: N_("request updated by a new submission"), A.request_proposed: N_("visit proposed"),
    A.request_proposal_rejected: N_("proposal rejected"), A.request_proposal_withdrawn: N_("proposal withdrawn"),
    A.request_scheduled: N_("visit scheduled"), A.request_confirmed: N_("visit confirmed"),
    A.request_completed: N_("visit completed"), A.request_no_show: N_("no-show"),
    A.request_cancelled: N_("request cancelled"), A.request_requeued: N_("request back in the queue"),
    A.resident_details_viewed: N_("resident's details viewed"),
    A.resident_contact_viewed: N_("resident's full number or address viewed"),
    A.resident_copy_exported: N_("resident's copy downloaded"), A.resident_erased: N_("resident erased"),
    A.volunteer_contact_viewed: N_("volunteer's number viewed"),
    A.coordinator_contact_viewed: N_("coordinator's number viewed"),
    A.session_log_created: N_("session logged"), A.sms_inbound: N_("SMS received"),
    A.sms_resend: N_("SMS sent again"), A.training_completions_recorded: N_("training completions recorded"),
    A.training_csv_imported: N_("training completions imported"), A.training_quiz_taken: N_("quiz taken"),
    A.training_shadow_recorded: N_("shadow session recorded"), A.volunteer_applicant_added: N_("applicant added"),
}
ENTITY_LABELS = {
    "account": N_("account"), "database": N_("database"), "debrief_request": N_("debrief request"),
    "duty_shift": N_("duty shift"), "escalation": N_("escalation"), "inbound_message": N_("SMS received"),
    "listening_request": N_("request"), "outbound_message": N_("SMS"), "report": N_("report"),
    "resident": N_("resident"), "session_log": N_("session log"), "training_completion": N_("training"),
    "volunteer": N_("volunteer"), "week": N_("week"),
}
KEY_LABELS = {
    "from": N_("from"), "to": N_("to"), "visit_id": N_("visit"), "volunteer_ids": N_("volunteers"),
    "resident_id": N_("resident"), "resident_ids": N_("residents"), "request_id": N_("request"),
    "context": N_("where"), "source": N_("source"), "outcome": N_("outcome"), "risk_flag": N_("risk words"),
    "sms_consent": N_("SMS consent"), "consent_verbal": N_("verbal consent"), "browser": N_("browser"),
    "reason": N_("reason"), "reason_given": N_("reason given"), "by": N_("by"), "via": N_("via"),
    "risk_kinds": N_("risk"), "risk_ticks": N_("risks ticked"), "risk_words": N_("risk words"),
    "alerted": N_("alerted"), "length": N_("characters"), "role": N_("role"), "failed_logins": N_("failed sign-ins"),
    "message_id": N_("message"), "original_id": N_("original message"), "kind": N_("kind"), "intent": N_("intent"),
    "action": N_("what happened"), "rows": N_("rows"), "sheets": N_("sheets"), "module": N_("module"),
    "score": N_("score"), "passed": N_("passed"), "purpose": N_("purpose"), "by_sms": N_("by SMS"),
    "wrong_attempts": N_("wrong attempts"), "sessions_revoked": N_("sessions signed out"),
}
RISK_KEYS = ("risk_kinds", "risk_ticks", "risk_words")


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    action: str
    record: str
    details: str


def action_label(value: str) -> str:
    try:
        return _(ACTION_LABELS[AuditAction(value)])
    except (ValueError, KeyError):
        return value


def _value(key: str, value: object, names: dict[str, dict[int, str]]) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("from", "to") and value in {s.value for s in RequestStatus}:
        return label(RequestStatus(value))
    if key == "context" and value in {c.value for c in views.ViewContext}:
        return _(views.CONTEXT_LABELS[views.ViewContext(value)])
    if key == "reason" and value in {r.value for r in ErasureReason}:
        return _(REASON_LABELS[ErasureReason(value)])
    if key in RISK_KEYS:
        codes = value if isinstance(value, list) else str(value).split(",")
        return "、".join(_(RISK_LABELS[c]) if c in RISK_LABELS else str(c) for c in codes) or "—"
    if key in ("resident_id", "resident_ids"):
        return ", ".join(names["resident"].get(int(i), f"#{i}") for i in _ids(value))
    if key in ("volunteer_ids", "alerted"):
        table = names["volunteer"] if key == "volunteer_ids" else names["account"]
        return ", ".join(table.get(int(i), f"#{i}") for i in _ids(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _ids(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [int(i) for i in items if isinstance(i, int) or (isinstance(i, str) and i.isdigit())]


def details_text(details: dict | None, names: dict[str, dict[int, str]]) -> str:
    if not details:
        return ""
    return "; ".join(f"{_(KEY_LABELS[k]) if k in KEY_LABELS else k}: {_value(k, v, names)}"
                     for k, v in details.items() if v is not None)


def _names(session: Session, events: Iterable[AuditEvent]) -> dict[str, dict[int, str]]:
    residents: set[int] = set()
    requests: set[int] = set()
    volunteers: set[int] = set()
    for event in events:
        ident = int(event.entity_id) if (event.entity_id or "").isdigit() else None
        details = event.details or {}
        if event.entity == "resident" and ident:
            residents.add(ident)
        if event.entity == "listening_request" and ident:
            requests.add(ident)
        if event.entity == "volunteer" and ident:
            volunteers.add(ident)
        residents |= set(_ids(details.get("resident_ids", []))) | set(_ids(details.get("resident_id", [])))
        volunteers |= set(_ids(details.get("volunteer_ids", [])))
    by_request = dict(session.exec(select(ListeningRequest.id, ListeningRequest.resident_id)
                                   .where(col(ListeningRequest.id).in_(requests))).all()) if requests else {}
    residents |= set(by_request.values())
    resident_names = dict(session.exec(select(Resident.id, Resident.display_name)
                                       .where(col(Resident.id).in_(residents))).all()) if residents else {}
    return {
        "resident": resident_names,
        "request": {r: resident_names.get(res, "") for r, res in by_request.items()},
        "volunteer": dict(session.exec(select(Volunteer.id, Volunteer.full_name)
                                       .where(col(Volunteer.id).in_(volunteers))).all()) if volunteers else {},
        "account": dict(session.exec(select(Account.id, Account.display_name)).all()),
    }


def _record(event: AuditEvent, names: dict[str, dict[int, str]]) -> str:
    kind = _(ENTITY_LABELS[event.entity]) if event.entity in ENTITY_LABELS else event.entity
    if not event.entity_id:
        return kind
    ident = int(event.entity_id) if event.entity_id.isdigit() else None
    name = None
    if event.entity == "resident" and ident is not None:
        name = names["resident"].get(ident) or _("erased")
    elif event.entity == "listening_request" and ident is not None:
        name = names["request"].get(ident) or _("erased")
    elif event.entity == "volunteer" and ident is not None:
        name = names["volunteer"].get(ident)
    elif event.entity == "account" and ident is not None:
        name = names["account"].get(ident)
    return f"{kind} #{event.entity_id}" + (f" · {name}" if name else "")


def people(session: Session, *, actor: Account) -> dict[int, str]:
    """Staff accounts by name, for the "person" filter."""
    require_role(actor, Role.coordinator)
    return dict(session.exec(select(Account.id, Account.display_name).order_by(col(Account.display_name))).all())


def search(session: Session, *, actor: Account, person_id: int | None = None,
           actions: Iterable[AuditAction] | None = None, entity: str | None = None, entity_id: str | None = None,
           start: date | None = None, end: date | None = None, limit: int = 300) -> list[AuditRow]:
    """Audit events matching every filter given, newest first, readable."""
    require_role(actor, Role.coordinator)
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    if person_id is not None:
        query = query.where(AuditEvent.actor_id == person_id)
    if actions:
        query = query.where(col(AuditEvent.action).in_([a.value for a in actions]))
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == str(entity_id).strip())
    if start or end:
        days = day_bounds(start or date(2000, 1, 1), end or date(2999, 12, 31), get_settings().tz)
        query = query.where(days.holds(col(AuditEvent.at)))
    events = list(session.exec(query))
    names = _names(session, events)
    views.record_view(session, viewer=actor, resident_ids=names["resident"], context=views.ViewContext.audit_log)
    return [AuditRow(at=e.at, who=names["account"].get(e.actor_id, f"#{e.actor_id}") if e.actor_id else _("system"),
                     action=action_label(e.action), record=_record(e, names),
                     details=details_text(e.details, names)) for e in events]
