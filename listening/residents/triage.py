"""The coordinator's triage queue: open requests sorted by need, one request's details and history, the
resident's full number for a call. Every read of a resident's details is in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import phones
from listening.core.audit import AuditAction
from listening.core.errors import NotFound
from listening.core.i18n import N_
from listening.core.paging import PAGE_SIZE, Page, page_number
from listening.core.permissions import require_role
from listening.models import (
    OPEN_REQUEST_STATUSES,
    Account,
    AuditEvent,
    Community,
    Gender,
    Language,
    ListeningRequest,
    Mode,
    RequestSource,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    Role,
    SmsHold,
    StrEnum,
    UnverifiedDetails,
    Visit,
    utcnow,
)
from listening.privacy import views
from listening.residents.intake import Window


class TriageSort(StrEnum):
    priority = "priority"  # most urgent first, then the longest wait
    waiting = "waiting"  # longest wait first
    newest = "newest"


@dataclass(frozen=True)
class TriageRow:
    id: int
    resident_name: str
    phone_masked: str
    community_code: str
    mode: Mode
    language: Language
    status: RequestStatus
    urgency: int
    risk_flag: bool
    source: RequestSource
    gender_wish: Gender | None
    windows: tuple[Window, ...]
    created_at: datetime
    waiting: timedelta
    same_number_as: int | None = None  # sent with the number of request #N, not yet merged or kept
    sms_held: SmsHold | None = None


def open_requests(session: Session, *, actor: Account, now: datetime | None = None,
                  statuses: list[RequestStatus] | None = None, modes: list[Mode] | None = None,
                  languages: list[Language] | None = None, community_code: str | None = None,
                  urgent_only: bool = False, sort: TriageSort = TriageSort.priority) -> list[TriageRow]:
    """The coordinator's whole queue: open requests with their waiting time, filtered and sorted. Phones masked.
    A screen shows `open_requests_page` instead: a district's queue holds thousands."""
    require_role(actor, Role.coordinator)
    query = _queue(statuses=statuses, modes=modes, languages=languages, community_code=community_code,
                   urgent_only=urgent_only, sort=sort)
    return _rows(session, actor=actor, now=now or utcnow(), rows=session.exec(query).all())


def open_requests_page(session: Session, *, actor: Account, page: int = 1, size: int = PAGE_SIZE,
                       now: datetime | None = None, statuses: list[RequestStatus] | None = None,
                       modes: list[Mode] | None = None, languages: list[Language] | None = None,
                       community_code: str | None = None, urgent_only: bool = False,
                       sort: TriageSort = TriageSort.priority) -> Page[TriageRow]:
    """One page of the queue and how many requests it holds in all: a count and one page of rows, whatever the
    queue's length. Only the residents on the page count as viewed."""
    require_role(actor, Role.coordinator)
    query = _queue(statuses=statuses, modes=modes, languages=languages, community_code=community_code,
                   urgent_only=urgent_only, sort=sort)
    total = session.exec(select(sa.func.count()).select_from(query.order_by(None).subquery())).one()
    page = page_number(page, total, size)
    rows = session.exec(query.limit(size).offset((page - 1) * size)).all()
    return Page(tuple(_rows(session, actor=actor, now=now or utcnow(), rows=rows)), total, page, size)


def _queue(*, statuses, modes, languages, community_code, urgent_only, sort):
    wanted = [s for s in (statuses or OPEN_REQUEST_STATUSES) if s in OPEN_REQUEST_STATUSES]
    # A same-number request shows the name and community it gave, never the stored resident's.
    community_id = sa.func.coalesce(UnverifiedDetails.community_id, Resident.community_id)
    query = (select(ListeningRequest, Resident.id, Resident.display_name, Resident.phone, Community.code,
                    UnverifiedDetails.display_name)
             .join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
             .join(UnverifiedDetails, col(UnverifiedDetails.request_id) == col(ListeningRequest.id), isouter=True)
             .join(Community, col(Community.id) == community_id)
             .where(col(ListeningRequest.status).in_(wanted)))
    if modes:
        query = query.where(col(ListeningRequest.mode).in_(modes))
    if languages:
        query = query.where(col(ListeningRequest.language).in_(languages))
    if community_code:
        query = query.where(Community.code == community_code)
    if urgent_only:
        query = query.where(sa.or_(col(ListeningRequest.urgency) >= 3, col(ListeningRequest.risk_flag)))
    if sort == TriageSort.priority:
        return query.order_by(col(ListeningRequest.risk_flag).desc(), col(ListeningRequest.urgency).desc(),
                              col(ListeningRequest.created_at), col(ListeningRequest.id))
    if sort == TriageSort.waiting:
        return query.order_by(col(ListeningRequest.created_at), col(ListeningRequest.id))
    return query.order_by(col(ListeningRequest.created_at).desc(), col(ListeningRequest.id).desc())


def _rows(session: Session, *, actor: Account, now: datetime, rows) -> list[TriageRow]:
    windows = _windows_by_request(session, [r.id for r, *_ in rows])
    views.record_view(session, viewer=actor, resident_ids=[resident_id for _, resident_id, *_ in rows],
                      context=views.ViewContext.triage_list, now=now)
    return [
        TriageRow(id=request.id, resident_name=given_name or name, phone_masked=phones.mask(phone),
                  community_code=community, mode=request.mode, language=request.language,
                  status=request.status, urgency=request.urgency, risk_flag=request.risk_flag,
                  source=request.source, gender_wish=request.gender_wish, windows=windows.get(request.id, ()),
                  created_at=request.created_at, waiting=now - request.created_at,
                  same_number_as=request.same_number_as_id if request.same_number_decision is None else None,
                  sms_held=request.sms_held)
        for request, _resident_id, name, phone, community, given_name in rows
    ]


