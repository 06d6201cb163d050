"""A signed-in person changes their own password: the current one, then the new one twice.

Every other browser signed in to the account is signed out; this one stays signed in. Wrong current passwords
are throttled like sign-ins (listening.staff.throttle), in buckets of their own, so a browser left signed in
cannot be used to guess the password quickly.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import AuthError, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Role, utcnow
from listening.staff import auth, throttle


def change_password(session: Session, *, actor: Account, current: str, new: str, new_again: str,
                    keep_token: str | None = None, now: datetime | None = None) -> int:
    """Returns how many other browsers were signed out. `keep_token` is this browser's session token."""
    require_role(actor, Role.coordinator, Role.volunteer)
    now = now or utcnow()
    account = session.get(Account, actor.id)
    if account is None:
        raise NotFound(N_("This account does not exist."))
    buckets = throttle.buckets_for(username=f"change:{account.username}", address=f"change:{account.id}",
                                   device=None)
    if throttle.waiting_until(session, buckets, now=now):
        raise AuthError(N_("Too many wrong passwords. Please wait a few minutes and try again."))
    if not auth.verify_password(current or "", account.password_hash):
        failures = throttle.count_failure(session, buckets, now=now)
        audit.record(session, actor_id=account.id, action=AuditAction.auth_failed, entity="account",
                     entity_id=account.id, details={"failures": failures, "context": "password_change"}, at=now)
        session.commit()  # the failure must count even though we raise
        raise AuthError(N_("The current password is wrong."))
    auth.check_new_password(new)
    if new != new_again:
        raise InvalidInput(N_("The two new passwords are not the same."), field="new_again")
    if new == current:
        raise InvalidInput(N_("The new password must differ from the current one."), field="new")
    account.password_hash = auth.hash_password(new)
    session.add(account)
    throttle.forget(session, buckets)
    revoked = auth.revoke_sessions(session, account_id=account.id, now=now, keep_token=keep_token)
    audit.record(session, actor_id=account.id, action=AuditAction.account_password_changed, entity="account",
                 entity_id=account.id, details={"sessions_revoked": revoked}, at=now)
    return revoked
