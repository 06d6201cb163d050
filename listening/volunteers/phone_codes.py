"""Proving a phone number on a public form: a one-time code by SMS, typed back on the page.

The SMS carries the code and nothing to reply to (Twilio takes no replies from +86) and no URL. Codes are
limited per number and per client address, counted in the table itself; asking again replaces the earlier code.
Only keyed hashes are kept (of the number, the address and the code); once used, the code is masked in the
outbox too, so the SMS page never shows a usable one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlmodel import Session, col, func, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidInput
from listening.core.i18n import N_
from listening.models import MessageKind, MessageStatus, PhoneCode, RecipientKind, utcnow
from listening.models.invites import CODE_DIGITS, MASKED_CODE
from listening.residents import limits
from listening.sms import outbox, templates

CODE_VALID = timedelta(minutes=15)
MAX_WRONG_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)  # a second code within a minute is almost always a double press
PER_PHONE_PER_HOUR = 3
PER_ADDRESS_PER_HOUR = 10


@dataclass(frozen=True)
class CodeSent:
    masked_phone: str
    expires_at: datetime
    sms_blocked: bool  # the number opted out of SMS: no code can reach it; the page gives the centre's phone


def mobile_number(raw: str | None, *, field: str = "phone") -> str:
    """The E.164 form of a number that can take an SMS, or an InvalidInput saying what is wrong."""
    phone = phones.normalise(raw, field=field)
    if phonenumbers.number_type(phonenumbers.parse(phone, None)) not in (PhoneNumberType.MOBILE,
                                                                          PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidInput(N_("The code comes by text message: please give a mobile number."), field=field)
    return phone


def send_code(session: Session, *, phone: str, client_address: str, locale: str,
              now: datetime | None = None) -> CodeSent:
    """Queue a new code for `phone` (raw, as typed); any earlier code for it stops working."""
    now = now or utcnow()
    e164 = mobile_number(phone)
    phone_key, client_key = limits.phone_key(e164), limits.client_key(client_address)
    limits.serialise(session)  # two presses at once must not both pass under a limit
    hour_ago = now - timedelta(hours=1)
    latest = session.exec(select(PhoneCode).where(PhoneCode.phone_key == phone_key)
                          .order_by(col(PhoneCode.created_at).desc(), col(PhoneCode.id).desc())).first()
    if latest is not None and latest.used_at is None and now - latest.created_at < RESEND_AFTER:
        raise IllegalTransition(N_("A code was sent less than a minute ago. Please wait a moment for it to arrive "
                                   "before asking for another."))
    if (_count(session, PhoneCode.phone_key == phone_key, col(PhoneCode.created_at) > hour_ago) >= PER_PHONE_PER_HOUR
            or _count(session, PhoneCode.client_key == client_key,
                      col(PhoneCode.created_at) > hour_ago) >= PER_ADDRESS_PER_HOUR):
        raise IllegalTransition(N_("Too many codes were asked for. Please try again in an hour, or call the centre "
                                   "on {phone}."), phone=get_settings().centre_phone)
    for earlier in _open_codes(session, phone_key):
        _close(session, earlier, now=now, used=False)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PhoneCode(phone_key=phone_key, client_key=client_key, code_hash=_code_hash(phone_key, code),
                    created_at=now, expires_at=now + CODE_VALID)
    session.add(row)
    session.flush()
    message = outbox.enqueue(session, kind=MessageKind.application_code, recipient_kind=RecipientKind.applicant,
                             to_phone=e164, body=_body(e164, code, locale), dedupe_key=_dedupe_key(row),
                             locale=locale,
                             due_at=now, expires_at=row.expires_at, now=now,
                             urgent=True)  # the person is waiting at the page for it, even late at night
    audit.record(session, actor_id=None, action=AuditAction.phone_code_sent, entity="phone_code", entity_id=row.id,
                 at=now)  # no number in the details
    return CodeSent(masked_phone=phones.mask(e164), expires_at=row.expires_at,
                    sms_blocked=message is None or message.status == MessageStatus.not_sent)


def use_code(session: Session, *, phone: str, code: str, now: datetime | None = None) -> None:
    """Check the code typed for `phone` (E.164) and use it up. A wrong code counts, and is committed, before the
    error is raised: reloading the page cannot reset the count."""
    now = now or utcnow()
    phone_key = limits.phone_key(phone)
    # Locked: two presses of "send" at once must not both use the code (SQLite's writers queue already).
    live = next(iter(_open_codes(session, phone_key, lock=True)), None)
    if live is None:
        raise InvalidInput(N_("There is no code waiting for this number. Please ask for a code first."),
                           field="code")
    if now >= live.expires_at:
        raise InvalidInput(N_("This code has expired. Please ask for a new one."), field="code")
    if not hmac.compare_digest(live.code_hash, _code_hash(phone_key, normalise_code(code))):
        live.wrong_attempts += 1
        burnt = live.wrong_attempts >= MAX_WRONG_ATTEMPTS
        if burnt:
            _close(session, live, now=now, used=False)
        session.add(live)
        audit.record(session, actor_id=None, action=AuditAction.phone_code_failed, entity="phone_code",
                     entity_id=live.id, details={"wrong_attempts": live.wrong_attempts}, at=now)
        session.commit()
        if burnt:
            raise InvalidInput(N_("The code was typed wrong too often and no longer works. Please ask for a new "
                                  "one."), field="code")
        raise InvalidInput(N_("This code is not right. Please check the text message and type it again."),
                           field="code")
    _close(session, live, now=now, used=True)


def normalise_code(code: str | None) -> str:
    """The digits as typed: full-width digits, spaces and dashes allowed."""
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", code or ""))


def code_problem(code: str | None) -> InvalidInput | None:
    digits = normalise_code(code)
    if not (digits.isascii() and digits.isdigit() and len(digits) == CODE_DIGITS):
        return InvalidInput(N_("The code in the text message has {n} digits."), field="code", n=CODE_DIGITS)
    return None


def _count(session: Session, *conditions) -> int:
    return session.exec(select(func.count()).select_from(PhoneCode).where(*conditions)).one()


def _open_codes(session: Session, phone_key: str, *, lock: bool = False) -> list[PhoneCode]:
    query = (select(PhoneCode).where(PhoneCode.phone_key == phone_key, col(PhoneCode.used_at).is_(None),
                                     col(PhoneCode.revoked_at).is_(None))
             .order_by(col(PhoneCode.created_at).desc(), col(PhoneCode.id).desc()))
    return list(session.exec(query.with_for_update() if lock else query))


def _close(session: Session, row: PhoneCode, *, now: datetime, used: bool) -> None:
    """The code stops working; its SMS, if still queued, is not sent, and the outbox keeps no usable code."""
    if used:
        row.used_at = now
    else:
        row.revoked_at = now
    session.add(row)
    outbox.withdraw_code(session, dedupe_key=_dedupe_key(row), now=now,
                         masked_body=lambda message: _body(message.to_phone, MASKED_CODE, message.locale))


def _body(phone: str, code: str, locale: str) -> str:
    return templates.render(MessageKind.application_code, locale=locale, to_phone=phone, recipient="applicant",
                            code=code, minutes=int(CODE_VALID.total_seconds() // 60))


def _dedupe_key(row: PhoneCode) -> str:
    return f"phone_code:{row.id}"


def _code_hash(phone_key: str, code: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"phone-code:{phone_key}:{code}".encode(), hashlib.sha256).hexdigest()
