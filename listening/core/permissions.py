"""Who may do what: the one access check every service runs before it reads or changes anything."""

from __future__ import annotations

from listening.core.errors import NotAllowed
from listening.core.i18n import N_
from listening.models import Account, Role


def require_role(account: Account | None, *roles: Role) -> Account:
    """The signed-in account, if its role is one of `roles`; otherwise NotAllowed (also when nobody is signed in)."""
    if account is None:
        raise NotAllowed(N_("Please sign in first."))
    if account.role not in roles:
        raise NotAllowed(N_("This page is not available for your role."))
    return account


# Who may supervise volunteers and sign off their competencies: coordinators (trainers hold a coordinator account).
SUPERVISOR_ROLES = (Role.coordinator,)


def may_supervise(account: Account) -> bool:
    return account.role in SUPERVISOR_ROLES and account.is_active
