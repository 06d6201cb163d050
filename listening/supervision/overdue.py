"""Who the coordinator should look after: listening volunteers without supervision for SUPERVISION_DAYS days, or
without a listening session for SESSION_DAYS days, or without a supervisor; and the one-click reminder SMS.

Days are local days (settings.tz): a volunteer last supervised on 1 November is flagged from local midnight
starting 1 December (30 days later), not a moment before, whatever the UTC date. A volunteer never supervised (or
who never listened) counts from the day they joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import local_date
from listening.core.clock import now as utcnow
from listening.core.errors import IllegalTransition, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    MessageKind,
    OutboundMessage,
    Outcome,
    RecipientKind,
    Role,
    SessionLog,
    SupervisionAttendance,
    SupervisionSession,
    Volunteer,
    VolunteerStatus,
    VolunteerSupervisor,
)
from listening.sms import outbox, templates
from listening.volunteers.training import Stage, training_statuses

SUPERVISION_DAYS = 30
SESSION_DAYS = 60
LISTENING_STAGES = (Stage.active, Stage.home_certified)


@dataclass(frozen=True)
class OverdueVolunteer:
    volunteer_id: int
    full_name: str
    supervisor: str | None
    last_supervised: date | None
    last_session: date | None
    supervision_days: int  # since the last supervision (or joining)
    session_days: int  # since the last held session (or joining)

    @property
    def supervision_overdue(self) -> bool:
        return self.supervision_days >= SUPERVISION_DAYS

    @property
    def session_overdue(self) -> bool:
        return self.session_days >= SESSION_DAYS

    @property
    def reminder_reason(self) -> str:
        """The reminder's variant (templates.render `overdue`): supervision first, it is what keeps listeners safe."""
        return "supervision" if self.supervision_overdue else "sessions"


def _last_supervised(session: Session, ids) -> dict[int, date]:
    """`ids`: a list of volunteer ids or a select of them."""
    rows = session.exec(select(SupervisionAttendance.volunteer_id, sa.func.max(SupervisionSession.held_on))
                        .join(SupervisionSession, col(SupervisionSession.id) == col(SupervisionAttendance.session_id))
                        .where(SupervisionAttendance.attended, col(SupervisionAttendance.volunteer_id).in_(ids))
                        .group_by(SupervisionAttendance.volunteer_id)).all()
    return dict(rows)


def _last_session(session: Session, ids) -> dict[int, date]:
    rows = session.exec(select(SessionLog.volunteer_id, sa.func.max(SessionLog.actual_start))
                        .where(SessionLog.outcome == Outcome.held, col(SessionLog.actual_start).is_not(None))
                        .where(col(SessionLog.volunteer_id).in_(ids))
                        .group_by(SessionLog.volunteer_id)).all()
    # max() of a UTC column comes back as text on SQLite: read it through the column type
    kind = SessionLog.__table__.c.actual_start.type
    dialect = session.get_bind().dialect
    return {v: local_date(kind.process_result_value(_parse(at), dialect)) for v, at in rows}


def _parse(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def volunteers_needing_care(session: Session, *, actor: Account, now: datetime | None = None) -> list[OverdueVolunteer]:
    """Listening volunteers (active status, certified) overdue for supervision or a session, or with no supervisor;
    the longest overdue first. The dates come from three aggregates over every active volunteer; the training
    ladder, the dear part, is read only for the volunteers those dates (or a missing supervisor) flag."""
    require_role(actor, Role.coordinator)
    on = local_date(now or utcnow())
    active = select(Volunteer.id).where(Volunteer.status == VolunteerStatus.active)
    joined = dict(session.exec(select(Volunteer.id, Volunteer.joined_on)
                               .where(Volunteer.status == VolunteerStatus.active)).all())
    if not joined:
        return []
    supervised, listened = _last_supervised(session, active), _last_session(session, active)
    names = dict(session.exec(select(VolunteerSupervisor.volunteer_id, Account.display_name)
                              .join(Account, col(Account.id) == col(VolunteerSupervisor.supervisor_id))
                              .where(col(VolunteerSupervisor.volunteer_id).in_(active))).all())
    flagged = [v for v, since in joined.items()
               if (on - (supervised.get(v) or since)).days >= SUPERVISION_DAYS
               or (on - (listened.get(v) or since)).days >= SESSION_DAYS or v not in names]
    if not flagged:
        return []
    listening = [s.volunteer for s in training_statuses(session, on=on, volunteer_ids=flagged)
                 if s.stage in LISTENING_STAGES]
    result = [OverdueVolunteer(v.id, v.full_name, names.get(v.id), supervised.get(v.id), listened.get(v.id),
                               (on - (supervised.get(v.id) or v.joined_on)).days,
                               (on - (listened.get(v.id) or v.joined_on)).days) for v in listening]
    return sorted(result, key=lambda r: (-max(r.supervision_days - SUPERVISION_DAYS, r.session_days - SESSION_DAYS),
                                         r.volunteer_id))


def send_reminder(session: Session, *, actor: Account, volunteer_id: int,
                  now: datetime | None = None) -> OutboundMessage | None:
    """The one-click reminder to an overdue volunteer, through the outbox; at most one a day per volunteer (None
    when today's was already sent)."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    flagged = next((r for r in volunteers_needing_care(session, actor=actor, now=now)
                    if r.volunteer_id == volunteer_id and (r.supervision_overdue or r.session_overdue)), None)
    if flagged is None:
        raise IllegalTransition(N_("{name} is not overdue for supervision or a session."), name=volunteer.full_name)
    account = session.get(Account, volunteer.account_id) if volunteer.account_id else None
    locale = account.locale if account else DEFAULT_LOCALE
    body = templates.render(MessageKind.supervision_reminder, locale=locale, to_phone=volunteer.phone,
                            recipient="volunteer", overdue=flagged.reminder_reason)
    message = outbox.enqueue(session, kind=MessageKind.supervision_reminder, recipient_kind=RecipientKind.volunteer,
                             to_phone=volunteer.phone, body=body, locale=locale, now=now,
                             dedupe_key=f"supervision-reminder:{volunteer_id}:{local_date(now).isoformat()}")
    if message is not None:
        audit.record(session, actor_id=actor.id, action=AuditAction.supervision_reminded, entity="volunteer",
                     entity_id=volunteer_id, details={"overdue": flagged.reminder_reason}, at=now)
    return message
