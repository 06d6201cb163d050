"""Retention: what people told us (and what an interviewer noted of an applicant) is emptied after `RETENTION_TEXT_DAYS`, SMS bodies after `RETENTION_SMS_DAYS`
(settings in listening/core/config.py; docs/privacy.md gives the reasons for the defaults).

Only the words go: the rows stay, with their dates, statuses, codes, moods and hours, so every figure the reports
show (listening/reports.py) is the same after a purge. Text still needed is kept: the topic of a request that is
still open, the reasons on an escalation not yet closed, a message still waiting to be sent, the words of a
complaint not yet closed.
`python -m listening purge` runs it; the SMS worker runs it once a local day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.models import (
    OPEN_REQUEST_STATUSES,
    ApplicationStatus,
    Complaint,
    ComplaintStatus,
    Escalation,
    EscalationStatus,
    InboundMessage,
    ListeningRequest,
    MessageStatus,
    OutboundMessage,
    RequestReason,
    SessionLog,
    VettingStep,
    VolunteerApplication,
    utcnow,
)

UNSENT = (MessageStatus.queued, MessageStatus.sending)


@dataclass(frozen=True)
class PurgeCounts:
    session_notes: int = 0
    request_topics: int = 0
    cancel_reasons: int = 0
    transition_reasons: int = 0
    escalation_actions: int = 0
    inbound_bodies: int = 0
    outbound_bodies: int = 0
    interview_notes: int = 0
    application_motivations: int = 0
    complaint_texts: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _blank(session: Session, model, column, value, *where) -> int:
    return session.execute(sa.update(model).where(*where).values({column: value})).rowcount


def purge(session: Session, *, now: datetime | None = None) -> PurgeCounts:
    """Empty the text older than its retention period, in the caller's transaction; one audit event of counts."""
    now = now or utcnow()
    settings = get_settings()
    text_before = now - timedelta(days=settings.retention_text_days)
    sms_before = now - timedelta(days=settings.retention_sms_days)
    closed_before = (col(ListeningRequest.status).not_in(OPEN_REQUEST_STATUSES),
                     col(ListeningRequest.updated_at) < text_before)
    counts = PurgeCounts(
        session_notes=_blank(session, SessionLog, "note", "", col(SessionLog.note) != "",
                             col(SessionLog.created_at) < text_before),
        request_topics=_blank(session, ListeningRequest, "topic", None, col(ListeningRequest.topic).is_not(None),
                              *closed_before),
        cancel_reasons=_blank(session, ListeningRequest, "cancel_reason", None,
                              col(ListeningRequest.cancel_reason).is_not(None), *closed_before),
        transition_reasons=_blank(session, RequestReason, "reason", "", col(RequestReason.reason) != "",
                                  col(RequestReason.at) < text_before),
        escalation_actions=_blank(session, Escalation, "action_taken", None,
                                  col(Escalation.action_taken).is_not(None),
                                  Escalation.status == EscalationStatus.closed,
                                  col(Escalation.closed_at) < text_before),
        inbound_bodies=_blank(session, InboundMessage, "body", "", col(InboundMessage.body) != "",
                              col(InboundMessage.received_at) < sms_before),
        outbound_bodies=_blank(session, OutboundMessage, "body", "", col(OutboundMessage.body) != "",
                               col(OutboundMessage.created_at) < sms_before,
                               col(OutboundMessage.status).not_in(UNSENT)),
        interview_notes=_blank(session, VettingStep, "notes", "", col(VettingStep.notes) != "",
                               col(VettingStep.created_at) < text_before),
        # Why someone wants to listen is kept while the application waits, then like any note.
        application_motivations=_blank(session, VolunteerApplication, "motivation", "",
                                       col(VolunteerApplication.motivation) != "",
                                       VolunteerApplication.status != ApplicationStatus.submitted,
                                       col(VolunteerApplication.decided_at) < text_before),
        complaint_texts=_blank(session, Complaint, "text", "", col(Complaint.text) != "",
                               Complaint.status == ComplaintStatus.closed, col(Complaint.closed_at) < text_before),
    )
    audit.record(session, actor_id=None, action=AuditAction.privacy_purged, entity="database",
                 details={**counts.as_dict(), "text_days": settings.retention_text_days,
                          "sms_days": settings.retention_sms_days}, at=now)
    return counts
