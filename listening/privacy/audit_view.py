"""The audit trail as people read it: filtered by person, action, record and date; people and records by name
in the reader's language; details as short readable text (audit_details), never a Python dict. Coordinators only.

Names are looked up once per page, one query per kind of name, whatever the number of rows. Residents named on
the page are a view of their details (privacy.views), like any other list of residents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from listening.core.audit import AuditAction
from listening.core.clock import day_bounds
from listening.core.config import get_settings
from listening.core.i18n import N_, format_date
from listening.core.i18n import gettext as _
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import Account, AuditEvent, ListeningRequest, Resident, Role, TrainingModule, Volunteer
from listening.privacy import views
from listening.privacy.audit_details import Names, details_text
from listening.volunteers.training.curriculum import module_title

ENTITY_LABELS = {
    "account": N_("account"), "database": N_("database"), "debrief_request": N_("debrief request"),
    "duty_shift": N_("duty shift"), "escalation": N_("escalation"), "inbound_message": N_("SMS received"),
    "listening_request": N_("request"), "outbound_message": N_("SMS"), "report": N_("report"),
    "resident": N_("resident"), "session_log": N_("session log"), "training_completion": N_("training"),
    "volunteer": N_("volunteer"), "week": N_("week"), "volunteer_application": N_("volunteer application"),
    "phone_code": N_("phone code"),
}
# With nobody signed in, the resident acted (the public form, an SMS reply) on their own request.
RESIDENT_ACTIONS = frozenset({
    AuditAction.request_submitted, AuditAction.request_updated, AuditAction.request_confirmed,
    AuditAction.request_cancelled, AuditAction.request_requeued, AuditAction.request_proposal_withdrawn,
})
NOBODY_SIGNED_IN = {
    AuditAction.sms_inbound: N_("someone by SMS"),
    AuditAction.auth_failed: N_("someone signing in"),
}


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    action: str
    record: str
    details: str


def action_label(value: str) -> str:
    """The action in words; a value the enum no longer knows shows as it is stored."""
    try:
        return label(AuditAction(value))
    except ValueError:
        return value


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _ids(value: object) -> set[int]:
    items = value if isinstance(value, list | dict) else [value]
    return {int(i) for i in items if isinstance(i, int) or (isinstance(i, str) and i.isdigit())}


def names_for(session: Session, events: Iterable[AuditEvent]) -> Names:
    """Every name the events mention: one query per kind (accounts, requests, residents, volunteers, modules)."""
    accounts: set[int] = set()
    residents: set[int] = set()
    requests: set[int] = set()
    volunteers: set[int] = set()
    modules: set[str] = set()
    by_entity = {"account": accounts, "resident": residents, "listening_request": requests, "volunteer": volunteers}
    for event in events:
        details = event.details or {}
        if event.actor_id:
            accounts.add(event.actor_id)
        if (ident := _number(event.entity_id)) is not None and event.entity in by_entity:
            by_entity[event.entity].add(ident)
        accounts |= _ids(details.get("coordinator_id")) | _ids(details.get("alerted")) | _ids(details.get("skipped"))
        accounts |= _ids(details.get("previous_owner"))
        residents |= _ids(details.get("resident_ids")) | _ids(details.get("resident_id"))
        volunteers |= _ids(details.get("volunteer_ids")) | _ids(details.get("volunteer_id"))
        volunteers |= _ids(details.get("mentor_id"))
        for key in ("module", "modules"):
            codes = details.get(key)
            modules |= {str(c) for c in (codes if isinstance(codes, list) else [codes]) if c}

    def lookup(query, wanted) -> dict:
        return dict(session.exec(query).all()) if wanted else {}

    by_request = lookup(select(ListeningRequest.id, ListeningRequest.resident_id)
                        .where(col(ListeningRequest.id).in_(requests)), requests)
    residents |= set(by_request.values())
    return Names(
        accounts=lookup(select(Account.id, Account.display_name).where(col(Account.id).in_(accounts)), accounts),
        residents=lookup(select(Resident.id, Resident.display_name).where(col(Resident.id).in_(residents)), residents),
        request_residents=by_request,
        volunteers=lookup(select(Volunteer.id, Volunteer.full_name).where(col(Volunteer.id).in_(volunteers)),
                          volunteers),
        modules={m.code: module_title(m) for m in session.exec(
            select(TrainingModule).where(col(TrainingModule.code).in_(modules)))} if modules else {},
    )


def _resident_of(event: AuditEvent, names: Names) -> str | None:
    request_id = _number(event.entity_id) if event.entity == "listening_request" else None
    resident_id = names.request_residents.get(request_id) if request_id is not None else None
    return names.residents.get(resident_id) if resident_id is not None else None


def who_text(event: AuditEvent, names: Names) -> str:
    """The signed-in person by name; with nobody signed in, the resident acting on their request, or the system."""
    if event.actor_id:
        return names.accounts.get(event.actor_id) or _("account #{id}", id=event.actor_id)
    if event.action in RESIDENT_ACTIONS and event.entity == "listening_request":
        if (event.details or {}).get("outcome") == "same_number":  # nothing proves who sent it (intake.submit)
            return _("someone with the resident's number")
        name = _resident_of(event, names)
        return _("{name} (resident)", name=name) if name else _("the resident (erased)")
    if event.action in NOBODY_SIGNED_IN:
        return _(NOBODY_SIGNED_IN[AuditAction(event.action)])
    return _("system")


def record_text(event: AuditEvent, names: Names) -> str:
    """The record in words: "罗婆婆的申请 #141", "王芳的账号", "志愿者 陈静"."""
    kind = _(ENTITY_LABELS[event.entity]) if event.entity in ENTITY_LABELS else event.entity
    ident = _number(event.entity_id)
    if event.entity == "listening_request" and ident is not None:
        name = _resident_of(event, names)
        return (_("request #{id} of {name}", id=ident, name=name) if name
                else _("request #{id} (resident erased)", id=ident))
    if event.entity == "resident" and ident is not None:
        name = names.residents.get(ident)
        return _("resident {name}", name=name) if name else _("resident #{id} (erased)", id=ident)
    if event.entity == "account" and ident is not None and ident in names.accounts:
        return _("account of {name}", name=names.accounts[ident])
    if event.entity == "volunteer" and ident is not None and ident in names.volunteers:
        return _("volunteer {name}", name=names.volunteers[ident])
    if event.entity == "week" and event.entity_id:
        try:
            return _("week of {date}", date=format_date(date.fromisoformat(event.entity_id)))
        except ValueError:
            pass
    if event.entity == "inbound_message" or not event.entity_id:
        return kind  # an inbound SMS is known by the provider's id, which tells a reader nothing
    return _("{kind} #{id}", kind=kind, id=event.entity_id)


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
    names = names_for(session, events)
    views.record_view(session, viewer=actor, resident_ids=names.residents, context=views.ViewContext.audit_log)
    return [AuditRow(at=e.at, who=who_text(e, names), action=action_label(e.action), record=record_text(e, names),
                     details=details_text(e.details, names)) for e in events]
