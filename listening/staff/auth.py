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
from listening.staff import throttle

SESSION_COOKIE = "lh_session"
DEVICE_COOKIE = "lh_device"  # signed: this browser signed in to this account before (see device_of)
BROWSER_COOKIE = "lh_browser"  # random, set on every first response: binds a sign-in ticket to its browser
DEVICE_COOKIE_DAYS = 180
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


# An invited volunteer's account until a one-time code sets a password (listening.staff.invites): no password
# matches it, since it is no scrypt hash.
UNUSABLE_PASSWORD = "!not-set"


def has_password(account: Account) -> bool:
    return account.password_hash != UNUSABLE_PASSWORD


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


def authenticate(session: Session, *, username: str, password: str, address: str | None = None,
                 device_cookie: str | None = None, now: datetime | None = None,
                 settings: Settings | None = None) -> Account:
    """Check a password within throttling (listening.staff.throttle). Raises AuthError.

    Every attempt costs one scrypt, whether the account exists, the password is wrong or the attempt is throttled,
    and those three get the same message, so neither the answer nor its timing says which it was.
    """
    account = _account_named(session, username)
    stored = account.password_hash if account else _DUMMY_HASH
    return _record_attempt(session, username=username, matched_hash=stored if verify_password(password, stored) else None,
                           address=address, device_cookie=device_cookie, now=now or utcnow(), settings=settings)


def _account_named(session: Session, username: str) -> Account | None:
    return session.exec(select(Account).where(Account.username == username.strip().lower())).first()


WRONG_CREDENTIALS = N_("Wrong username or password.")


def _record_attempt(session: Session, *, username: str, matched_hash: str | None, address: str | None,
                    device_cookie: str | None, now: datetime, settings: Settings | None) -> Account:
    """The outcome of a password check already made: `matched_hash` is the stored hash the password matched (None if
    it matched nothing). A hash changed since (a reset in between) counts as a wrong password."""
    settings = settings or get_settings()
    account = _account_named(session, username)
    device = device_of(device_cookie, account) if account else None
    buckets = throttle.buckets_for(username=username, address=address, device=device, settings=settings)
    if throttle.waiting_until(session, buckets, now=now, settings=settings):
        raise AuthError(WRONG_CREDENTIALS)  # the password was checked all the same: same work, same answer
    if account is None or matched_hash is None or not hmac.compare_digest(matched_hash, account.password_hash):
        failures = throttle.count_failure(session, buckets, now=now, settings=settings)
        if account is not None:
            audit.record(session, actor_id=None, action=AuditAction.auth_failed, entity="account",
                         entity_id=account.id, details={"failures": failures, "known_browser": device is not None},
                         at=now)
        session.commit()  # the failure must count even though we raise
        raise AuthError(WRONG_CREDENTIALS)
    if not account.is_active:
        raise AuthError(N_("This account is disabled. Ask a coordinator."))
    throttle.forget(session, buckets)
    return account


# ----- known browsers -----------------------------------------------------------------------------------------


def _device_signer(settings: Settings | None = None) -> Signer:
    return Signer((settings or get_settings()).secret_key, salt="listening.device")


def new_device_cookie(account_id: int) -> str:
    """Set in a browser after the account signed in there: that browser is known to the account from then on."""
    return _device_signer().sign(f"{account_id}.{secrets.token_urlsafe(16)}").decode()


def device_of(cookie_value: str | None, account: Account) -> str | None:
    """The browser's id when the signed device cookie belongs to `account`, else None."""
    if not cookie_value:
        return None
    try:
        account_id, _, device = _device_signer().unsign(cookie_value).decode().partition(".")
    except BadSignature:
        return None
    return device if device and account_id == str(account.id) else None


# ----- sessions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the signed cookie; never stored
    ticket: str | None  # one-time, short-lived, bound to its browser: lets it fetch the cookie from /auth/session


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _signer(settings: Settings | None = None) -> Signer:
    return Signer((settings or get_settings()).secret_key, salt="listening.session")


def sign_in(*, username: str, password: str, address: str | None = None, device_cookie: str | None = None,
            browser: str | None = None, now: datetime | None = None) -> tuple[Account, NewSession]:
    """Check the password, then open a session, in transactions of its own.

    `address` is the client address, `device_cookie` the browser's DEVICE_COOKIE and `browser` its BROWSER_COOKIE:
    the ticket only works when redeemed with that same browser cookie (no login CSRF), and without one no ticket is
    issued (the session then lasts as long as the page).

    scrypt takes about 50 ms by design, and on SQLite nobody else can write while a write transaction is open; so
    the hash is read and checked first, outside any write, and the short write transaction after it only records
    the outcome (32 sign-ins at once would otherwise queue 1.6 s of hashing behind the one write lock).
    """
    with db.read_scope() as session:
        account = _account_named(session, username)
        stored = account.password_hash if account else _DUMMY_HASH
    matched_hash = stored if verify_password(password, stored) else None
    return db.transaction(lambda session: _open_session(
        session, username=username, matched_hash=matched_hash, address=address, device_cookie=device_cookie,
        browser=browser, now=now or utcnow()))


