"""The SMS worker's crash recovery (step 1 of a pass, listening/sms/worker.py): rows left in "sending" by a worker
that is gone, or after an ambiguous outcome (a timeout, a 5xx), are looked up at the provider before anything is
sent again, so a message is never sent twice and never silently lost.

A claimant is gone when its heartbeat is older than CLAIMANT_DEAD_AFTER, or when it ran on this host and its
process no longer exists.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.models import MessageStatus, OutboundMessage, WorkerHeartbeat
from listening.sms.transport import ProviderLookupError

log = logging.getLogger("listening.worker")

MAX_ATTEMPTS = 6
CLAIMANT_DEAD_AFTER = timedelta(seconds=15)
ERROR_MAX = 300


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... capped at 30 min."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


class Reconciling:
    """The Worker's reconciliation; it expects the Worker's engine, clock, worker_id, host, batch_size, transport
    and _store."""

    def _dead_claimants(self, session: Session, now: datetime) -> set[str]:
        alive: set[str] = set()
        for beat in session.exec(select(WorkerHeartbeat)):
            if beat.worker_id == self.worker_id:
                alive.add(beat.worker_id)
            elif now - beat.last_beat_at < CLAIMANT_DEAD_AFTER and not (
                beat.host == self.host and not _process_alive(beat.pid)
            ):
                alive.add(beat.worker_id)
        claimants = set(session.exec(
            select(OutboundMessage.claimed_by).distinct()
            .where(OutboundMessage.status == MessageStatus.sending, col(OutboundMessage.claimed_by).is_not(None))
        ))
        return claimants - alive

    def reconcile_orphans(self) -> int:
        """Rows in "sending" nobody is working on: ask the provider whether they exist before any resend."""
        now = self.clock()
        with Session(self.engine) as session:
            dead = self._dead_claimants(session, now)
            orphan_ids = list(session.exec(
                select(OutboundMessage.id)
                .where(OutboundMessage.status == MessageStatus.sending)
                .where(sa.or_(col(OutboundMessage.claimed_by).is_(None), col(OutboundMessage.claimed_by).in_(dead)))
                .where(col(OutboundMessage.due_at) <= now)
                .order_by(col(OutboundMessage.id))
                .limit(self.batch_size)
            ))
        done = 0
        for message_id in orphan_ids:
            if self._reconcile_one(message_id, dead):
                done += 1
        return done

    def _reconcile_one(self, message_id: int, dead: set[str]) -> bool:
        # Take the row over first (one conditional UPDATE), so two workers never reconcile it together.
        now = self.clock()
        with Session(self.engine) as session:
            taken = session.execute(
                sa.update(OutboundMessage)
                .where(col(OutboundMessage.id) == message_id, OutboundMessage.status == MessageStatus.sending)
                .where(sa.or_(col(OutboundMessage.claimed_by).is_(None), col(OutboundMessage.claimed_by).in_(dead)))
                .values(claimed_by=self.worker_id, updated_at=now)
            ).rowcount
            session.commit()
            if not taken:
                return False
            message = session.get(OutboundMessage, message_id)
            known_sids = set(session.exec(
                select(OutboundMessage.provider_sid)
                .where(OutboundMessage.to_phone == message.to_phone, col(OutboundMessage.provider_sid).is_not(None))
            ))
        since = message.claimed_at or message.created_at
        try:
            found = [m for m in self.transport.find_sent(message.to_phone, since, message.body)
                     if m.sid not in known_sids]
        except ProviderLookupError as error:
            # Cannot tell: leave it "sending" (never resend blindly) and ask again later.
            self._store(message_id, status=MessageStatus.sending, claimed_by=None,
                        due_at=now + backoff(message.attempts), error_message=str(error))
            return False
        if found:
            match = min(found, key=lambda m: m.date_created or now)
            self._store(message_id, status=MessageStatus.sent, provider=self.transport.name,
                        provider_sid=match.sid, segments=match.segments or message.segments,
                        sent_at=match.date_created or now, error_code=None, error_message=None)
            log.info("message %s was sent before the interruption; recorded, not resent", message_id)
            return True
        if message.attempts >= MAX_ATTEMPTS:
            self._store(message_id, status=MessageStatus.failed, claimed_by=None,
                        error_message=(message.error_message or "no answer from the provider")[:ERROR_MAX])
            return True
        # The provider never got it: it may be sent again.
        self._store(message_id, status=MessageStatus.queued, claimed_by=None, due_at=now)
        return True


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
