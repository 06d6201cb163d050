"""Who saw which resident's details: one audit event per view (list views included), and one `resident_view`
row per resident shown, so a coordinator can ask "who viewed this resident?".

Streamlit reruns a page on every click, so a view repeated by the same person, in the same place, within
`REPEAT_WINDOW` is not written again (a full number or address shown counts as a new view when only the masked
details were seen before).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, ResidentView, Role, StrEnum, utcnow

REPEAT_WINDOW = timedelta(minutes=10)


class ViewContext(StrEnum):
    triage_list = "triage_list"
    request_detail = "request_detail"
    call = "call"  # a coordinator revealed the full number to call
    quiet_hours = "quiet_hours"  # the number to phone instead of an SMS quiet hours held back
    my_visits = "my_visits"  # a volunteer's own visits
    sms = "sms"
    safeguarding = "safeguarding"
    audit_log = "audit_log"
    privacy = "privacy"
    resident_copy = "resident_copy"
    matching = "matching"  # the residents of the week's proposals and unmatched requests
    calendar = "calendar"  # the week calendar of visits
    feedback = "feedback"  # the numbers to phone for feedback, and the follow-ups
    complaints = "complaints"


CONTEXT_LABELS = {
    ViewContext.triage_list: N_("request list"),
    ViewContext.request_detail: N_("request details"),
    ViewContext.call: N_("full number, to call"),
    ViewContext.quiet_hours: N_("number to phone instead of an SMS"),
    ViewContext.my_visits: N_("a volunteer's visits"),
    ViewContext.sms: N_("SMS page"),
    ViewContext.safeguarding: N_("safeguarding page"),
    ViewContext.audit_log: N_("audit log"),
    ViewContext.privacy: N_("privacy page"),
    ViewContext.resident_copy: N_("resident's copy"),
    ViewContext.matching: N_("matching page"),
    ViewContext.calendar: N_("week calendar"),
    ViewContext.feedback: N_("feedback page"),
    ViewContext.complaints: N_("complaints page"),
}


def record_view(session: Session, *, viewer: Account, resident_ids: Iterable[int], context: ViewContext,
                contact: bool = False, now: datetime | None = None, **refs: int) -> list[int]:
    """Record that `viewer` saw these residents' details; returns the ids written (empty: a repeat).

    `refs` are ids that say where (request_id=...), kept in the audit details; never text.
    """
    now = now or utcnow()
    wanted = sorted({int(i) for i in resident_ids if i is not None})
    if not wanted:
        return []
    query = (select(ResidentView.resident_id)
             .where(ResidentView.viewer_id == viewer.id, ResidentView.context == context.value)
             .where(col(ResidentView.at) > now - REPEAT_WINDOW, col(ResidentView.resident_id).in_(wanted)))
    if contact:
        query = query.where(col(ResidentView.contact).is_(True))
    seen = set(session.exec(query).all())
    fresh = [i for i in wanted if i not in seen]
    if not fresh:
        return []
    for resident_id in fresh:
        session.add(ResidentView(resident_id=resident_id, viewer_id=viewer.id, context=context.value,
                                 contact=contact, at=now))
    action = AuditAction.resident_contact_viewed if contact else AuditAction.resident_details_viewed
    details: dict = {"context": context.value, **refs}
    if len(fresh) > 1:
        details["resident_ids"] = fresh
    audit.record(session, actor_id=viewer.id, action=action, entity="resident",
                 entity_id=fresh[0] if len(fresh) == 1 else None, details=details, at=now)
    return fresh


@dataclass(frozen=True)
class Viewer:
    at: datetime
    name: str
    role: Role
    context: ViewContext
    contact: bool


def viewers_of(session: Session, *, actor: Account, resident_id: int, limit: int = 500) -> list[Viewer]:
    """Who viewed this resident's details, newest first (coordinators only)."""
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(ResidentView, Account).join(Account, col(Account.id) == col(ResidentView.viewer_id))
        .where(ResidentView.resident_id == resident_id)
        .order_by(col(ResidentView.at).desc(), col(ResidentView.id).desc()).limit(limit)
    ).all()
    return [Viewer(at=view.at, name=account.display_name, role=account.role, context=ViewContext(view.context),
                   contact=view.contact) for view, account in rows]
