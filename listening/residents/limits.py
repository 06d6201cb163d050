"""The public form's limits, counted in the database: per client address, per phone number, and an hourly cap on
"request received" SMS to numbers the centre has never seen. A request over a limit is still stored (a person
in need is never turned away); only its confirmation SMS is held, and triage shows the reason."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from listening.core.config import get_settings
from listening.models import IntakeAttempt, SmsHold

KEEP = timedelta(days=2)  # longer than every window below


def _key(kind: str, value: str) -> str:
    """A keyed hash: the table can be counted, but an address or number cannot be read back from it."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def client_key(address: str) -> str:
    return _key("client", address or "unknown")


def phone_key(e164: str) -> str:
    return _key("phone", e164)


def serialise(session: Session) -> None:
    """Two submissions at once must not both take the last place under a cap (the public form's, or a phone
    code's: listening/volunteers/phone_codes.py). SQLite writers already queue
    (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('listening.intake_limits'))"))


def _count(session: Session, *conditions) -> int:
    return session.exec(select(func.count()).select_from(IntakeAttempt).where(*conditions)).one()


def sms_hold(session: Session, *, client: str, phone: str, new_number: bool, now: datetime) -> SmsHold | None:
    """Why the confirmation SMS of this submission must not be queued, or None. Counts earlier submissions only."""
    settings = get_settings()
    serialise(session)
    if _count(session, IntakeAttempt.client_key == client,
              col(IntakeAttempt.at) > now - timedelta(hours=1)) >= settings.intake_per_address_per_hour:
        return SmsHold.per_address
    if _count(session, IntakeAttempt.phone_key == phone,
              col(IntakeAttempt.at) > now - timedelta(days=1)) >= settings.intake_per_phone_per_day:
        return SmsHold.per_phone
    if new_number and _count(session, col(IntakeAttempt.new_number).is_(True), col(IntakeAttempt.sms_queued).is_(True),
                             col(IntakeAttempt.at) > now - timedelta(hours=1)) >= settings.intake_new_number_sms_per_hour:
        return SmsHold.new_numbers
    return None


def record(session: Session, *, client: str, phone: str, new_number: bool, sms_queued: bool, now: datetime) -> None:
    """Count this submission, and forget counts older than the longest window (a day) on the way."""
    session.execute(sa.delete(IntakeAttempt).where(col(IntakeAttempt.at) < now - KEEP))
    session.add(IntakeAttempt(at=now, client_key=client, phone_key=phone, new_number=new_number,
                              sms_queued=sms_queued))
