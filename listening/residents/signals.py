"""Signals for a coordinator's review of a resident's journey: prompts for a conversation, never refusals.

A listening hour is a first step back to real people, not an endless substitute for them. Four patterns suggest
the coordinator talk with the resident (and their volunteer) about what else might help:

* rising frequency: held sessions in the last 4 weeks at least twice those of the 4 weeks before, and at least 4;
* sessions at night: at least 2 visits starting between 21:00 and 07:00 local time in the 8 weeks around today
  (a request's wished times are mornings, afternoons or evenings only, so the visits are what shows it);
* insisting on one volunteer: of the last 5 to 10 held sessions, at least 80% with the same volunteer, and the
  latest request asked for the same volunteer again;
* paid companionship in a session log: 秒回师, 付费陪聊, AI 伴侣 and the like in a note of the last 8 weeks. Only the
  count of such logs leaves this module: the note's words stay in the session log.

Every query is bounded by its time window; nothing is written, nobody is refused a session.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core.clock import day_bounds, local_date
from listening.core.config import get_settings
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    ListeningRequest,
    Outcome,
    Resident,
    Role,
    SessionLog,
    StrEnum,
    Visit,
    VisitStatus,
    Volunteer,
    utcnow,
)
from listening.safeguarding.normalise import normalise

FREQUENCY_DAYS = 28
RISING_FACTOR = 2
RISING_MIN = 4
NIGHT_FROM, NIGHT_UNTIL = time(21), time(7)
NIGHT_WINDOW = timedelta(weeks=8)  # before and after now: a night visit booked for next week counts too
NIGHT_MIN = 2
SAME_VOLUNTEER_SHARE = 0.8
SAME_VOLUNTEER_MIN, SAME_VOLUNTEER_LAST = 5, 10
SAME_VOLUNTEER_WINDOW = timedelta(weeks=26)
PAID_WINDOW = timedelta(weeks=8)
# Matched in the normalised note (NFKC, simplified, case-folded): Chinese without spaces, English on word edges.
PAID_WORDS_ZH = ("秒回师", "秒回服务", "陪聊", "陪聊师", "付费聊天", "ai伴侣", "ai女友", "ai男友", "虚拟恋人", "情感陪护")
PAID_WORDS_EN = re.compile(r"\b(paid (companion|companionship|chat)|ai (companion|girlfriend|boyfriend)|"
                           r"companion app)\b")
NOT_HELD = (VisitStatus.proposed, VisitStatus.cancelled)


class SignalKind(StrEnum):
    rising_frequency = "rising_frequency"
    night_sessions = "night_sessions"
    one_volunteer = "one_volunteer"
    paid_companionship = "paid_companionship"


SIGNAL_TEXT = {
    SignalKind.rising_frequency: N_("More and more sessions: {recent} in the last 4 weeks, {before} in the 4 "
                                    "weeks before."),
    SignalKind.night_sessions: N_("Sessions at night (21:00-07:00): {n} in the 8 weeks before and after today."),
    SignalKind.one_volunteer: N_("Asks for one volunteer: {share}% of the last {n} sessions with {name}, and the "
                                 "latest request asked for them again."),
    SignalKind.paid_companionship: N_("Paid companionship (paid chat, \"instant reply\" services, AI companions) "
                                      "mentioned in {n} session logs of the last 8 weeks."),
}
PROMPT = N_("A prompt for a conversation with the resident and their volunteer, never a reason to refuse a "
            "session.")


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    resident_id: int
    resident_name: str = ""
    figures: dict = field(default_factory=dict)  # the numbers its sentence needs (SIGNAL_TEXT)


def _held(resident_ids: list[int] | None):
    query = (select(ListeningRequest.resident_id, Visit.id, SessionLog.actual_start, SessionLog.volunteer_id)
             .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
             .join(SessionLog, col(SessionLog.visit_id) == col(Visit.id))
             .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None)))
    if resident_ids is not None:
        query = query.where(col(ListeningRequest.resident_id).in_(resident_ids))
    return query


def rising_frequency(session: Session, *, now: datetime, resident_ids: list[int] | None = None) -> list[Signal]:
    today = local_date(now)
    recent = day_bounds(today - timedelta(days=FREQUENCY_DAYS - 1), today)
    before = day_bounds(today - timedelta(days=2 * FREQUENCY_DAYS - 1), today - timedelta(days=FREQUENCY_DAYS))
    held = _held(resident_ids).where(col(SessionLog.actual_start) >= before.start,
                                     col(SessionLog.actual_start) < recent.end).subquery()
    rows = session.exec(
        select(held.c.resident_id,
               sa.func.count(sa.distinct(sa.case((held.c.actual_start >= recent.start, held.c.id)))),
               sa.func.count(sa.distinct(sa.case((held.c.actual_start < before.end, held.c.id)))))
        .group_by(held.c.resident_id)).all()
    return [Signal(SignalKind.rising_frequency, resident, figures={"recent": n_recent, "before": n_before})
            for resident, n_recent, n_before in rows
            if n_recent >= RISING_MIN and n_recent >= RISING_FACTOR * n_before]


def is_night(moment: datetime) -> bool:
    local = moment.astimezone(get_settings().tz).time()
    return local >= NIGHT_FROM or local < NIGHT_UNTIL


def night_sessions(session: Session, *, now: datetime, resident_ids: list[int] | None = None) -> list[Signal]:
    query = (select(ListeningRequest.resident_id, Visit.starts_at)
             .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
             .where(col(Visit.status).not_in(NOT_HELD))
             .where(col(Visit.starts_at) >= now - NIGHT_WINDOW, col(Visit.starts_at) < now + NIGHT_WINDOW))
    if resident_ids is not None:
        query = query.where(col(ListeningRequest.resident_id).in_(resident_ids))
    nights = Counter(resident for resident, starts_at in session.exec(query) if is_night(starts_at))
    return [Signal(SignalKind.night_sessions, resident, figures={"n": n})
            for resident, n in nights.items() if n >= NIGHT_MIN]


def one_volunteer(session: Session, *, now: datetime, resident_ids: list[int] | None = None) -> list[Signal]:
    """Only residents with SAME_VOLUNTEER_MIN visits held in the window can show it: those with fewer logs are left
    out in SQL, in the same pass (a count over each resident's logs, never less than their visits), so a district's
    half-year of sessions (tens of thousands) is not read row by row for the few who came often."""
    window = (_held(resident_ids).add_columns(ListeningRequest.wants_same_volunteer,
                                             sa.func.count().over(partition_by=ListeningRequest.resident_id)
                                             .label("logs"))
              .where(col(SessionLog.actual_start) >= now - SAME_VOLUNTEER_WINDOW)).subquery()
    rows = session.exec(
        select(window.c.resident_id, window.c.id, window.c.actual_start, window.c.volunteer_id,
               window.c.wants_same_volunteer)
        .where(window.c.logs >= SAME_VOLUNTEER_MIN)
        .order_by(window.c.resident_id, window.c.actual_start.desc(), window.c.id.desc())).all()
    visits: dict[int, dict[int, set[int]]] = defaultdict(dict)  # resident -> visit -> its volunteers, newest first
    asked: dict[int, bool] = {}
    for resident, visit_id, _start, volunteer_id, wants_same in rows:
        asked.setdefault(resident, bool(wants_same))  # the newest session's request
        if visit_id in visits[resident] or len(visits[resident]) < SAME_VOLUNTEER_LAST:
            visits[resident].setdefault(visit_id, set()).add(volunteer_id)
    found = []
    for resident, by_visit in visits.items():
        n = len(by_visit)
        if n < SAME_VOLUNTEER_MIN or not asked[resident]:
            continue
        volunteer, times = Counter(v for volunteers in by_visit.values() for v in volunteers).most_common(1)[0]
        if times >= SAME_VOLUNTEER_SHARE * n:
            found.append(Signal(SignalKind.one_volunteer, resident,
                                figures={"share": round(100 * times / n), "n": n, "volunteer_id": volunteer}))
    if found:
        names = dict(session.exec(select(Volunteer.id, Volunteer.full_name).where(
            col(Volunteer.id).in_([s.figures["volunteer_id"] for s in found]))).all())
        for signal in found:
            signal.figures["name"] = names.get(signal.figures["volunteer_id"], "")
    return found


def mentions_paid_companionship(note: str) -> bool:
    text = normalise(note or "")
    return any(word in text.squeezed for word in PAID_WORDS_ZH) or PAID_WORDS_EN.search(text.spaced) is not None


def paid_companionship(session: Session, *, now: datetime, resident_ids: list[int] | None = None) -> list[Signal]:
    query = (select(ListeningRequest.resident_id, SessionLog.note)
             .join(Visit, col(Visit.request_id) == col(ListeningRequest.id))
             .join(SessionLog, col(SessionLog.visit_id) == col(Visit.id))
             .where(SessionLog.note != "", col(SessionLog.created_at) >= now - PAID_WINDOW))
    if resident_ids is not None:
        query = query.where(col(ListeningRequest.resident_id).in_(resident_ids))
    mentions = Counter(resident for resident, note in session.exec(query) if mentions_paid_companionship(note))
    return [Signal(SignalKind.paid_companionship, resident, figures={"n": n}) for resident, n in mentions.items()]


def signals(session: Session, *, actor: Account, resident_ids: list[int] | None = None,
            now: datetime | None = None) -> list[Signal]:
    """Every signal for the given residents (None: all), by resident then kind, with the residents' names."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    found = [s for check in (rising_frequency, night_sessions, one_volunteer, paid_companionship)
             for s in check(session, now=now, resident_ids=resident_ids)]
    ids = sorted({s.resident_id for s in found})
    names = dict(session.exec(select(Resident.id, Resident.display_name)
                              .where(col(Resident.id).in_(ids))).all()) if ids else {}
    order = list(SignalKind)
    return sorted((Signal(s.kind, s.resident_id, names.get(s.resident_id, ""), s.figures) for s in found),
                  key=lambda s: (s.resident_name, s.resident_id, order.index(s.kind)))
