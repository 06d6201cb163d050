"""A database error that carries everything that must never be shown or logged, and the checks for it."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import sqlalchemy as sa

RESIDENT_NAME = "陈秀兰"
RESIDENT_PHONE = "+8613800138000"
NOTE = "她说最近睡不着，很想念去世的老伴"
SQL = "SELECT resident.id FROM resident WHERE resident.display_name = ? AND resident.phone = ?"
SECRETS = (RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_PHONE[3:], NOTE, "SELECT", "resident.phone", "disk I/O error")
INCIDENT = re.compile(r"\b[0-9a-f]{8}\b")


def leaky_database_error() -> sa.exc.OperationalError:
    """A database failure (not a busy lock: that is "try again"), a resident's name, phone and note in its SQL
    and message."""
    return sa.exc.OperationalError(
        SQL, {"display_name": RESIDENT_NAME, "phone": RESIDENT_PHONE, "note": NOTE},
        Exception(f"disk I/O error while saving {RESIDENT_NAME} {RESIDENT_PHONE}: {NOTE}"),
    )


def raise_leaky_error(*_args, **_kwargs):
    # a local variable holding personal data: a traceback with locals would show it
    resident = {"name": RESIDENT_NAME, "phone": RESIDENT_PHONE}  # noqa: F841
    raise leaky_database_error()


@contextmanager
def all_logs(caplog):
    """caplog at DEBUG for our loggers, plus Streamlit's (which do not propagate to the root logger)."""
    streamlit_logger = logging.getLogger("streamlit")
    streamlit_logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="listening")
    try:
        yield
    finally:
        streamlit_logger.removeHandler(caplog.handler)


def incident_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "listening.incident"]


def assert_nothing_leaked(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked"
