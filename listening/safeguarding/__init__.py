"""Risk detection, escalation and hotlines. Listening is not crisis care: these numbers are.

Risk words in a request or a session note, or a risk tick in a session log, open an escalation at once: an urgent
SMS (it ignores quiet hours) goes to the coordinator on duty, or to every coordinator with a phone when nobody is on
the rota. The SMS only says that escalation #id needs the duty coordinator; the resident's words stay in the app.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.config import DATA_DIR
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_, get_locale
from listening.core.permissions import require_role
from listening.models import (
    Account,
    DebriefRequest,
    DebriefStatus,
    DutyShift,
    Escalation,
    EscalationSource,
    EscalationStatus,
    MessageKind,
    RecipientKind,
    Role,
    SessionLog,
    Volunteer,
    utcnow,
)
from listening.sms import outbox, templates

# The risk codes, in the order of the session log's checklist (same names as its risk_* columns).
RISK_KINDS = ("suicide", "harm_others", "abuse", "medical")
RISK_LABELS = {
    "suicide": N_("thoughts of suicide or self-harm"),
    "harm_others": N_("harm to others"),
    "abuse": N_("abuse"),
    "medical": N_("urgent medical need"),
    "no_answer": N_("phone visits not answered"),
}
UNANSWERED_RISK = "no_answer"
SOURCE_LABELS = {
    EscalationSource.request: N_("a resident's request"),
    EscalationSource.session_log: N_("a session log"),
    EscalationSource.unanswered_calls: N_("unanswered phone visits"),
}
# What a volunteer does at once when a session raised a risk; shown with the hotlines.
CRISIS_STEPS = (
    N_("If anyone is in immediate danger, call 110 (police) or 120 (ambulance) now."),
    N_("Give the resident the 24-hour psychological assistance hotline 12356, and encourage them to call it."),
    N_("Do not promise to keep it secret, and do not go back alone."),
    N_("The coordinator on duty has been alerted and will call you. Keep your phone on."),
)
ACTION_MAX = 500
MAX_SHIFT = timedelta(days=7)


# ----- hotlines -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    hours: str


@lru_cache(maxsize=1)
def _hotline_rows() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / "hotlines.json").read_text(encoding="utf-8")))


def hotlines() -> list[Hotline]:
    """The crisis numbers (12356, 110, 120), in the current language."""
    suffix = "zh" if get_locale() == DEFAULT_LOCALE else "en"
    return [Hotline(row["number"], row[f"name_{suffix}"], row[f"hours_{suffix}"]) for row in _hotline_rows()]


# ----- risk words ---------------------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), case folded, runs of spaces made one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def _is_latin(phrase: str) -> bool:
    return all(ord(ch) < 0x3000 for ch in phrase)


@lru_cache(maxsize=1)
def risk_words() -> dict[str, dict[str, tuple[str, ...]]]:
    """{risk code: {"zh": phrases, "en": phrases}} from data/risk_words.json."""
    raw = json.loads((DATA_DIR / "risk_words.json").read_text(encoding="utf-8"))
    return {code: {lang: tuple(words) for lang, words in raw[code].items()} for code in RISK_KINDS}


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern, re.Pattern | None], ...]:
    """One (code, latin pattern, cjk pattern) per risk code."""
    result = []
    for code, by_language in risk_words().items():
        phrases = [normalise_text(p) for words in by_language.values() for p in words]
        latin = [p for p in phrases if _is_latin(p)]
        cjk = [p.replace(" ", "") for p in phrases if not _is_latin(p)]
        # Latin phrases match whole words ("rape" is not in "grape"); a space in a phrase matches any spaces.
        latin_re = re.compile(
            r"(?<![a-z0-9])(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s*") for p in latin) + r")(?![a-z0-9])"
        )
        cjk_re = re.compile("|".join(re.escape(p) for p in cjk)) if cjk else None
        result.append((code, latin_re, cjk_re))
    return tuple(result)


def detect_risk(text: str) -> set[str]:
    """The risk codes whose words (zh or en) appear in `text`, matched case- and width-insensitively."""
    normal = normalise_text(text)
    if not normal:
        return set()
    # Chinese is written without spaces; someone may still type 不 想 活, so CJK phrases look at the text without any.
    squeezed = normal.replace(" ", "")
    found = set()
    for code, latin_re, cjk_re in _patterns():
        if latin_re.search(normal) or (cjk_re is not None and cjk_re.search(squeezed)):
            found.add(code)
    return found


def risk_label_ids(risk_kinds: str | set[str]) -> list[str]:
    """English msgids for stored risk codes (comma-separated or a set), in checklist order."""
    codes = set(risk_kinds.split(",")) if isinstance(risk_kinds, str) else set(risk_kinds)
    order = [*RISK_KINDS, UNANSWERED_RISK]
    return [RISK_LABELS[c] for c in sorted(codes & set(order), key=order.index)]


# ----- duty rota ----------------------------------------------------------------------------------------------


def coordinators_on_duty(session: Session, *, at: datetime) -> list[Account]:
    """Active coordinators whose duty shift covers `at`."""
    return list(
        session.exec(
            select(Account)
            .join(DutyShift, col(DutyShift.coordinator_id) == col(Account.id))
            .where(col(DutyShift.starts_at) <= at, col(DutyShift.ends_at) > at)
            .where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
            .order_by(col(DutyShift.starts_at), col(Account.id))
        ).unique()
    )


def alert_recipients(session: Session, *, at: datetime) -> list[Account]:
    """Who gets a safeguarding SMS: the coordinators on duty with a phone, else every active coordinator with one."""
    on_duty = [a for a in coordinators_on_duty(session, at=at) if a.phone]
    if on_duty:
        return on_duty
    return list(
        session.exec(
            select(Account)
            .where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
            .where(col(Account.phone).is_not(None), Account.phone != "")
            .order_by(col(Account.id))
        )
    )


@dataclass(frozen=True)
class CoordinatorChoice:
    id: int
    name: str
    has_phone: bool


def coordinators(session: Session, *, actor: Account) -> list[CoordinatorChoice]:
    """Active coordinators, for the duty rota."""
    require_role(actor, Role.coordinator)
    rows = session.exec(select(Account).where(Account.role == Role.coordinator, col(Account.is_active).is_(True))
                        .order_by(col(Account.display_name)))
    return [CoordinatorChoice(a.id, a.display_name, bool(a.phone)) for a in rows]


@dataclass(frozen=True)
class ShiftView:
    id: int
    coordinator_id: int
    coordinator_name: str
    starts_at: datetime
    ends_at: datetime
    has_phone: bool


def duty_rota(session: Session, *, actor: Account, now: datetime | None = None, days: int = 14) -> list[ShiftView]:
    """Shifts that have not ended yet and start within `days`, earliest first."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(
        select(DutyShift, Account)
        .join(Account, col(Account.id) == col(DutyShift.coordinator_id))
        .where(col(DutyShift.ends_at) > now, col(DutyShift.starts_at) < now + timedelta(days=days))
        .order_by(col(DutyShift.starts_at))
    ).all()
    return [ShiftView(s.id, a.id, a.display_name, s.starts_at, s.ends_at, bool(a.phone)) for s, a in rows]


