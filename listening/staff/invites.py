"""Giving a volunteer an account: a coordinator's one-time code, and the volunteer setting a password with it.

A coordinator invites a volunteer who has no account (the account is made then, with no usable password), or
issues a new code for one who has (a reset; the old password keeps working until the new one is set, so a code
that never arrives locks nobody out). The code goes by SMS (no URL, nothing to reply) or is shown once to the
coordinator to print or hand over. Only a keyed hash of it is stored; it is single use, expires after
CODE_VALID, and is burnt after MAX_WRONG_ATTEMPTS wrong tries. Wrong codes are also throttled per username and
per client address, in the sign-in throttle's table (listening.staff.throttle), under buckets of their own.

Setting the password signs the account out of every browser. The page then asks the volunteer to sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import AuthError, IllegalTransition, InvalidInput, NotFound, ServiceError
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import (
    Account,
    AccountInvite,
    CodePurpose,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Role,
    StrEnum,
    Volunteer,
    VolunteerStatus,
    utcnow,
)
from listening.models.invites import CODE_DIGITS, MASKED_CODE
from listening.sms import outbox, templates
from listening.staff import auth, throttle

CODE_VALID = timedelta(hours=72)
MAX_WRONG_ATTEMPTS = 5
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")


class AccountState(StrEnum):
    none = "none"  # no account: SMS only
    invited = "invited"  # a live invite code, no password yet
    invite_lapsed = "invite_lapsed"  # no password, and no live code: issue a new one
    active = "active"
    reset_pending = "reset_pending"  # has a password, and a live code to set a new one


STATE_LABELS = {
    AccountState.none: N_("no account (SMS only)"),
    AccountState.invited: N_("invited, code not used yet"),
    AccountState.invite_lapsed: N_("invited, code expired or no longer valid"),
    AccountState.active: N_("has an account"),
    AccountState.reset_pending: N_("has an account, new code not used yet"),
}


@dataclass(frozen=True)
class IssuedCode:
    username: str
    code: str  # shown to the coordinator only when it does not go by SMS (or the SMS cannot be sent)
    expires_at: datetime
    by_sms: bool
    sms_blocked: bool  # by_sms, but the number opted out of SMS: the coordinator hands the code over instead

    @property
    def show_code(self) -> bool:
        return not self.by_sms or self.sms_blocked


@dataclass(frozen=True)
class VolunteerAccount:
    volunteer_id: int
    state: AccountState
    username: str | None
    code_expires_at: datetime | None  # of the live code, if any


# ----- coordinators --------------------------------------------------------------------------------------------


def invite_volunteer(session: Session, *, actor: Account, volunteer_id: int, username: str, by_sms: bool = True,
                     now: datetime | None = None) -> IssuedCode:
    """Make an account for a volunteer who has none, and a one-time code for them to set its password."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    volunteer = _volunteer(session, volunteer_id)
    if volunteer.account_id is not None:
        raise IllegalTransition(N_("This volunteer has an account already: issue a new code instead."))
    if volunteer.status == VolunteerStatus.left:
        raise IllegalTransition(N_("This volunteer has left the programme."))
    username = unicodedata.normalize("NFKC", username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(N_("Choose a username of 3 to 32 letters, digits, dots, dashes or underscores, starting "
                              "with a letter or digit."), field="username")
    if session.exec(select(Account.id).where(Account.username == username)).first():
        raise InvalidInput(N_("The username {username} is already taken."), field="username", username=username)
    account = Account(username=username, display_name=volunteer.full_name, role=Role.volunteer,
                      password_hash=auth.UNUSABLE_PASSWORD, created_at=now)
    session.add(account)
    session.flush()
    volunteer.account_id = account.id
    session.add(volunteer)
    issued = _issue(session, account=account, volunteer=volunteer, purpose=CodePurpose.invite, by_sms=by_sms,
                    actor=actor, now=now)
    audit.record(session, actor_id=actor.id, action=AuditAction.account_invited, entity="volunteer",
                 entity_id=volunteer.id, details={"role": Role.volunteer.value, "by_sms": by_sms}, at=now)
    return issued


def issue_code(session: Session, *, actor: Account, volunteer_id: int, by_sms: bool = True,
               now: datetime | None = None) -> IssuedCode:
    """A new one-time code for a volunteer's account: the invite again, or a password reset. Earlier codes stop."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    volunteer = _volunteer(session, volunteer_id)
    account = session.get(Account, volunteer.account_id) if volunteer.account_id else None
    if account is None:
        raise IllegalTransition(N_("This volunteer has no account yet: invite them first."))
    if not account.is_active:
        raise IllegalTransition(N_("This account is disabled."))
    purpose = CodePurpose.reset if auth.has_password(account) else CodePurpose.invite
    issued = _issue(session, account=account, volunteer=volunteer, purpose=purpose, by_sms=by_sms, actor=actor,
                    now=now)
    audit.record(session, actor_id=actor.id, action=AuditAction.account_code_issued, entity="account",
                 entity_id=account.id, details={"purpose": purpose.value, "by_sms": by_sms}, at=now)
    return issued


def account_states(session: Session, *, actor: Account, now: datetime | None = None,
                   volunteer_ids: list[int] | None = None) -> dict[int, VolunteerAccount]:
    """Every volunteer's account state (or only those of `volunteer_ids`: the page's rows), by volunteer id, for
    the coordinators' list."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    query = select(Volunteer.id, Account).join(Account, col(Account.id) == col(Volunteer.account_id), isouter=True)
    live_codes = select(AccountInvite).where(col(AccountInvite.used_at).is_(None),
                                             col(AccountInvite.revoked_at).is_(None), col(AccountInvite.expires_at) > now)
    if volunteer_ids is not None:
        query = query.where(col(Volunteer.id).in_(volunteer_ids))
        live_codes = live_codes.where(col(AccountInvite.account_id).in_(
            select(Volunteer.account_id).where(col(Volunteer.id).in_(volunteer_ids))))
    rows = session.exec(query).all()
    live = {row.account_id: row for row in session.exec(live_codes)}
    states = {}
    for volunteer_id, account in rows:
        code = live.get(account.id) if account else None
        if account is None:
            state = AccountState.none
        elif auth.has_password(account):
            state = AccountState.reset_pending if code else AccountState.active
        else:
            state = AccountState.invited if code else AccountState.invite_lapsed
        states[volunteer_id] = VolunteerAccount(volunteer_id=volunteer_id, state=state,
                                                username=account.username if account else None,
                                                code_expires_at=code.expires_at if code else None)
    return states


