"""A resident's request from new to completed, one function per transition.

new -> matched (a proposed visit) -> scheduled (coordinator approved, SMS sent) -> confirmed (resident replied)
-> completed | cancelled | no_show. Every transition locks the request, checks the current state, writes an audit
event, and raises `IllegalTransition` for a move the state does not permit. A visit that will no longer happen is
withdrawn in one place, `withdraw_visit`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.core.i18n import N_
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    ListeningRequest,
    RequestReason,
    RequestStatus,
    Role,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
    Volunteer,
    utcnow,
)
from listening.sms import reminders

VISIT_LENGTH = timedelta(minutes=60)
REASON_MAX = 200
LIVE_VISIT_STATUSES = (VisitStatus.proposed, VisitStatus.scheduled, VisitStatus.confirmed)
CONFIRM_CHANNELS = ("sms", "phone", "app")
CANCELLED_BY = ("resident", "coordinator")

# ----- helpers ------------------------------------------------------------------------------------------------


def _locked_request(session: Session, request_id: int) -> ListeningRequest:
    """The request, locked for the rest of the transaction (PostgreSQL) so two transitions cannot interleave."""
    request = session.get(ListeningRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    return request


def _require_status(request: ListeningRequest, allowed: tuple[RequestStatus, ...], message: str) -> None:
    if request.status not in allowed:
        # The label is translated now: the error is raised and shown within the same script run and locale.
        raise IllegalTransition(message, status=label(request.status))


def _live_visit(session: Session, request_id: int) -> Visit | None:
    return session.exec(
        select(Visit).where(Visit.request_id == request_id).where(col(Visit.status).in_(LIVE_VISIT_STATUSES))
    ).first()


def _clean_reason(reason: str | None) -> str:
    text = clean_typed(reason)
    if not text:
        raise InvalidInput(N_("Please give a reason."), field="reason")
    if len(text) > REASON_MAX:
        raise InvalidInput(N_("Keep the reason under {n} characters."), field="reason", n=REASON_MAX)
    return text


def _require_staff_on_visit(session: Session, actor: Account | None, visit: Visit | None) -> Account:
    """A coordinator, or a volunteer who is on this visit."""
    require_role(actor, Role.coordinator, Role.volunteer)
    if actor.role == Role.coordinator:
        return actor
    on_visit = visit is not None and session.exec(
        select(VisitVolunteer)
        .join(Volunteer, col(Volunteer.id) == col(VisitVolunteer.volunteer_id))
        .where(VisitVolunteer.visit_id == visit.id)
        .where(Volunteer.account_id == actor.id)
    ).first()
    if not on_visit:
        raise NotAllowed(N_("Only a coordinator or a volunteer on this visit may do this."))
    return actor


def withdraw_visit(session: Session, visit: Visit | None) -> None:
    """The visit will not happen: it is cancelled and its volunteers are free at that time again.

    Only the visit and its bookings; the caller moves the request and tells whoever needs telling.
    """
    if visit is None:
        return
    visit.status = VisitStatus.cancelled
    session.add(visit)
    for booking in session.exec(select(VisitVolunteer).where(VisitVolunteer.visit_id == visit.id)):
        booking.live = False
        session.add(booking)


def _set_status(session: Session, request: ListeningRequest, status: RequestStatus, *, actor: Account | None,
                action: AuditAction, details: dict | None = None) -> None:
    previous = request.status
    request.status = status
    request.updated_at = utcnow()
    session.add(request)
    audit.record(session, actor_id=actor.id if actor else None, action=action, entity="listening_request",
                 entity_id=request.id, details={"from": previous.value, "to": status.value, **(details or {})})


def _keep_reason(session: Session, request: ListeningRequest, action: AuditAction, reason: str, *,
                 actor: Account | None) -> None:
    """What the coordinator typed goes to its own table (purged after the retention period), never the audit."""
    session.add(RequestReason(request_id=request.id, action=action.value, reason=reason,
                              actor_id=actor.id if actor else None, at=utcnow()))


# ----- transitions --------------------------------------------------------------------------------------------


def propose(session: Session, *, actor: Account, request_id: int, volunteer_ids: list[int],
            starts_at: datetime) -> Visit:
    """new -> matched: a proposed one-hour visit; the first volunteer leads, the second is the partner."""
    require_role(actor, Role.coordinator)
    if not volunteer_ids:
        raise InvalidInput(N_("Choose at least one volunteer."), field="volunteer_ids")
    if len(set(volunteer_ids)) != len(volunteer_ids):
        raise InvalidInput(N_("The same volunteer is listed twice."), field="volunteer_ids")
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise InvalidInput(N_("The start time needs a time zone."), field="starts_at")
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.new,),
                    N_("Only a new request can get a proposed visit; this one is {status}."))
    known = set(session.exec(select(Volunteer.id).where(col(Volunteer.id).in_(volunteer_ids))))
    if missing := [v for v in volunteer_ids if v not in known]:
        raise NotFound(N_("Volunteer {id} does not exist."), id=missing[0])

    roles = [VisitRole.lead, VisitRole.partner]
    try:
        # A savepoint: a refused double booking must not roll back the caller's other work.
        with session.begin_nested():
            visit = Visit(request_id=request.id, mode=request.mode, starts_at=starts_at,
                          ends_at=starts_at + VISIT_LENGTH, status=VisitStatus.proposed, created_by=actor.id)
            session.add(visit)
            session.flush()
            for index, volunteer_id in enumerate(volunteer_ids):
                session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer_id,
                                           role=roles[index] if index < len(roles) else VisitRole.shadow,
                                           starts_at=starts_at, live=True))
            session.flush()
    except sa.exc.IntegrityError:
        raise IllegalTransition(N_("A chosen volunteer is already booked at that time.")) from None
    _set_status(session, request, RequestStatus.matched, actor=actor, action=AuditAction.request_proposed,
                details={"visit_id": visit.id, "volunteer_ids": list(volunteer_ids)})
    return visit


def reject_proposal(session: Session, *, actor: Account, request_id: int, reason: str) -> None:
    """matched -> new: the proposed visit is cancelled and its volunteers are free again."""
    require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.matched,),
                    N_("Only a matched request has a proposal to reject; this one is {status}."))
    visit = _live_visit(session, request.id)
    withdraw_visit(session, visit)
    _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_proposal_rejected,
                details={"visit_id": visit.id if visit else None})
    _keep_reason(session, request, AuditAction.request_proposal_rejected, reason, actor=actor)


def schedule(session: Session, *, actor: Account, request_id: int, now: datetime | None = None) -> Visit:
    """matched -> scheduled: the coordinator approves the proposal; the SMS go out through the outbox."""
    require_role(actor, Role.coordinator)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.matched,),
                    N_("Only a matched request can be scheduled; this one is {status}."))
    visit = _live_visit(session, request.id)
    if visit is None or visit.status != VisitStatus.proposed:
        raise IllegalTransition(N_("This request has no proposed visit to schedule."))
    visit.status = VisitStatus.scheduled
    session.add(visit)
    _set_status(session, request, RequestStatus.scheduled, actor=actor, action=AuditAction.request_scheduled,
                details={"visit_id": visit.id})
    session.flush()
    reminders.on_visit_scheduled(session, visit=visit, now=now)
    return visit


def confirm(session: Session, *, actor: Account | None, request_id: int, via: str) -> None:
    """scheduled -> confirmed. `actor` is None only when the resident confirmed by SMS."""
    if via not in CONFIRM_CHANNELS:
        raise InvalidInput(N_("Unknown confirmation channel: {via}"), field="via", via=via)
    if actor is None and via != "sms":
        raise NotAllowed(N_("Please sign in first."))
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    if actor is not None:
        _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled,),
                    N_("Only a scheduled visit can be confirmed; this request is {status}."))
    visit.status = VisitStatus.confirmed
    visit.confirmed_at = utcnow()
    session.add(visit)
    _set_status(session, request, RequestStatus.confirmed, actor=actor, action=AuditAction.request_confirmed,
                details={"visit_id": visit.id, "via": via})


def complete(session: Session, *, actor: Account, request_id: int) -> None:
    """scheduled|confirmed -> completed: the hour took place."""
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed visit can be completed; this request is {status}."))
    visit.status = VisitStatus.completed
    session.add(visit)
    _set_status(session, request, RequestStatus.completed, actor=actor, action=AuditAction.request_completed,
                details={"visit_id": visit.id})


def mark_no_show(session: Session, *, actor: Account, request_id: int) -> None:
    """scheduled|confirmed -> no_show: nobody was there (or nobody answered the phone)."""
    request = _locked_request(session, request_id)
    visit = _live_visit(session, request.id)
    _require_staff_on_visit(session, actor, visit)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed visit can be marked as a no-show; this request is {status}."))
    visit.status = VisitStatus.no_show
    session.add(visit)
    _set_status(session, request, RequestStatus.no_show, actor=actor, action=AuditAction.request_no_show,
                details={"visit_id": visit.id})
    reminders.on_no_show(session, visit=visit)


def cancel(session: Session, *, actor: Account | None, request_id: int, reason: str, by: str) -> None:
    """Any open state -> cancelled, by the resident or a coordinator, with a reason.

    `actor` is None only when the resident cancelled by SMS; a coordinator who takes a resident's call passes
    themselves as actor and by="resident".
    """
    if by not in CANCELLED_BY:
        raise InvalidInput(N_("Unknown cancellation source: {by}"), field="by", by=by)
    if actor is None and by != "resident":
        raise NotAllowed(N_("Please sign in first."))
    if actor is not None:
        require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, OPEN_REQUEST_STATUSES, N_("This request is already {status}; it cannot be cancelled."))
    visit = _live_visit(session, request.id)
    announced = visit is not None and visit.status != VisitStatus.proposed  # only then was the resident told
    withdraw_visit(session, visit)
    request.cancel_reason = reason  # kept on the request, not in the audit trail: it may echo the resident
    _set_status(session, request, RequestStatus.cancelled, actor=actor, action=AuditAction.request_cancelled,
                details={"by": by, "visit_id": visit.id if visit else None})
    if announced:
        session.flush()
        reminders.on_visit_cancelled(session, visit=visit)


def requeue(session: Session, *, actor: Account | None, request_id: int, reason: str) -> None:
    """scheduled|confirmed -> new: the resident called the visit off but still wants an hour."""
    if actor is not None:
        require_role(actor, Role.coordinator)
    reason = _clean_reason(reason)
    request = _locked_request(session, request_id)
    _require_status(request, (RequestStatus.scheduled, RequestStatus.confirmed),
                    N_("Only a scheduled or confirmed request can go back to the queue; this one is {status}."))
    visit = _live_visit(session, request.id)
    withdraw_visit(session, visit)
    _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_requeued,
                details={"visit_id": visit.id if visit else None})
    _keep_reason(session, request, AuditAction.request_requeued, reason, actor=actor)
    if visit is not None:
        session.flush()
        reminders.on_visit_cancelled(session, visit=visit)


def withdraw_proposal(session: Session, *, actor: Account | None, request: ListeningRequest) -> None:
    """matched -> new, when the resident changed the request: the proposal was made for the old wishes and the
    resident has not heard of it yet. The caller holds the request's lock (it is updating the request)."""
    visit = _live_visit(session, request.id)
    withdraw_visit(session, visit)
    _set_status(session, request, RequestStatus.new, actor=actor, action=AuditAction.request_proposal_withdrawn,
                details={"visit_id": visit.id if visit else None})
