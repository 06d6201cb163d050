"""The data version: a number that changes with every committed write a page could show, so a read cached at
the edge (ui/cache.py) under the version it saw is fresh on the next run after any write.

Every Session counts the tables it writes (flushes and DML statements); just before a commit that wrote any table
outside BOOKKEEPING, the one `data_version` row goes up by one inside the same transaction. The new number thus
becomes visible with the data it stands for, never before it: a reader that saw the old number read the old data
or newer. BOOKKEEPING tables change on reads (a browser's last-seen time, who viewed a resident, the audit trail
of views), so they leave the version alone; a page that shows them does not cache them.
On PostgreSQL the row's lock is taken as the last statement before COMMIT, so writers wait for one another only
for the instant of a commit, and never while holding it for anything else.
"""

from __future__ import annotations

from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from listening.models.data_version import DataVersion

BOOKKEEPING = frozenset({"data_version", "auth_session", "sign_in_throttle", "worker_heartbeat", "resident_view",
                         "audit_event"})
_WRITTEN = "listening_tables_written"
_BUMP = sa.text("INSERT INTO data_version (id, version) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1")


def current(session: Session) -> int:
    """The version now (0 before the first counted write)."""
    return session.exec(sa.select(DataVersion.version).where(DataVersion.id == 1)).scalar() or 0


def bump(conn: sa.Connection | Session) -> None:
    """Move the version on by hand: for writes that go around a Session (bulk loads, the tests' cleanup)."""
    conn.execute(_BUMP)


def _written(session: Session) -> set[str]:
    return session.info.setdefault(_WRITTEN, set())


@event.listens_for(Session, "after_flush")
def _count_flush(session: Session, _context) -> None:
    # Still the pre-flush state here: what was new, changed or deleted.
    _written(session).update(obj.__table__.name for obj in chain(session.new, session.dirty, session.deleted)
                             if hasattr(obj, "__table__"))


@event.listens_for(Session, "do_orm_execute")
def _count_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _written(state.session).add(getattr(table, "name", "?"))


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # count what the commit is about to flush
    if session.info.pop(_WRITTEN, set()) - BOOKKEEPING:
        session.execute(_BUMP)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # a rolled-back transaction's writes never happened
        session.info.pop(_WRITTEN, None)