def add_duty_shift(session: Session, *, actor: Account, coordinator_id: int, starts_at: datetime,
                   ends_at: datetime) -> DutyShift:
    require_role(actor, Role.coordinator)
    coordinator = session.get(Account, coordinator_id)
    if coordinator is None or coordinator.role != Role.coordinator or not coordinator.is_active:
        raise InvalidInput(N_("Choose an active coordinator for the shift."), field="coordinator")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput(N_("The shift needs a start and an end time."), field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(N_("The shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput(N_("A duty shift can last at most {days} days."), field="ends_at", days=MAX_SHIFT.days)
    shift = DutyShift(coordinator_id=coordinator.id, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.duty_shift_added, entity="duty_shift", entity_id=shift.id,
                 details={"coordinator_id": coordinator.id, "starts_at": starts_at.isoformat(),
                          "ends_at": ends_at.isoformat()})
    return shift


# ----- escalations --------------------------------------------------------------------------------------------


def raise_escalation(session: Session, *, source: EscalationSource, risk_kinds: set[str], request_id: int | None = None,
                     session_log_id: int | None = None, actor: Account | None = None,
                     now: datetime | None = None) -> Escalation:
    """Open an escalation and, in the same transaction, the urgent SMS to the duty coordinator(s)."""
    now = now or utcnow()
    codes = sorted(set(risk_kinds), key=lambda c: ([*RISK_KINDS, UNANSWERED_RISK] + [c]).index(c))
    escalation = Escalation(source=source, request_id=request_id, session_log_id=session_log_id,
                            risk_kinds=",".join(codes)[:120], raised_at=now)
    session.add(escalation)
    session.flush()
    recipients = alert_recipients(session, at=now)
    for coordinator in recipients:
        body = templates.render(MessageKind.safeguarding_alert, locale=coordinator.locale, to_phone=coordinator.phone,
                                escalation_id=escalation.id)
        outbox.enqueue(session, kind=MessageKind.safeguarding_alert, recipient_kind=RecipientKind.coordinator,
                       to_phone=coordinator.phone, body=body, locale=coordinator.locale,
                       dedupe_key=f"escalation:{escalation.id}:alert:{coordinator.id}", urgent=True,
                       request_id=request_id, due_at=now)
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.escalation_raised, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"source": source.value, "risk_kinds": codes, "request_id": request_id,
                          "session_log_id": session_log_id, "alerted": [c.id for c in recipients]})
    return escalation


def _escalation(session: Session, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id, with_for_update=True, populate_existing=True)
    if escalation is None:
        raise NotFound(N_("Escalation {id} does not exist."), id=escalation_id)
    return escalation


def _clean_action(text: str | None) -> str:
    action = (text or "").strip()
    if not action:
        raise InvalidInput(N_("Please describe the action taken."), field="action_taken")
    if len(action) > ACTION_MAX:
        raise InvalidInput(N_("Keep the action under {n} characters."), field="action_taken", n=ACTION_MAX)
    return action


def acknowledge(session: Session, *, actor: Account, escalation_id: int, now: datetime | None = None) -> Escalation:
    """open -> acknowledged: a coordinator has seen it and takes it on."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.open:
        raise IllegalTransition(N_("Escalation {id} has already been acknowledged."), id=escalation.id)
    escalation.status = EscalationStatus.acknowledged
    escalation.acknowledged_by, escalation.acknowledged_at = actor.id, now
    session.add(escalation)
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_acknowledged, entity="escalation",
                 entity_id=escalation.id, at=now,
                 details={"minutes_to_acknowledge": round((now - escalation.raised_at).total_seconds() / 60, 1)})
    return escalation


def record_action(session: Session, *, actor: Account, escalation_id: int, action_taken: str,
                  now: datetime | None = None) -> Escalation:
    """Write what was done (called the resident, referred to 12356, ...) on an acknowledged escalation."""
    require_role(actor, Role.coordinator)
    action = _clean_action(action_taken)
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.acknowledged:
        raise IllegalTransition(N_("Acknowledge escalation {id} before recording an action; it is {status}."),
                                id=escalation.id, status=escalation.status.value)
    escalation.action_taken = action
    session.add(escalation)
    # The action text may repeat what the resident said, so the audit keeps only that it was written.
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_action_recorded, entity="escalation",
                 entity_id=escalation.id, at=now or utcnow(), details={"length": len(action)})
    return escalation


def close(session: Session, *, actor: Account, escalation_id: int, action_taken: str | None = None,
          now: datetime | None = None) -> Escalation:
    """acknowledged -> closed; an escalation closes only with the action taken on record."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    escalation = _escalation(session, escalation_id)
    if escalation.status != EscalationStatus.acknowledged:
        raise IllegalTransition(N_("Only an acknowledged escalation can be closed; escalation {id} is {status}."),
                                id=escalation.id, status=escalation.status.value)
    if action_taken is not None and action_taken.strip():
        escalation.action_taken = _clean_action(action_taken)
    if not escalation.action_taken:
        raise InvalidInput(N_("Please describe the action taken."), field="action_taken")
    escalation.status = EscalationStatus.closed
    escalation.closed_by, escalation.closed_at = actor.id, now
    session.add(escalation)
    audit.record(session, actor_id=actor.id, action=AuditAction.escalation_closed, entity="escalation",
                 entity_id=escalation.id, at=now)
    return escalation


@dataclass(frozen=True)
class EscalationView:
    id: int
    source: EscalationSource
    status: EscalationStatus
    risk_kinds: list[str]  # codes
    raised_at: datetime
    minutes_open: int
    request_id: int | None
    volunteer_name: str | None
    acknowledged_by: str | None
    action_taken: str | None


def open_escalations(session: Session, *, actor: Account, now: datetime | None = None) -> list[EscalationView]:
    """Escalations not yet closed, oldest first, with the minutes since each was raised."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(
        select(Escalation, Volunteer.full_name)
        .join(SessionLog, col(SessionLog.id) == col(Escalation.session_log_id), isouter=True)
        .join(Volunteer, col(Volunteer.id) == col(SessionLog.volunteer_id), isouter=True)
        .where(Escalation.status != EscalationStatus.closed)
        .order_by(col(Escalation.raised_at), col(Escalation.id))
    ).all()
    names = {a.id: a.display_name for a in session.exec(select(Account).where(Account.role == Role.coordinator))}
    return [
        EscalationView(
            id=e.id, source=e.source, status=e.status, risk_kinds=[c for c in e.risk_kinds.split(",") if c],
            raised_at=e.raised_at, minutes_open=max(0, int((now - e.raised_at).total_seconds() // 60)),
            request_id=e.request_id, volunteer_name=volunteer_name,
            acknowledged_by=names.get(e.acknowledged_by), action_taken=e.action_taken,
        )
        for e, volunteer_name in rows
    ]


@dataclass(frozen=True)
class ResponseTimes:
    raised: int
    acknowledged: int
    median_minutes: float | None
    max_minutes: float | None
    waiting_now: int  # still open (nobody has acknowledged yet)


def response_times(session: Session, *, actor: Account, days: int = 90, now: datetime | None = None) -> ResponseTimes:
    """Minutes from raised to acknowledged, over the escalations raised in the last `days`."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    rows = session.exec(select(Escalation).where(col(Escalation.raised_at) >= now - timedelta(days=days))).all()
    minutes = [(e.acknowledged_at - e.raised_at).total_seconds() / 60 for e in rows if e.acknowledged_at]
    return ResponseTimes(
        raised=len(rows),
        acknowledged=len(minutes),
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        max_minutes=round(max(minutes), 1) if minutes else None,
        waiting_now=sum(1 for e in rows if e.status == EscalationStatus.open),
    )


# ----- debriefs -----------------------------------------------------------------------------------------------


def offer_debrief(session: Session, *, volunteer_id: int, session_log_id: int | None, actor: Account | None,
                  now: datetime | None = None) -> DebriefRequest:
    """A debrief waiting for a coordinator; one open request per volunteer is enough."""
    existing = session.exec(
        select(DebriefRequest).where(DebriefRequest.volunteer_id == volunteer_id,
                                     DebriefRequest.status == DebriefStatus.requested)
    ).first()
    if existing is not None:
        return existing
    debrief = DebriefRequest(volunteer_id=volunteer_id, session_log_id=session_log_id, requested_at=now or utcnow())
    session.add(debrief)
    session.flush()
    audit.record(session, actor_id=actor.id if actor else None, action=AuditAction.debrief_requested, entity="debrief_request",
                 entity_id=debrief.id, details={"volunteer_id": volunteer_id, "session_log_id": session_log_id})
    return debrief


def request_debrief(session: Session, *, actor: Account, session_log_id: int | None = None) -> DebriefRequest:
    """A volunteer asks to talk a session through with a coordinator."""
    from listening.volunteers import volunteer_of

    volunteer = volunteer_of(session, actor)
    if session_log_id is not None:
        log = session.get(SessionLog, session_log_id)
        if log is None or log.volunteer_id != volunteer.id:
            raise NotFound(N_("Session log {id} does not exist."), id=session_log_id)
    return offer_debrief(session, volunteer_id=volunteer.id, session_log_id=session_log_id, actor=actor)


@dataclass(frozen=True)
class DebriefView:
    id: int
    volunteer_id: int
    volunteer_name: str
    requested_at: datetime
    session_log_id: int | None


def open_debriefs(session: Session, *, actor: Account) -> list[DebriefView]:
    require_role(actor, Role.coordinator)
    rows = session.exec(
        select(DebriefRequest, Volunteer)
        .join(Volunteer, col(Volunteer.id) == col(DebriefRequest.volunteer_id))
        .where(DebriefRequest.status == DebriefStatus.requested)
        .order_by(col(DebriefRequest.requested_at))
    ).all()
    return [DebriefView(d.id, v.id, v.full_name, d.requested_at, d.session_log_id) for d, v in rows]


def handle_debrief(session: Session, *, actor: Account, debrief_id: int, outcome: DebriefStatus,
                   now: datetime | None = None) -> DebriefRequest:
    """requested -> held | declined."""
    require_role(actor, Role.coordinator)
    if outcome not in (DebriefStatus.held, DebriefStatus.declined):
        raise InvalidInput(N_("A debrief is either held or declined."), field="outcome")
    debrief = session.get(DebriefRequest, debrief_id, with_for_update=True, populate_existing=True)
    if debrief is None:
        raise NotFound(N_("Debrief request {id} does not exist."), id=debrief_id)
    if debrief.status != DebriefStatus.requested:
        raise IllegalTransition(N_("This debrief request has already been handled."))
    debrief.status, debrief.handled_by, debrief.handled_at = outcome, actor.id, now or utcnow()
    session.add(debrief)
    audit.record(session, actor_id=actor.id, action=AuditAction(f"debrief.{outcome.value}"), entity="debrief_request",
                 entity_id=debrief.id, details={"volunteer_id": debrief.volunteer_id})
    return debrief
