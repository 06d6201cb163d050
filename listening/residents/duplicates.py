"""A coordinator's decision on a request sent from the public form with a number the centre already knew.

Such a request ("same number as #N") waits in triage, out of matching, until a coordinator either merges it
(the original stands, the same-number request is closed as merged) or keeps it as a request of its own. Neither
copies the name, address or SMS choice it gave onto the resident unless the coordinator asks for exactly that.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, NotFound
from listening.core.i18n import N_
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    ListeningRequest,
    RequestStatus,
    Resident,
    Role,
    SameNumberDecision,
    UnverifiedDetails,
    utcnow,
)


def _undecided(session: Session, request_id: int) -> ListeningRequest:
    request = session.get(ListeningRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    if request.same_number_as_id is None:
        raise IllegalTransition(N_("Request #{id} is not marked as having the same number as another request."),
                                id=request.id)
    if request.same_number_decision is not None:
        raise IllegalTransition(N_("Request #{id} was already merged or kept."), id=request.id)
    if request.status != RequestStatus.new:
        raise IllegalTransition(N_("Only a new request can be merged or kept; this one is {status}."),
                                status=label(request.status))
    return request


def merge(session: Session, *, actor: Account, request_id: int, now: datetime | None = None) -> ListeningRequest:
    """Close the same-number request as merged into its original, which stays as it is.

    Only safeguarding crosses over: risk words in the closed request flag the original (urgency 3), and the
    audit event says so; the escalation they raised stands on its own.
    """
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    request = _undecided(session, request_id)
    original = session.get(ListeningRequest, request.same_number_as_id, with_for_update=True,
                           populate_existing=True)
    if original is None or original.status not in OPEN_REQUEST_STATUSES:
        raise IllegalTransition(N_("Request #{id} is already closed, so there is nothing to merge into; keep this "
                                   "request as a request of its own instead."), id=request.same_number_as_id)
    risk_carried = request.risk_flag and not original.risk_flag
    if risk_carried:
        original.risk_flag, original.urgency, original.updated_at = True, 3, now
        session.add(original)
    request.status = RequestStatus.cancelled
    request.same_number_decision = SameNumberDecision.merged
    request.updated_at = now
    session.add(request)
    audit.record(session, actor_id=actor.id, action=AuditAction.request_merged, entity="listening_request",
                 entity_id=request.id, details={"into": original.id, "risk_flag_carried": risk_carried}, at=now)
    return request


def keep_separate(session: Session, *, actor: Account, request_id: int, use_given_details: bool = False,
                  now: datetime | None = None) -> ListeningRequest:
    """Keep the same-number request as a request of its own; it joins matching like any new request.

    With `use_given_details` (the coordinator has spoken to the number's owner) the name, community, address and
    SMS choice it gave replace the resident's; otherwise the resident stays as stored.
    """
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    request = _undecided(session, request_id)
    request.same_number_decision = SameNumberDecision.kept
    request.updated_at = now
    session.add(request)
    given = session.get(UnverifiedDetails, request.id)
    applied = bool(use_given_details and given is not None)
    if applied:
        resident = session.get(Resident, request.resident_id, with_for_update=True)
        resident.display_name, resident.community_id = given.display_name, given.community_id
        resident.address = given.address or resident.address
        resident.locale = given.locale
        resident.sms_consent_at = now if given.sms_consent else None
        session.add(resident)
    audit.record(session, actor_id=actor.id, action=AuditAction.request_kept_separate, entity="listening_request",
                 entity_id=request.id, details={"same_number_as": request.same_number_as_id,
                                                "given_details_applied": applied}, at=now)
    return request
