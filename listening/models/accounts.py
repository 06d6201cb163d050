"""Staff accounts and signed-in browser sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.core.i18n import DEFAULT_LOCALE
from listening.models.columns import enum_column, utc_column
from listening.models.enums import Role


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    display_name: str = Field(max_length=100)
    role: Role = Field(sa_column=enum_column(Role))
    password_hash: str = Field(max_length=255)
    phone: str | None = Field(default=None, max_length=20)  # E.164; duty coordinators get safeguarding SMS
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries the id (signed); idle and absolute expiry are checked here."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the random session token
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # One-time ticket that lets the browser fetch its HttpOnly cookie from the /auth/session route.
    ticket_hash: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    ticket_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
