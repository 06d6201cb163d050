"""The reference a resident is given for their request: short, read aloud on the phone, the same everywhere
(the page after sending, the "received" SMS, the coordinator's queue)."""

from __future__ import annotations

import re

PREFIX = "LH"  # Listening Hour: not mistaken for a phone number when read out or typed into a search
_TYPED = re.compile(rf"^\s*(?:{PREFIX}\s*-?\s*|#\s*)?0*(\d{{1,12}})\s*$", re.IGNORECASE)


def reference(request_id: int) -> str:
    """LH-0141 for request 141: at least four digits, so early numbers do not look like a typo."""
    return f"{PREFIX}-{request_id:04d}"


def request_id_of(text: str | None) -> int | None:
    """The request id in a reference as a person may type or read it (LH-0141, lh0141, #141, 141), else None."""
    found = _TYPED.match(text or "")
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


COMPLAINT_PREFIX = "LHC"  # a complaint's own series, never mistaken for a request's reference


def complaint_reference(complaint_id: int) -> str:
    """LHC-0012 for complaint 12."""
    return f"{COMPLAINT_PREFIX}-{complaint_id:04d}"
