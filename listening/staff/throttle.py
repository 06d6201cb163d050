"""Sign-in throttling with growing delays, kept in the database (table `sign_in_throttle`).

Failures are counted in buckets: one account from one client address, one address across accounts (someone trying
many usernames), and one account across addresses (many machines against one account). After a bucket's free
attempts each further failure makes the next attempt wait twice as long (1 s, 2 s, 4 s ... up to a cap); an attempt
before that moment is refused without its password counting. A browser in which the account signed in before (a
signed device cookie) has a bucket of its own instead, so strangers failing against an account never keep its owner
out. Nothing here tells the person which case they are in: the caller answers every refusal the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete

from listening.core.config import Settings, get_settings
from listening.models import SignInThrottle

UNKNOWN_ADDRESS = "unknown"
# The buckets that count across accounts or across addresses allow more before they slow anyone down.
WIDE_BUCKET_FREE_ATTEMPTS = 10


@dataclass(frozen=True)
class Bucket:
    key: str  # sha256, as stored
    free_attempts: int
    forget_on_success: bool  # the address bucket is not wiped by one good sign-in from that address


def _key(kind: str, *parts: object) -> str:
    return hashlib.sha256(":".join([kind, *map(str, parts)]).encode()).hexdigest()


def buckets_for(*, username: str, address: str | None, device: str | None,
                settings: Settings | None = None) -> list[Bucket]:
    """The buckets one attempt counts in. `device` is the known-browser id, only when it belongs to the account."""
    free = (settings or get_settings()).sign_in_free_attempts
    username = username.strip().lower()
    if device:
        return [Bucket(_key("device", username, device), free, True)]
    address = address or UNKNOWN_ADDRESS
    return [Bucket(_key("user+address", username, address), free, True),
            Bucket(_key("address", address), WIDE_BUCKET_FREE_ATTEMPTS, False),
            Bucket(_key("user", username), WIDE_BUCKET_FREE_ATTEMPTS, True)]


def _live(row: SignInThrottle | None, now: datetime, settings: Settings) -> bool:
    return row is not None and now - row.last_failure_at < timedelta(minutes=settings.sign_in_forget_minutes)


def waiting_until(session: Session, buckets: list[Bucket], *, now: datetime,
                  settings: Settings | None = None) -> datetime | None:
    """The moment before which an attempt in these buckets is refused, or None when it may go ahead now."""
    settings = settings or get_settings()
    latest = None
    for bucket in buckets:
        row = session.get(SignInThrottle, bucket.key, with_for_update=True, populate_existing=True)
        if _live(row, now, settings) and row.not_before and row.not_before > now:
            latest = max(latest or row.not_before, row.not_before)
    return latest


def count_failure(session: Session, buckets: list[Bucket], *, now: datetime,
                  settings: Settings | None = None) -> int:
    """One more failure in each bucket; returns the largest count. Safe when two processes fail at once."""
    settings = settings or get_settings()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    worst = 0
    for bucket in buckets:
        session.execute(insert(SignInThrottle).values(key=bucket.key, failures=0, last_failure_at=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
        row = session.get(SignInThrottle, bucket.key, with_for_update=True, populate_existing=True)
        if not _live(row, now, settings):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        over = row.failures - bucket.free_attempts
        row.not_before = (now + timedelta(seconds=min(settings.sign_in_max_delay_seconds, 2 ** min(over, 30)))
                          if over >= 0 else None)
        session.add(row)
        worst = max(worst, row.failures)
    # Forgotten buckets go, so a stream of made-up usernames cannot grow the table without end.
    session.execute(delete(SignInThrottle).where(
        col(SignInThrottle.last_failure_at) < now - timedelta(minutes=settings.sign_in_forget_minutes)))
    session.flush()
    return worst


def forget(session: Session, buckets: list[Bucket]) -> None:
    """A right password: its buckets start over (except the address-wide one)."""
    keys = [b.key for b in buckets if b.forget_on_success]
    if keys:
        session.execute(delete(SignInThrottle).where(col(SignInThrottle.key).in_(keys)))
