"""SMS: the transactional outbox, replies received, opt-outs and the sending worker's heartbeat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.core.i18n import DEFAULT_LOCALE
from listening.models.columns import enum_column, utc_column
from listening.models.enums import MessageKind, MessageStatus, RecipientKind, ReplyIntentValue


class OutboundMessage(SQLModel, table=True):
    """Transactional outbox: written with the change that causes it, sent later by the worker."""

    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, sa_column_kwargs={"unique": True}, nullable=False)
    kind: MessageKind = Field(sa_column=enum_column(MessageKind))
    recipient_kind: RecipientKind = Field(sa_column=enum_column(RecipientKind))
    to_phone: str = Field(max_length=20, index=True)
    body: str = Field(max_length=1000)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    urgent: bool = False  # urgent messages ignore quiet hours
    request_id: int | None = Field(default=None, foreign_key="listening_request.id", ondelete="SET NULL")
    visit_id: int | None = Field(default=None, foreign_key="visit.id", ondelete="SET NULL")
    status: MessageStatus = Field(
        default=MessageStatus.queued, sa_column=enum_column(MessageStatus, default=MessageStatus.queued, index=True)
    )
    due_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    attempts: int = 0
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    provider: str | None = Field(default=None, max_length=32)
    provider_sid: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    segments: int | None = None
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    # Whether a coordinator's last urgent SMS failed (safeguarding/rota.py sms_problems): looked up by (urgent,
    # to_phone), so SQLite does not walk the status index over a district's every sent message.
    __table_args__ = (sa.Index("ix_outbound_message_urgent_to_phone", "urgent", "to_phone"),)


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_message"

    id: int | None = Field(default=None, primary_key=True)
    provider_sid: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    from_phone: str = Field(max_length=20, index=True)
    body: str = Field(max_length=1600)
    intent: ReplyIntentValue = Field(sa_column=enum_column(ReplyIntentValue))
    received_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class SmsOptOut(SQLModel, table=True):
    """A number that said STOP. Nothing is ever sent to it until it says START."""

    __tablename__ = "sms_opt_out"

    phone: str = Field(primary_key=True, max_length=20)
    opted_out_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    source: str = Field(default="sms", max_length=32)


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=64)
    pid: int
    host: str = Field(max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_beat_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    messages_sent: int = 0


class SmsSendSlot(SQLModel, table=True):
    """The account's SMS send schedule, shared by every worker (listening/sms/send_slots.py): one row, the
    earliest moment the next message may reach the provider.

    Epoch seconds, not a datetime: the slots are milliseconds apart and are computed in one SQL statement on
    both databases, which the dialects' date arithmetic cannot do alike."""

    __tablename__ = "sms_send_slot"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    next_at: float = Field(sa_type=sa.Double)

    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_sms_send_slot_one_row"),)
