"""The audit trail is append-only: the database itself refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on
`audit_event`. Migration 0002 installs this; the statements are repeated here for the tests' cleanup, which
lifts the SQLite triggers for a moment (PostgreSQL's cleanup runs with `session_replication_role = replica`).

Deployment model on PostgreSQL: the tables belong to an owner role that runs the migrations; the app and the
worker connect as a role that does not own them and holds only SELECT and INSERT on `audit_event` (0002
revokes UPDATE, DELETE and TRUNCATE from PUBLIC and from every role but the owner). The trigger stops even the
owner, unless a superuser switches triggers off, which PostgreSQL's own log then shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

MESSAGE = "audit_event is append-only"

SQLITE_TRIGGERS = {
    "audit_event_no_update": f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                             f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "audit_event_no_delete": f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                             f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
}


@contextmanager
def sqlite_triggers_lifted(conn: sa.Connection) -> Iterator[None]:
    """For the tests' table cleanup only: drop the triggers inside the caller's transaction, then put them back."""
    for name in SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for ddl in SQLITE_TRIGGERS.values():
        conn.exec_driver_sql(ddl)
