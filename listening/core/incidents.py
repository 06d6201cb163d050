"""An unexpected error becomes one log record with a short incident id, and nothing a person typed.

Exception messages can carry SQL text, bound parameters, names, phone numbers or notes, so the record keeps
only the exception types and the file:line frames of the traceback: no message, no local variables. The
person who met the error is shown the id, and whoever reads the log finds the same id there.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from pathlib import Path

from listening.core.config import PROJECT_ROOT

LOGGER = logging.getLogger("listening.incident")
MAX_CHAINED = 5  # how many causes of one error the record follows


def new_incident_id() -> str:
    """8 hex characters: short enough to read out on the phone, unique enough for one programme's log."""
    return secrets.token_hex(4)


def type_name(error: BaseException) -> str:
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _short_path(filename: str) -> str:
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except (ValueError, OSError):
        pass
    parts = path.parts
    if "site-packages" in parts:
        return str(Path(*parts[parts.index("site-packages") + 1 :]))
    return filename


def safe_traceback(error: BaseException) -> str:
    """The chain of exception types with their frames as `file:line in function`; never a message."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < MAX_CHAINED:
        seen.add(id(current))
        if lines:
            lines.append("caused by:")
        lines.append(type_name(current))
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f"  {_short_path(frame.filename)}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n".join(lines)


def record(error: BaseException, *, where: str) -> str:
    """Log one ERROR record for this error on `listening.incident`; return the incident id to show."""
    incident = new_incident_id()
    LOGGER.error(
        "incident %s: %s in %s\n%s",
        incident,
        type_name(error),
        where,
        safe_traceback(error),
        extra={"incident": incident, "error_type": type_name(error), "where": where},
    )
    return incident
