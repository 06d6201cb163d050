"""Saving a session log so that a risk the volunteer noticed is never lost.

The log and its consequences are one transaction (`logs.log_session`). If that transaction cannot complete
(the database stayed busy, or failed), a log with a risk tick or risk words still raises its escalation, in a
short transaction of its own, tried several times; the volunteer is told plainly what was and was not saved.
When the volunteer saves the log again later, the escalation raised here is linked to it, not raised twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from listening import safeguarding
from listening.core import db
from listening.core.errors import Busy, ServiceError
from listening.core.i18n import N_
from listening.models import Account, EscalationSource, utcnow
from listening.sessions import logs
from listening.sessions.logs import LogResult, SessionLogInput

log = logging.getLogger("listening.sessions.log_saving")
ESCALATION_ATTEMPTS = 4


class LogNotSaved(ServiceError):
    """The log was not stored; `alerted` says whether the risk in it reached the coordinators anyway."""

    def __init__(self, *, alerted: bool, escalation_id: int | None = None) -> None:
        if alerted:
            super().__init__(N_("Your log could not be saved just now, but the risk you noted has been sent to the "
                                "duty coordinator (escalation #{id}). Please press save again in a moment; your "
                                "entries are still in the form."), id=escalation_id)
        else:
            super().__init__(N_("Your log could not be saved and the alert could not be sent. Phone the duty "
                                "coordinator or the centre now, then press save again."))
        self.alerted = alerted
        self.escalation_id = escalation_id


def save_log(*, actor: Account, visit_id: int, entry: SessionLogInput, now: datetime | None = None) -> LogResult:
    """The volunteer's save: the whole log in one transaction, or at least its escalation."""
    now = now or utcnow()
    try:
        return db.transaction(lambda session: logs.log_session(session, actor=actor, visit_id=visit_id,
                                                                   entry=entry, now=now))
    # Any other ServiceError is a refusal the volunteer can act on (bad time, already logged): the form shows why.
    except (Busy, sa.exc.SQLAlchemyError) as error:
        failure = error
    log.error("session log for visit %s not saved (%s)", visit_id, type(failure).__name__)
    risks = set(entry.risks) | safeguarding.detect_risk(entry.note or "")
    if not risks:
        raise Busy() from None
    escalation_id = _escalate_alone(actor=actor, visit_id=visit_id, risks=risks, now=now)
    raise LogNotSaved(alerted=escalation_id is not None, escalation_id=escalation_id) from None


def _escalate_alone(*, actor: Account, visit_id: int, risks: set[str], now: datetime) -> int | None:
    def escalate(session) -> int:
        volunteer = logs.volunteer_of(session, actor)
        visit = logs.visit_of_volunteer(session, visit_id=visit_id, volunteer=volunteer)
        escalation = safeguarding.raise_escalation(session, source=EscalationSource.session_log, risk_kinds=risks,
                                                   request_id=visit.request_id, actor=actor, now=now)
        return escalation.id

    try:
        return db.transaction(escalate, attempts=ESCALATION_ATTEMPTS)
    except (ServiceError, sa.exc.SQLAlchemyError) as error:
        log.critical("escalation for an unsaved session log of visit %s not raised (%s)", visit_id,
                     type(error).__name__)
        return None
