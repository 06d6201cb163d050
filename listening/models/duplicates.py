"""A second request with a number the centre already knows, sent from the public form by someone who has not
proved the number is theirs: what it said about the resident is kept beside it, never written over the resident."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from listening.core.i18n import DEFAULT_LOCALE
from listening.models.columns import StrEnum


class SameNumberDecision(StrEnum):
    merged = "merged"  # the coordinator closed it: the original request stands, nothing was copied
    kept = "kept"  # the coordinator keeps it as a request of its own


class SmsHold(StrEnum):
    """Why no "request received" SMS went out for a request that asked for one."""

    same_number = "same_number"  # the number already had a request: its owner has not confirmed this one
    per_address = "per_address"  # too many requests from one client address
    per_phone = "per_phone"  # too many requests for one number
    new_numbers = "new_numbers"  # the hourly cap on SMS to numbers never seen before


class UnverifiedDetails(SQLModel, table=True):
    """The name, community, address and SMS choice a same-number request gave, shown to the coordinator only."""

    __tablename__ = "unverified_details"

    request_id: int = Field(foreign_key="listening_request.id", primary_key=True, ondelete="CASCADE")
    display_name: str = Field(max_length=50)
    community_id: int = Field(foreign_key="community.id")
    address: str | None = Field(default=None, max_length=200)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    sms_consent: bool = False
