"""Sign-in, sessions and permission checks for coordinators and volunteers (residents have no account).

Passwords are hashed with scrypt. The browser keeps a signed, HttpOnly cookie that holds a random session token;
the database keeps only the token's SHA-256, with idle and absolute expiry checked on every use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlmodel import Session, select

from listening.core import audit, db
from listening.core.audit import AuditAction
from listening.core.config import Settings, get_settings
from listening.core.errors import AuthError, InvalidInput
from listening.core.i18n import N_
from listening.models import Account, AuthSession, Role, utcnow

SESSION_COOKIE = "lh_session"
TICKET_SECONDS = 60
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10


# ----- passwords ----------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)


# Compared against when the username is unknown, so response time does not reveal which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password")


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            N_("The password must be at least {n} characters long."), field="password", n=MIN_PASSWORD_LENGTH
        )


# ----- accounts -----------------------------------------------------------------------------------------------


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    role: Role,
    phone: str | None = None,
    actor_id: int | None = None,
) -> Account:
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise InvalidInput(N_("Choose a username of 1 to 64 characters."), field="username")
    check_new_password(password)
    if session.exec(select(Account).where(Account.username == username)).first():
        raise InvalidInput(N_("The username {username} is already taken."), field="username", username=username)
    account = Account(
        username=username, password_hash=hash_password(password), display_name=display_name, role=role, phone=phone
    )
    session.add(account)
    session.flush()
    audit.record(session, actor_id=actor_id, action=AuditAction.account_created, entity="account", entity_id=account.id,
                 details={"role": role.value})
    return account


def authenticate(session: Session, *, username: str, password: str, now: datetime | None = None,
                 settings: Settings | None = None) -> Account:
    """Check a password; count failures and lock the account after too many. Raises AuthError."""
    account = _account_named(session, username)
    stored = account.password_hash if account else _DUMMY_HASH
    return _record_attempt(session, username=username, matched_hash=stored if verify_password(password, stored) else None,
                           now=now, settings=settings)


def _account_named(session: Session, username: str) -> Account | None:
    return session.exec(select(Account).where(Account.username == username.strip().lower())).first()


def _record_attempt(session: Session, *, username: str, matched_hash: str | None, now: datetime | None,
                    settings: Settings | None) -> Account:
    """The outcome of a password check already made: `matched_hash` is the stored hash the password matched (None if
    it matched nothing). A hash changed since (a reset in between) counts as a wrong password."""
    settings = settings or get_settings()
    now = now or utcnow()
    account = _account_named(session, username)
    if account is None:
        raise AuthError(N_("Wrong username or password."))
    if account.locked_until and account.locked_until > now:
        minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(N_("Too many failed attempts. Try again in {minutes} minutes."), minutes=minutes)
    if matched_hash is None or not hmac.compare_digest(matched_hash, account.password_hash):
        account.failed_logins += 1
        details = {"failed_logins": account.failed_logins}
        if account.failed_logins >= settings.max_failed_logins:
            account.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            account.failed_logins = 0
            audit.record(session, actor_id=None, action=AuditAction.account_locked, entity="account", entity_id=account.id,
                         details=details, at=now)
            session.add(account)
            session.commit()  # the failure must count even though we raise
            raise AuthError(N_("Too many failed attempts. Try again in {minutes} minutes."),
                            minutes=settings.lockout_minutes)
        audit.record(session, actor_id=None, action=AuditAction.auth_failed, entity="account", entity_id=account.id,
                     details=details, at=now)
        session.add(account)
        session.commit()
        raise AuthError(N_("Wrong username or password."))
    if not account.is_active:
        raise AuthError(N_("This account is disabled. Ask a coordinator."))
    account.failed_logins = 0
    account.locked_until = None
    session.add(account)
    return account


# ----- sessions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the signed cookie; never stored
    ticket: str  # one-time, short-lived: lets the browser fetch the cookie from /auth/session


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _signer(settings: Settings | None = None) -> Signer:
    return Signer((settings or get_settings()).secret_key, salt="listening.session")


def sign_in(*, username: str, password: str, now: datetime | None = None) -> tuple[Account, NewSession]:
    """Check the password, then open a session, in transactions of its own.

    scrypt takes about 50 ms by design, and on SQLite nobody else can write while a write transaction is open; so
    the hash is read and checked first, outside any write, and the short write transaction after it only records
    the outcome (32 sign-ins at once would otherwise queue 1.6 s of hashing behind the one write lock).
    """
    with db.read_scope() as session:
        account = _account_named(session, username)
        stored = account.password_hash if account else _DUMMY_HASH
    matched_hash = stored if verify_password(password, stored) else None
    return db.transaction(lambda session: _open_session(session, username=username, matched_hash=matched_hash,
                                                        now=now or utcnow()))


def _open_session(session: Session, *, username: str, matched_hash: str | None,
                  now: datetime) -> tuple[Account, NewSession]:
    account = _record_attempt(session, username=username, matched_hash=matched_hash, now=now, settings=None)
    token, ticket = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(AuthSession(id=_sha256(token), account_id=account.id, created_at=now, last_seen_at=now,
                            ticket_hash=_sha256(ticket), ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS)))
    audit.record(session, actor_id=account.id, action=AuditAction.auth_signed_in, entity="account", entity_id=account.id, at=now)
    return account, NewSession(token=token, ticket=ticket)


def redeem_ticket(session: Session, *, ticket: str, now: datetime | None = None) -> str | None:
    """Exchange a one-time ticket for the signed cookie value, or None if it is unknown, used or stale.

    The ticket travels in a URL, so it is single-use and short-lived; redeeming it rotates the session to a fresh
    token that only the HttpOnly cookie ever holds (the page that signed in reloads from that cookie).
    """
    now = now or utcnow()
    auth_session = session.exec(select(AuthSession).where(AuthSession.ticket_hash == _sha256(ticket))).first()
    if auth_session is None or auth_session.revoked_at or not auth_session.ticket_expires_at:
        return None
    if auth_session.ticket_expires_at < now:
        return None
    token = secrets.token_urlsafe(32)
    replacement = AuthSession(id=_sha256(token), account_id=auth_session.account_id, created_at=auth_session.created_at,
                              last_seen_at=now)
    session.delete(auth_session)
    session.flush()
    session.add(replacement)
    return _signer().sign(token).decode()


def token_from_cookie(cookie_value: str | None) -> str | None:
    if not cookie_value:
        return None
    try:
        return _signer().unsign(cookie_value).decode()
    except BadSignature:
        return None


# Writing last_seen on every rerun would make every click a write; once a minute is enough for idle expiry.
_TOUCH_EVERY = timedelta(seconds=60)


def resume(session: Session, *, token: str, now: datetime | None = None, settings: Settings | None = None) -> Account | None:
    """The account behind a live session token, or None if it is unknown, revoked, idle too long or too old."""
    settings = settings or get_settings()
    now = now or utcnow()
    auth_session = session.get(AuthSession, _sha256(token))
    if auth_session is None or auth_session.revoked_at is not None:
        return None
    idle_limit = auth_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    absolute_limit = auth_session.created_at + timedelta(hours=settings.session_max_hours)
    if now > idle_limit or now > absolute_limit:
        auth_session.revoked_at = now
        session.add(auth_session)
        audit.record(session, actor_id=auth_session.account_id, action=AuditAction.auth_expired, entity="account",
                     entity_id=auth_session.account_id, at=now)
        return None
    account = session.get(Account, auth_session.account_id)
    if account is None or not account.is_active:
        return None
    if now - auth_session.last_seen_at >= _TOUCH_EVERY:
        auth_session.last_seen_at = now
        session.add(auth_session)
    return account


def sign_out(session: Session, *, token: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    auth_session = session.get(AuthSession, _sha256(token))
    if auth_session is None or auth_session.revoked_at is not None:
        return
    auth_session.revoked_at = now
    session.add(auth_session)
    audit.record(session, actor_id=auth_session.account_id, action=AuditAction.auth_signed_out, entity="account",
                 entity_id=auth_session.account_id, at=now)