def _volunteer(session: Session, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("This volunteer does not exist."))
    return volunteer


def _issue(session: Session, *, account: Account, volunteer: Volunteer, purpose: CodePurpose, by_sms: bool,
           actor: Account, now: datetime) -> IssuedCode:
    for earlier in _open_codes(session, account.id):
        _close(session, earlier, now=now, used=False)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    invite = AccountInvite(account_id=account.id, purpose=purpose, code_hash=_code_hash(account.id, code),
                           sent_by_sms=by_sms, created_by=actor.id, created_at=now, expires_at=now + CODE_VALID)
    session.add(invite)
    session.flush()
    sms_blocked = False
    if by_sms:
        message = outbox.enqueue(session, kind=MessageKind.account_invite, recipient_kind=RecipientKind.volunteer,
                                 to_phone=volunteer.phone, body=_sms_body(account, volunteer, code),
                                 dedupe_key=_dedupe_key(invite), locale=account.locale, due_at=now,
                                 expires_at=invite.expires_at, now=now)
        sms_blocked = message is None or message.status == MessageStatus.not_sent
    return IssuedCode(username=account.username, code=code, expires_at=invite.expires_at, by_sms=by_sms,
                      sms_blocked=sms_blocked)


def _sms_body(account: Account, volunteer: Volunteer, code: str) -> str:
    return templates.render(MessageKind.account_invite, locale=account.locale, to_phone=volunteer.phone,
                            recipient="volunteer", username=account.username, code=code,
                            hours=int(CODE_VALID.total_seconds() // 3600))


def _dedupe_key(invite: AccountInvite) -> str:
    return f"account_invite:{invite.id}"


def _code_hash(account_id: int, code: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"account-code:{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _open_codes(session: Session, account_id: int) -> list[AccountInvite]:
    return list(session.exec(select(AccountInvite).where(
        AccountInvite.account_id == account_id, col(AccountInvite.used_at).is_(None),
        col(AccountInvite.revoked_at).is_(None))))


def _close(session: Session, invite: AccountInvite, *, now: datetime, used: bool) -> None:
    """The code stops working: used, or revoked (replaced or burnt). Its SMS, if still queued, is not sent, and
    the outbox keeps no usable code."""
    if used:
        invite.used_at = now
    else:
        invite.revoked_at = now
    session.add(invite)

    def masked(_message: OutboundMessage) -> str | None:
        account = session.get(Account, invite.account_id)
        volunteer = session.exec(select(Volunteer).where(Volunteer.account_id == invite.account_id)).first()
        return _sms_body(account, volunteer, MASKED_CODE) if account and volunteer else None

    outbox.withdraw_code(session, dedupe_key=_dedupe_key(invite), masked_body=masked, now=now)


# ----- the volunteer, signed out -------------------------------------------------------------------------------

WRONG_CODE = N_("This code does not match this username or phone number. Please check both and try again.")
TOO_MANY = N_("Too many wrong codes. Please wait a few minutes and try again.")


def set_password_with_code(session: Session, *, login: str, code: str, password: str, password_again: str,
                           address: str | None = None, now: datetime | None = None) -> Account:
    """Set the password of the account named by `login` (its username, or the volunteer's phone number) with a
    one-time code. Revokes every session of the account. Raises a ServiceError that says what to do next."""
    now = now or utcnow()
    auth.check_new_password(password)
    if password != password_again:
        raise InvalidInput(N_("The two passwords are not the same."), field="password_again")
    code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", code or ""))
    if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        raise InvalidInput(N_("The code has {n} digits."), field="code", n=CODE_DIGITS)
    account = _account_for(session, login)
    name = account.username if account else (login or "").strip().lower()
    buckets = throttle.buckets_for(username=f"code:{name}", address=f"code:{address or throttle.UNKNOWN_ADDRESS}",
                                   device=None)
    if throttle.waiting_until(session, buckets, now=now):
        raise AuthError(TOO_MANY)
    codes = list(session.exec(select(AccountInvite).where(AccountInvite.account_id == account.id)
                              .order_by(col(AccountInvite.id).desc()))) if account else []
    wanted = _code_hash(account.id, code) if account else ""
    match = next((c for c in codes if hmac.compare_digest(c.code_hash, wanted)), None)
    if match is None:
        _count_wrong(session, account, codes, buckets, now=now)  # commits: the failure counts though we raise
    _check_usable(match, now=now)
    if not account.is_active:
        raise AuthError(N_("This account is disabled. Ask a coordinator."))
    account.password_hash = auth.hash_password(password)
    session.add(account)
    for other in _open_codes(session, account.id):
        _close(session, other, now=now, used=other.id == match.id)
    revoked = auth.revoke_sessions(session, account_id=account.id, now=now)
    throttle.forget(session, buckets)
    audit.record(session, actor_id=account.id, action=AuditAction.account_code_used, entity="account",
                 entity_id=account.id, details={"purpose": match.purpose.value}, at=now)
    audit.record(session, actor_id=account.id, action=AuditAction.account_password_set, entity="account",
                 entity_id=account.id, details={"sessions_revoked": revoked}, at=now)
    return account


def _account_for(session: Session, login: str) -> Account | None:
    """The account by username, else by the phone number of the volunteer it belongs to."""
    login = unicodedata.normalize("NFKC", login or "").strip()
    account = session.exec(select(Account).where(Account.username == login.lower())).first()
    if account is not None or not login:
        return account
    try:
        phone = phones.normalise(login)
    except ServiceError:
        return None
    return session.exec(select(Account).join(Volunteer, col(Volunteer.account_id) == col(Account.id))
                        .where(Volunteer.phone == phone).order_by(col(Account.id))).first()


def _count_wrong(session: Session, account: Account | None, codes: list[AccountInvite],
                 buckets: list[throttle.Bucket], *, now: datetime) -> None:
    throttle.count_failure(session, buckets, now=now)
    burnt = False
    live = next((c for c in codes if c.used_at is None and c.revoked_at is None and c.expires_at > now), None)
    if live is not None:
        live.wrong_attempts += 1
        burnt = live.wrong_attempts >= MAX_WRONG_ATTEMPTS
        session.add(live)
        if burnt:
            _close(session, live, now=now, used=False)
    if account is not None:
        audit.record(session, actor_id=None, action=AuditAction.account_code_failed, entity="account",
                     entity_id=account.id, details={"wrong_attempts": live.wrong_attempts if live else None}, at=now)
    session.commit()
    if burnt:
        raise IllegalTransition(N_("This code was typed wrong too often and no longer works. Ask a coordinator "
                                   "for a new one."))
    raise AuthError(WRONG_CODE)


def _check_usable(invite: AccountInvite, *, now: datetime) -> None:
    """The right code: is it still good? (Only someone who has the code learns why not.)"""
    if invite.used_at is not None:
        raise IllegalTransition(N_("This code has been used already. If you need to set your password again, ask a "
                                   "coordinator for a new code."))
    if invite.revoked_at is not None:
        if invite.wrong_attempts >= MAX_WRONG_ATTEMPTS:
            raise IllegalTransition(N_("This code was typed wrong too often and no longer works. Ask a "
                                       "coordinator for a new one."))
        raise IllegalTransition(N_("A newer code was issued for this account; this one no longer works. Please "
                                   "use the newest code."))
    if now >= invite.expires_at:
        raise IllegalTransition(N_("This code has expired. Ask a coordinator for a new one."))
