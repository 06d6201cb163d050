"""The coordinator's triage queue: open requests sorted by need, one request's details and history, the
resident's full number for a call. Every read of a resident's details is in the audit trail."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import phones
from listening.core.audit import AuditAction
from listening.core.errors import NotFound
from listening.core.i18n import N_
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


URGENCY_LABELS = {3: N_("Urgent"), 2: N_("Soon"), 1: N_("Normal")}  # ListeningRequest.urgency, 3 the most
URGENCY_MARKERS = {3: "🔴", 2: "🟠", 1: "⚪"}
PAGE_SIZE = 50
SEARCH_MAX = 40


@dataclass(frozen=True)
class Search:
    """What a coordinator typed in the queue's search box: a name part, and the digits of a number part."""

    name: str
    digits: str  # "" when the text holds too few digits to be part of a phone number

    @classmethod
    def of(cls, text: str | None) -> Search | None:
        text = unicodedata.normalize("NFKC", text or "").strip()[:SEARCH_MAX]
        if not text:
            return None
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 7:  # a whole number as dialled (0755 ..., +86 ...): its national digits
            try:
                digits = str(phonenumbers.parse(text, phones.DEFAULT_REGION).national_number)
            except phonenumbers.NumberParseException:
                pass
        looks_like_number = len(digits) >= 3 and not any(ch.isalpha() for ch in text)
        return cls(name=text, digits=digits if looks_like_number else "")


def _queue_query(query, *, statuses, modes, languages, community_code, urgent_only, search: Search | None):
    """The queue's joins and filters, shared by the rows and their count."""
    wanted = [s for s in (statuses or OPEN_REQUEST_STATUSES) if s in OPEN_REQUEST_STATUSES]
    # A same-number request shows the name and community it gave, never the stored resident's.
    community_id = sa.func.coalesce(UnverifiedDetails.community_id, Resident.community_id)
    query = (query.join(Resident, col(Resident.id) == col(ListeningRequest.resident_id))
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
    if search is not None:
        name = sa.func.coalesce(UnverifiedDetails.display_name, Resident.display_name)
        matches = [sa.func.lower(name).contains(search.name.lower(), autoescape=True)]
        if search.digits:  # E.164 holds only digits after the "+": any run of them matches
            matches.append(col(Resident.phone).contains(search.digits, autoescape=True))
        query = query.where(sa.or_(*matches))
    return query


def open_requests(session: Session, *, actor: Account, now: datetime | None = None,
                  statuses: list[RequestStatus] | None = None, modes: list[Mode] | None = None,
                  languages: list[Language] | None = None, community_code: str | None = None,
                  urgent_only: bool = False, sort: TriageSort = TriageSort.priority, search: str | None = None,
                  limit: int | None = None, offset: int = 0) -> list[TriageRow]:
    """The coordinator's queue: open requests with their waiting time, filtered and sorted, one page of them
    (`limit` rows from `offset`). `search` is a part of the name or of the phone number. Phones masked."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    query = _queue_query(select(ListeningRequest, Resident, Community, UnverifiedDetails), statuses=statuses,
                         modes=modes, languages=languages, community_code=community_code, urgent_only=urgent_only,
                         search=Search.of(search))
    if sort == TriageSort.priority:
        query = query.order_by(col(ListeningRequest.risk_flag).desc(), col(ListeningRequest.urgency).desc(),
                               col(ListeningRequest.created_at), col(ListeningRequest.id))
    elif sort == TriageSort.waiting:
        query = query.order_by(col(ListeningRequest.created_at), col(ListeningRequest.id))
    else:
        query = query.order_by(col(ListeningRequest.created_at).desc(), col(ListeningRequest.id).desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = session.exec(query).all()
    windows = _windows_by_request(session, [r.id for r, _, _, _ in rows])
    views.record_view(session, viewer=actor, resident_ids=[resident.id for _, resident, _, _ in rows],
                      context=views.ViewContext.triage_list, now=now)
    return [
        TriageRow(id=request.id, resident_name=given.display_name if given else resident.display_name,
                  phone_masked=phones.mask(resident.phone),
                  community_code=community.code, mode=request.mode, language=request.language,
                  status=request.status, urgency=request.urgency, risk_flag=request.risk_flag,
                  source=request.source, gender_wish=request.gender_wish, windows=windows.get(request.id, ()),
                  created_at=request.created_at, waiting=now - request.created_at,
                  same_number_as=request.same_number_as_id if request.same_number_decision is None else None,
                  sms_held=request.sms_held)
        for request, resident, community, given in rows
    ]


def count_open_requests(session: Session, *, actor: Account, statuses: list[RequestStatus] | None = None,
                        modes: list[Mode] | None = None, languages: list[Language] | None = None,
                        community_code: str | None = None, urgent_only: bool = False,
                        search: str | None = None) -> int:
    """How many open requests the same filters hold (one COUNT in SQL, for the queue's pages)."""
    require_role(actor, Role.coordinator)
    query = _queue_query(select(sa.func.count(col(ListeningRequest.id))).select_from(ListeningRequest),
                         statuses=statuses, modes=modes, languages=languages, community_code=community_code,
                         urgent_only=urgent_only, search=Search.of(search))
    return int(session.exec(query).one())


@dataclass(frozen=True)
class QueuePage:
    rows: list[TriageRow]
    total: int  # open requests under the filters, on every page
    page: int  # 1-based, within 1..pages
    pages: int
    first: int  # the 1-based position of rows[0] in the whole queue


def queue_page(session: Session, *, actor: Account, page: int = 1, page_size: int | None = None,
               statuses: list[RequestStatus] | None = None, modes: list[Mode] | None = None,
               languages: list[Language] | None = None, community_code: str | None = None,
               urgent_only: bool = False, sort: TriageSort = TriageSort.priority,
               search: str | None = None) -> QueuePage:
    """One page of the queue and the count under the same filters (a page past the end shows the last one)."""
    size = page_size or PAGE_SIZE
    filters = dict(statuses=statuses, modes=modes, languages=languages, community_code=community_code,
                   urgent_only=urgent_only, search=search)
    total = count_open_requests(session, actor=actor, **filters)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = open_requests(session, actor=actor, sort=sort, limit=size, offset=(page - 1) * size, **filters)
    return QueuePage(rows=rows, total=total, page=page, pages=pages, first=(page - 1) * size + 1)


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
