"""One-time codes a coordinator gives a volunteer to set a password: the first one (an invite) or a new one (a reset).

Only a keyed hash of the code is stored. A code is single use, expires, and is burnt after a few wrong attempts;
issuing a new code for the account replaces (revokes) any earlier one still open.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow  # the one clock; models use it for their default timestamps
from listening.models.columns import StrEnum, enum_column, utc_column

CODE_DIGITS = 8
# A code inside a text (an SMS body): exactly that many digits, not part of a longer number.
CODE_IN_TEXT = re.compile(rf"(?<!\d)\d{{{CODE_DIGITS}}}(?!\d)")
MASKED_CODE = "*" * CODE_DIGITS  # what a text shows in place of a code


class CodePurpose(StrEnum):
    invite = "invite"  # the account has no password yet
    reset = "reset"  # the account has one; it keeps working until the new one is set


class AccountInvite(SQLModel, table=True):
    __tablename__ = "account_invite"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    purpose: CodePurpose = Field(sa_column=enum_column(CodePurpose))
    code_hash: str = Field(max_length=64)  # HMAC-SHA256 of the code, keyed with SECRET_KEY
    sent_by_sms: bool = False  # else shown once to the coordinator, to print or hand over
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    wrong_attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))  # replaced, or burnt
