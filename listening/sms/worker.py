"""The SMS worker: sends due outbox rows exactly once, or tells a coordinator why not.

One pass (`Worker.run_once`):
0. move unacknowledged safeguarding escalations along their alert chain (listening/safeguarding/alerts.py): the
   next coordinators when every alert of a round failed, a re-alert round when one is due; the SMS they queue
   go out in this same pass;
1. reconcile orphans: rows left in "sending" by a crashed worker, or after an ambiguous outcome (timeout, 5xx),
   are looked up at the provider (`find_sent`, since the claim) BEFORE anything is resent (sms/reconcile.py);
2. expire what can no longer help (a reminder after the visit started), hold back opted-out numbers, and mark
   `not_sent` (with the reason) what quiet hours now hold until it expires;
3. claim a small batch of due rows, marking them "sending" in one committed statement
   (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several workers never claim the same row; SQLite: the claim is
   a single write statement, and SQLite has a single writer);
4. send each, through the account's send schedule that all workers share (listening/sms/send_slots.py), by
   `senders` threads so that a slow provider still gets the configured rate, and store the sid (or the reason)
   at once.

A row is "sending" from the claim until its outcome is stored; a crash in between leaves it "sending" with the
claimant's id, and the claimant's heartbeat (or, on the same host, its process id) shows it is gone.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from listening.core.config import Settings, get_settings
from listening.core.db import for_writing, get_engine, is_busy, migrate
from listening.models import MessageStatus, OutboundMessage, SmsOptOut, WorkerHeartbeat, utcnow
from listening.privacy import retention
from listening.safeguarding import alerts
from listening.sms import outbox, send_slots
from listening.sms.reconcile import ERROR_MAX, MAX_ATTEMPTS, Reconciling, backoff
from listening.sms.transport import (
    TWILIO_UNSUBSCRIBED_RECIPIENT,
    Accepted,
    NotSent,
    OutboxOnlyTransport,
    Rejected,
    Retryable,
    Transport,
    TwilioTransport,
)

log = logging.getLogger("listening.worker")

HEARTBEAT_EVERY = timedelta(seconds=2)
# A claimant whose heartbeat is older than this is taken for dead (its "sending" rows get reconciled).
MAX_SENDERS = 32
REFILL_FOR = timedelta(seconds=5)  # a pass tops its batch up this long, then expiry and reconciliation run again


def auto_senders(rate_per_second: float) -> int:
    """Enough sender threads for the full rate while each waits up to ~0.3 s for the provider's answer (one
    sender manages at most 1/latency messages per second)."""
    return max(1, min(MAX_SENDERS, math.ceil(rate_per_second * 0.3)))


def transport_from_settings(settings: Settings | None = None, *, pool_size: int | None = None) -> Transport:
    settings = settings or get_settings()
    if not settings.twilio_configured:
        return OutboxOnlyTransport()
    return TwilioTransport(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        from_number=None if settings.twilio_messaging_service_sid else settings.twilio_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        base_url=settings.twilio_base_url,
        pool_size=pool_size,
    )


def status_callback_url(settings: Settings | None = None) -> str | None:
    """Twilio can only call a public https address back; on localhost there is no callback."""
    settings = settings or get_settings()
    base = settings.public_base_url.rstrip("/")
    return f"{base}/api/sms/status" if base.startswith("https://") else None


@dataclass
class PassResult:
    sent: int = 0
    reconciled: int = 0
    expired: int = 0
    failed: int = 0
    retried: int = 0
    claimed: int = 0
    purged: int = 0  # texts emptied by the day's retention purge (privacy.retention)
    alerted: int = 0  # safeguarding alerts queued by this pass (the chain moving on, re-alerts)


class Worker(Reconciling):
    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        *,
        rate_per_second: float | None = None,
        batch_size: int | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        idle_sleep: float = 1.0,
        senders: int = 1,
        pace_clock: Callable[[], float] = time.time,
    ):
        self.engine = for_writing(engine)  # every pass writes: take SQLite's lock up front, wait for it in turn
        self.transport = transport
        self.rate_per_second = rate_per_second or get_settings().sms_rate_per_second
        self.batch_size = batch_size or max(1, min(50, int(self.rate_per_second)))
        self.host = socket.gethostname()[:100]
        self.worker_id = worker_id or f"{self.host[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.idle_sleep = idle_sleep
        self.stopping = threading.Event()
        self.status_callback = status_callback_url()
        self.senders = max(1, senders)
        # Epoch seconds shared by every worker on the host: the send schedule's clock (`clock` may be pinned).
        self.pace_clock = pace_clock
        self.slot_spacing = send_slots.spacing(self.rate_per_second)
        self._last_beat: datetime | None = None
        self._purged_on: date | None = None  # the local day the retention purge last ran

    # -- lifecycle -------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Until `stop()` (or SIGTERM/SIGINT through `install_signal_handlers`)."""
        self.beat(force=True)
        log.info("worker %s started (transport %s, %.1f msg/s for the account, %d senders)", self.worker_id,
                 self.transport.name, self.rate_per_second, self.senders)
        try:
            while not self.stopping.is_set():
                try:
                    result = self.run_once()
                except sa.exc.DBAPIError as error:
                    # A busy or restarting database is no reason to stop sending: wait, then try the pass again.
                    log.warning("pass interrupted by the database (%s%s); retrying", type(error.orig).__name__,
                                ", busy" if is_busy(error) else "")
                    self.stopping.wait(self.idle_sleep)
                    continue
                if result.claimed or result.reconciled or result.expired or result.alerted:
                    log.info("pass: %s", result)
                if result.claimed == 0 and result.reconciled == 0:
                    self.stopping.wait(self.idle_sleep)
        finally:
            self._remove_heartbeat()
            log.info("worker %s stopped", self.worker_id)

    def stop(self, *_args) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run_once(self) -> PassResult:
        result = PassResult()
        self.beat()
        result.purged = self.purge_once_a_day()
        result.alerted = alerts.advance_all(self.engine, clock=self.clock)
        result.reconciled = self.reconcile_orphans()
        result.expired = self.expire_and_hold()
        claimed = self.claim()
        result.claimed = len(claimed)
        self._send_all(claimed, result)
        return result

    def _send_all(self, claimed: list[int], result: PassResult) -> None:
        """The batch through `senders` threads; on a graceful stop (or an error) rows not yet handed to the
        provider go back to the queue untouched.

        With several senders the batch is topped up while they send (for up to REFILL_FOR): otherwise the
        schedule stands idle at the end of every batch while the last sends wait for the provider's answer."""
        pending = deque(claimed)
        more_coming = self.senders > 1
        ready = threading.Condition()
        errors: list[Exception] = []

        def next_message() -> int | None:
            with ready:
                while not pending and more_coming and not errors and not self.stopping.is_set():
                    ready.wait()
                if errors or self.stopping.is_set() or not pending:
                    return None
                return pending.popleft()

        def send_pending() -> None:
            while (message_id := next_message()) is not None:
                try:
                    outcome = self._send_one(message_id)
                except Exception as error:  # noqa: BLE001 - re-raised by the pass (a busy database: retried)
                    with ready:
                        errors.append(error)
                        ready.notify_all()
                    return
                log.debug("message %s: %s", message_id, outcome)
                if outcome is not None:
                    with ready:
                        setattr(result, outcome, getattr(result, outcome) + 1)

        threads = [threading.Thread(target=send_pending, name=f"sms-sender-{n}", daemon=True)
                   for n in range(min(self.senders, len(claimed)))]
        for thread in threads:
            thread.start()
        refill_until = self.pace_clock() + REFILL_FOR.total_seconds()
        try:
            while any(thread.is_alive() for thread in threads):
                if more_coming:
                    with ready:
                        low = len(pending) < self.senders
                    topping_up = low and not errors and not self.stopping.is_set() and self.pace_clock() < refill_until
                    fresh = self.claim() if topping_up else []
                    with ready:
                        pending.extend(fresh)
                        result.claimed += len(fresh)
                        more_coming = bool(fresh) or not low
                        ready.notify_all()
                alive = next((thread for thread in threads if thread.is_alive()), None)
                if alive is not None:
                    alive.join(0.05 if more_coming else HEARTBEAT_EVERY.total_seconds())
                self.beat()  # from this thread only: the heartbeat is not shared with the senders
        finally:
            with ready:
                more_coming = False
                ready.notify_all()
            for thread in threads:
                thread.join()
            if pending:
                self._release(list(pending))
        if errors:
            raise errors[0]

    def purge_once_a_day(self) -> int:
        """The retention purge, on the first pass of each local day (every worker may run it: it is idempotent)."""
        now = self.clock()
        today = now.astimezone(get_settings().tz).date()
        if self._purged_on == today:
            return 0
        with Session(self.engine) as session:
            counts = retention.purge(session, now=now)
            session.commit()
        self._purged_on = today
        if counts.total:
            log.info("retention purge: %s", counts.as_dict())
        return counts.total

    # -- heartbeat ---------------------------------------------------------------------------------------------

    def beat(self, *, force: bool = False) -> None:
        now = self.clock()
        if not force and self._last_beat is not None and now - self._last_beat < HEARTBEAT_EVERY:
            return
        with Session(self.engine) as session:
            row = session.get(WorkerHeartbeat, self.worker_id)
            if row is None:
                row = WorkerHeartbeat(worker_id=self.worker_id, pid=os.getpid(), host=self.host, started_at=now)
            row.last_beat_at = now
            session.add(row)
            session.commit()
        self._last_beat = now

    def _count_sent(self, session: Session) -> None:
        session.execute(
            sa.update(WorkerHeartbeat).where(col(WorkerHeartbeat.worker_id) == self.worker_id)
            .values(messages_sent=WorkerHeartbeat.messages_sent + 1)
        )

    def _remove_heartbeat(self) -> None:
        with Session(self.engine) as session:
            row = session.get(WorkerHeartbeat, self.worker_id)
            if row is not None:
                session.delete(row)
                session.commit()

    # -- expiry and opt-outs -----------------------------------------------------------------------------------

    def expire_and_hold(self) -> int:
        now = self.clock()
        with Session(self.engine) as session:
            expired = session.execute(
                sa.update(OutboundMessage)
                .where(OutboundMessage.status == MessageStatus.queued)
                .where(col(OutboundMessage.expires_at).is_not(None), col(OutboundMessage.expires_at) <= now)
                .values(status=MessageStatus.expired, updated_at=now)
            ).rowcount
            session.execute(
                sa.update(OutboundMessage)
                .where(OutboundMessage.status == MessageStatus.queued)
                .where(col(OutboundMessage.to_phone).in_(select(SmsOptOut.phone)))
                .values(status=MessageStatus.not_sent, error_message=outbox.OPTED_OUT, updated_at=now)
            )
            expired += self._hold_for_quiet_hours(session, now)
            session.commit()
        return expired

    @staticmethod
    def _hold_for_quiet_hours(session: Session, now: datetime) -> int:
        """Non-urgent rows quiet hours now hold until they expire (a retry or a late worker pushed them into the
        window): `not_sent` with the reason at once, never a silent expiry at the visit."""
        if not outbox.in_quiet_hours(now):
            return 0
        doomed = (
            sa.update(OutboundMessage)
            .where(OutboundMessage.status == MessageStatus.queued, col(OutboundMessage.urgent).is_(False))
            .where(col(OutboundMessage.expires_at).is_not(None), col(OutboundMessage.expires_at) > now)
            .where(col(OutboundMessage.expires_at) <= outbox.after_quiet_hours(now))
        )
        is_reminder = col(OutboundMessage.kind).in_(sorted(outbox.REMINDER_KINDS))
        return (
            session.execute(doomed.where(is_reminder).values(
                status=MessageStatus.not_sent, error_message=outbox.QUIET_REMINDER_SKIPPED, updated_at=now)).rowcount
            + session.execute(doomed.where(sa.not_(is_reminder)).values(
                status=MessageStatus.not_sent, error_message=outbox.QUIET_PHONE_INSTEAD, updated_at=now)).rowcount
        )

    # -- claim and send ----------------------------------------------------------------------------------------

    def claim(self) -> list[int]:
        now = self.clock()
        with Session(self.engine) as session:
            due = (
                select(OutboundMessage.id)
                .where(OutboundMessage.status == MessageStatus.queued, col(OutboundMessage.due_at) <= now)
                .order_by(col(OutboundMessage.urgent).desc(), col(OutboundMessage.due_at), col(OutboundMessage.id))
                .limit(self.batch_size)
            )
            if outbox.in_quiet_hours(now):
                due = due.where(col(OutboundMessage.urgent).is_(True))
            if self.engine.dialect.name == "postgresql":
                # Lock the batch first, skipping rows another worker holds. (Inside `UPDATE ... IN (subquery)`
                # PostgreSQL may run the subquery more than once and claim past the LIMIT.)
                chosen = list(session.execute(due.with_for_update(skip_locked=True)).scalars())
                if not chosen:
                    return []
                target = col(OutboundMessage.id).in_(chosen)
            else:
                # SQLite: one write statement (the IN subquery is materialised once); SQLite has one writer.
                target = col(OutboundMessage.id).in_(due.scalar_subquery())
            claimed = session.execute(
                sa.update(OutboundMessage)
                .where(target)
                .where(OutboundMessage.status == MessageStatus.queued)
                .values(status=MessageStatus.sending, claimed_at=now, claimed_by=self.worker_id,
                        attempts=OutboundMessage.attempts + 1, updated_at=now)
                .returning(OutboundMessage.id)
            ).scalars().all()
            session.commit()
        return sorted(claimed)

    def _release(self, message_ids: list[int]) -> None:
        with Session(self.engine) as session:
            session.execute(
                sa.update(OutboundMessage)
                .where(col(OutboundMessage.id).in_(message_ids), OutboundMessage.status == MessageStatus.sending)
                .where(OutboundMessage.claimed_by == self.worker_id)
                .values(status=MessageStatus.queued, claimed_by=None, attempts=OutboundMessage.attempts - 1)
            )
            session.commit()

    def _wait_for_slot(self) -> bool:
        """Reserve the account's next send slot and sleep until it; False if the worker is stopping.

        A sender that wakes too late for its slot leaves it unused and takes another: sending late would crowd
        the slot after it (send_slots.LATE_START)."""
        while True:
            slot = send_slots.reserve(self.engine, now=self.pace_clock(), spacing_seconds=self.slot_spacing)
            while (delay := slot - self.pace_clock()) > 0:
                if self.stopping.wait(delay):
                    return False
            if self.pace_clock() - slot <= send_slots.LATE_START:
                return True
            if self.stopping.is_set():
                return False

    def _send_one(self, message_id: int) -> str | None:
        """Send one claimed row and store the outcome: the PassResult field to count, None if it went back to
        the queue unsent (the worker is stopping)."""
        with Session(self.engine) as session:
            message = session.get(OutboundMessage, message_id)
            opted_out = outbox.is_opted_out(session, phone=message.to_phone)
        if opted_out:  # the number said STOP after the claim
            self._store(message_id, status=MessageStatus.not_sent, claimed_by=None, error_message=outbox.OPTED_OUT)
            return "failed"
        try:
            slot_taken = self._wait_for_slot()
        except Exception:
            self._release([message_id])  # nothing reached the provider: the row must not stay "sending"
            raise
        if not slot_taken:
            self._release([message_id])
            return None
        outcome = self.transport.send(message.to_phone, message.body, status_callback=self.status_callback)
        now = self.clock()
        if isinstance(outcome, Accepted):
            self._store(message_id, status=MessageStatus.sent, provider=self.transport.name,
                        provider_sid=outcome.provider_sid, segments=outcome.segments or message.segments,
                        sent_at=now, error_code=None, error_message=None, count_sent=True)
            return "sent"
        if isinstance(outcome, NotSent):
            self._store(message_id, status=MessageStatus.not_sent, provider=self.transport.name,
                        error_message=outcome.reason)
            return "failed"
        if isinstance(outcome, Rejected):
            self._store(message_id, status=MessageStatus.failed, provider=self.transport.name,
                        error_code=_code(outcome.code), error_message=outcome.message[:ERROR_MAX],
                        opt_out=outcome.code == TWILIO_UNSUBSCRIBED_RECIPIENT)
            return "failed"
        assert isinstance(outcome, Retryable)
        if outcome.ambiguous:
            # Maybe sent: stays "sending", unclaimed, and is reconciled with find_sent after the backoff.
            self._store(message_id, status=MessageStatus.sending, claimed_by=None,
                        due_at=now + backoff(message.attempts), error_code=_code(outcome.code),
                        error_message=outcome.reason[:ERROR_MAX])
            return "retried"
        if message.attempts >= MAX_ATTEMPTS:
            self._store(message_id, status=MessageStatus.failed, claimed_by=None, error_code=_code(outcome.code),
                        error_message=outcome.reason[:ERROR_MAX])
            return "failed"
        self._store(message_id, status=MessageStatus.queued, claimed_by=None,
                    due_at=now + backoff(message.attempts), error_code=_code(outcome.code),
                    error_message=outcome.reason[:ERROR_MAX])
        return "retried"

    def _store(self, message_id: int, *, count_sent: bool = False, opt_out: bool = False, **values) -> None:
        """Record an outcome, only while this worker still holds the row."""
        with Session(self.engine) as session:
            message = session.get(OutboundMessage, message_id)
            if message is None or message.status != MessageStatus.sending or message.claimed_by != self.worker_id:
                log.warning("message %s changed hands; outcome %s not stored", message_id, values.get("status"))
                return
            for name, value in values.items():
                setattr(message, name, value)
            message.updated_at = self.clock()
            session.add(message)
            if count_sent:
                self._count_sent(session)
            if opt_out and session.get(SmsOptOut, message.to_phone) is None:
                session.add(SmsOptOut(phone=message.to_phone, source="provider"))
            session.commit()


def _code(code: int | None) -> str | None:
    return None if code is None else str(code)


def main(*, once: bool = False) -> int:
    """`python -m listening worker`: run until SIGTERM/SIGINT."""
    migrate()
    # alembic's fileConfig disables the loggers that exist already; the worker's own log must stay on.
    log.disabled = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)
    # twilio's HTTP client logs every request, phone numbers included, at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = get_settings()
    senders = settings.sms_senders or auto_senders(settings.sms_rate_per_second)
    # A sender waking for its slot waits for the interpreter lock while others build queries; a shorter switch
    # interval (default 5 ms) keeps that wait, and so a send's lateness after its slot, small (send_slots).
    sys.setswitchinterval(0.001)
    worker = Worker(get_engine(), transport_from_settings(settings, pool_size=senders), senders=senders)
    worker.install_signal_handlers()
    if once:
        worker.beat(force=True)
        try:
            worker.run_once()
        finally:
            worker._remove_heartbeat()
        return 0
    worker.run()
    return 0
