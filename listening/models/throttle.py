"""Sign-in throttling: failed attempts counted per bucket (account and address, address, account, known browser).

A bucket is named by the SHA-256 of what it counts, so no username or client address is stored in the clear. The
rows live in the database, so a delay survives a restart and holds across every process serving the app.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from listening.core.clock import now as utcnow
from listening.models.columns import utc_column


class SignInThrottle(SQLModel, table=True):
    __tablename__ = "sign_in_throttle"

    key: str = Field(primary_key=True, max_length=64)  # sha256 of "kind:what it counts"
    failures: int = 0  # consecutive failures since the last success or the last forgotten quiet spell
    last_failure_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    not_before: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