def _ticket_hash(ticket: str, browser: str) -> str:
    return _sha256(f"{ticket}:{browser}")


def _open_session(session: Session, *, username: str, matched_hash: str | None, address: str | None,
                  device_cookie: str | None, browser: str | None, now: datetime) -> tuple[Account, NewSession]:
    account = _record_attempt(session, username=username, matched_hash=matched_hash, address=address,
                              device_cookie=device_cookie, now=now, settings=None)
    ticket = secrets.token_urlsafe(32) if browser else None
    token = _token_of_ticket(ticket) if ticket else secrets.token_urlsafe(32)
    session.add(AuthSession(id=_sha256(token), account_id=account.id, created_at=now, last_seen_at=now,
                            ticket_hash=_ticket_hash(ticket, browser) if ticket else None,
                            ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS) if ticket else None))
    audit.record(session, actor_id=account.id, action=AuditAction.auth_signed_in, entity="account", entity_id=account.id, at=now)
    return account, NewSession(token=token, ticket=ticket)


@dataclass(frozen=True)
class Redeemed:
    session_cookie: str  # the signed session token, for SESSION_COOKIE
    device_cookie: str  # for DEVICE_COOKIE: the browser's known-browser mark, kept when it already had one


def _token_of_ticket(ticket: str) -> str:
    """The session token behind a ticket, derived with the secret key: the page that signed in and the cookie the
    browser fetches with the ticket hold one session, so the page goes on signed in without a reload, and one
    sign-out ends both. The ticket alone (in a log, say) gives nobody the token."""
    return hmac.new(get_settings().secret_key.encode(), f"session-token:{ticket}".encode(), hashlib.sha256).hexdigest()


def redeem_ticket(session: Session, *, ticket: str, browser: str | None, device_cookie: str | None = None,
                  now: datetime | None = None) -> Redeemed | None:
    """Exchange a one-time ticket for the signed cookie values, or None if it is unknown, used, stale or was issued
    to another browser (`browser` is the BROWSER_COOKIE of the browser redeeming it).

    The ticket is single-use, short-lived and bound to the browser that signed in: the page fetches it in the
    background right after the sign-in, and the cookie then holds the same session as the page.
    """
    now = now or utcnow()
    if not ticket or not browser:
        return None
    auth_session = session.exec(select(AuthSession).where(AuthSession.ticket_hash == _ticket_hash(ticket, browser))
                                ).first()
    if auth_session is None or auth_session.revoked_at or not auth_session.ticket_expires_at:
        return None
    if auth_session.ticket_expires_at < now:
        return None
    token = _token_of_ticket(ticket)
    if not hmac.compare_digest(auth_session.id, _sha256(token)):  # a secret key changed since the sign-in
        return None
    auth_session.ticket_hash, auth_session.ticket_expires_at = None, None
    session.add(auth_session)
    account = session.get(Account, auth_session.account_id)
    known = device_cookie if account and device_of(device_cookie, account) else new_device_cookie(auth_session.account_id)
    return Redeemed(session_cookie=_signer().sign(token).decode(), device_cookie=known)


def sign_out_token(token: str) -> str:
    """The CSRF token a sign-out POST must carry: derived from the session token, useless without the cookie."""
    return hmac.new(get_settings().secret_key.encode(), f"sign-out:{token}".encode(), hashlib.sha256).hexdigest()


def sign_out_token_matches(token: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(sign_out_token(token), given)


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


def revoke_sessions(session: Session, *, account_id: int, now: datetime, keep_token: str | None = None) -> int:
    """Sign the account out everywhere (except the browser holding `keep_token`): after its password changed.
    Returns how many live sessions were revoked."""
    keep = _sha256(keep_token) if keep_token else None
    live = session.exec(select(AuthSession).where(AuthSession.account_id == account_id,
                                                  AuthSession.revoked_at == None)).all()  # noqa: E711
    revoked = 0
    for auth_session in live:
        if auth_session.id == keep:
            continue
        auth_session.revoked_at = now
        session.add(auth_session)
        revoked += 1
    return revoked