def _windows_by_request(session: Session, request_ids: list[int]) -> dict[int, tuple[Window, ...]]:
    result: dict[int, list[Window]] = {}
    if not request_ids:
        return {}
    for row in session.exec(select(RequestTimeWindow).where(col(RequestTimeWindow.request_id).in_(request_ids))
                            .order_by(col(RequestTimeWindow.id))):
        result.setdefault(row.request_id, []).append(Window(row.part_of_day, row.weekday, row.on_date))
    return {key: tuple(value) for key, value in result.items()}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    actor_name: str | None  # None: the resident (public page or SMS) or the system
    details: dict


@dataclass(frozen=True)
class RequestDetail:
    request: ListeningRequest
    resident_name: str
    phone_masked: str
    community_code: str
    address: str | None
    consent_verbal: bool
    consent_recorded_by: str | None
    sms_consent: bool
    windows: tuple[Window, ...]
    visit: Visit | None
    history: tuple[HistoryEntry, ...]
    same_number_as: int | None = None  # waiting for a coordinator to merge or keep it
    given: UnverifiedDetails | None = None  # what a same-number request said about the resident
    given_community_code: str | None = None


def request_detail(session: Session, *, actor: Account, request_id: int) -> RequestDetail:
    """One request with what the resident shared and its history. The read is in the audit trail."""
    require_role(actor, Role.coordinator)
    request = session.get(ListeningRequest, request_id)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    resident = session.get(Resident, request.resident_id)
    community = session.get(Community, resident.community_id)
    recorder = session.get(Account, resident.consent_recorded_by) if resident.consent_recorded_by else None
    history = request_history(session, actor=actor, request_id=request_id)
    given = session.get(UnverifiedDetails, request.id)
    given_community = session.get(Community, given.community_id) if given else None
    views.record_view(session, viewer=actor, resident_ids=[resident.id], context=views.ViewContext.request_detail,
                      request_id=request.id)
    # A same-number request goes by the name it gave, in the list and here alike; the stored resident is behind #N.
    return RequestDetail(
        request=request, resident_name=given.display_name if given else resident.display_name,
        phone_masked=phones.mask(resident.phone),
        community_code=community.code, address=resident.address if request.mode == Mode.home else None,
        consent_verbal=resident.consent_verbal, consent_recorded_by=recorder.display_name if recorder else None,
        sms_consent=resident.sms_consent_at is not None,
        windows=_windows_by_request(session, [request.id]).get(request.id, ()),
        visit=session.exec(select(Visit).where(Visit.request_id == request.id)
                           .order_by(col(Visit.created_at).desc(), col(Visit.id).desc())).first(),
        history=tuple(history),
        same_number_as=request.same_number_as_id if request.same_number_decision is None else None,
        given=given, given_community_code=given_community.code if given_community else None)


def reveal_phone(session: Session, *, actor: Account, request_id: int) -> str:
    """The resident's full number, for a coordinator who is about to call; audited."""
    require_role(actor, Role.coordinator)
    request = session.get(ListeningRequest, request_id)
    if request is None:
        raise NotFound(N_("Request {id} does not exist."), id=request_id)
    resident = session.get(Resident, request.resident_id)
    views.record_view(session, viewer=actor, resident_ids=[resident.id], context=views.ViewContext.call,
                      contact=True, request_id=request.id)
    return resident.phone


def request_history(session: Session, *, actor: Account, request_id: int) -> list[HistoryEntry]:
    """What happened to a request, oldest first, from the audit trail."""
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(AuditEvent, Account).join(Account, col(Account.id) == col(AuditEvent.actor_id), isouter=True)
        .where(AuditEvent.entity == "listening_request").where(AuditEvent.entity_id == str(request_id))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    return [HistoryEntry(at=event.at, action=event.action, actor_name=account.display_name if account else None,
                         details=dict(event.details or {})) for event, account in rows]


HISTORY_LABELS = {
    AuditAction.request_submitted: N_("Request received"),
    AuditAction.request_updated: N_("Request updated by a new submission"),
    AuditAction.request_proposed: N_("Visit proposed"),
    AuditAction.request_proposal_rejected: N_("Proposal rejected"),
    AuditAction.request_proposal_withdrawn: N_("Proposal withdrawn: the resident changed the request"),
    AuditAction.request_scheduled: N_("Visit scheduled"),
    AuditAction.request_confirmed: N_("Visit confirmed"),
    AuditAction.request_completed: N_("Visit completed"),
    AuditAction.request_no_show: N_("No-show"),
    AuditAction.request_cancelled: N_("Request cancelled"),
    AuditAction.request_requeued: N_("Visit called off; request back in the queue"),
    AuditAction.request_merged: N_("Merged into the earlier request with the same number"),
    AuditAction.request_kept_separate: N_("Kept as a request of its own despite the same number"),
}

SMS_HELD_LABELS = {
    SmsHold.same_number: N_("No confirmation SMS sent: the number already had a request, and its owner has not "
                            "confirmed this one."),
    SmsHold.per_address: N_("No confirmation SMS sent: too many requests from one address."),
    SmsHold.per_phone: N_("No confirmation SMS sent: too many requests for this number today."),
    SmsHold.new_numbers: N_("No confirmation SMS sent: the hourly limit of messages to new numbers was reached."),
}
