"""The one engine, write and read transactions, SQLite pragmas, and migrations (checked against the models).

SQLite allows one writer at a time. A transaction that begins deferred, reads, and then writes cannot wait for the
writer before it (in WAL mode the lock upgrade fails at once and the busy timeout never applies), so every write
transaction here begins IMMEDIATE: it takes the write lock up front and waits its turn within the busy timeout.
Writers queue for their turn on a file lock beside the database first, so the lock passes to the next writer the
moment it is free. Reads (`read_scope`) begin deferred and run beside the writer. PostgreSQL needs neither.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

import listening.models  # noqa: F401  (registers every table on SQLModel.metadata, for schema_differences)
from listening.core import versions  # noqa: F401  (every Session moves the data version on when it writes)
from listening.core.config import PROJECT_ROOT, get_settings
from listening.core.errors import Busy, ServiceError
from listening.core.i18n import N_

log = logging.getLogger("listening.core.db")
T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = 10
# The execution option that makes a connection's transactions begin IMMEDIATE on SQLite.
_BEGIN_OPTION = "listening_sqlite_begin"

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """hide_parameters: an SQL error or SQLAlchemy log line never shows bound values (names, phones, notes)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so a transaction's reads and
        # writes are one unit (SQLAlchemy's documented recipe), IMMEDIATE for a write transaction.
        event.listen(engine, "connect", lambda conn, _rec: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _give_turn_back)
        event.listen(engine, "close", _give_turn_back)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)


def _sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    path = _turn_path(conn.engine) if mode == "IMMEDIATE" else None
    if path and _TURN_KEY not in conn.connection.info:
        conn.connection.info[_TURN_KEY] = _take_turn(path, BUSY_TIMEOUT_SECONDS)  # given back at checkin
    conn.exec_driver_sql(f"BEGIN {mode}")


# ----- whose turn it is to write (SQLite) ------------------------------------------------------------------------
# SQLite's busy handler polls for the write lock, sleeping up to 100 ms between tries, so under many writers the
# lock sits idle while everyone sleeps (32 writers at once took 5.7 s, p99 5.7 s). Writers therefore first queue
# on an exclusive flock on a file beside the database: the kernel wakes the next one the moment the lock is
# released. SQLite's own lock stays the truth; the turn only orders who asks for it next.
_TURN_KEY = "listening_write_turn"


def _turn_path(engine: Engine) -> str | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-write-turn"


def _take_turn(path: str, timeout: float) -> int:
    """An open descriptor holding the turn (its own open file description, so threads of one process queue too),
    or `Busy` after `timeout` seconds."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    # flock has no timeout: wait in a helper thread, and if the caller gives up first, the helper hands the turn
    # straight back when it comes.
    decided = threading.Lock()
    outcome: dict[str, bool] = {}
    arrived = threading.Event()

    def wait() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with decided:
            if outcome.setdefault("taken", True):
                arrived.set()
                return
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    threading.Thread(target=wait, name="write-turn", daemon=True).start()
    arrived.wait(timeout)
    with decided:
        if outcome.setdefault("taken", False):
            return fd
    log.warning("a write transaction gave up waiting for its turn after %s s", timeout)
    raise Busy()


def _give_turn_back(_dbapi_connection, record) -> None:
    fd = record.info.pop(_TURN_KEY, None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool) whose transactions take SQLite's write lock when they begin."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def is_busy(error: BaseException) -> bool:
    """A lock that could not be had in time (SQLite busy or locked; PostgreSQL lock timeout, deadlock or
    serialization failure): the same work can succeed when tried again."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in ("40001", "40P01", "55P03"):
        return True
    text = str(error.orig).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def reset_engine() -> None:
    """Forget the cached engine (tests switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work that may write: commit on success, roll back on any error, so nothing is half-written.

    A lock that could not be had within the busy timeout becomes `Busy` ("busy, try again"); `transaction`
    retries it once first.
    """
    with Session(for_writing(get_engine()), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as error:
            session.rollback()
            if is_busy(error):
                log.warning("write transaction gave up waiting for a lock (%s)", type(error.orig).__name__)
                raise Busy() from None
            raise


@contextmanager
def read_scope() -> Iterator[Session]:
    """A read-only unit of work; on SQLite it runs beside a writer instead of waiting for it."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session  # closing the session ends the transaction; the objects read stay loaded


def transaction(work: Callable[[Session], T], *, attempts: int = 2, pause: float = 0.05) -> T:
    """`work(session)` in one write transaction; a lock timeout is tried again (once by default), then `Busy`.

    `work` must be safe to run again: it is, since a failed attempt was rolled back whole.
    """
    for attempt in range(1, attempts):
        try:
            with session_scope() as session:
                return work(session)
        except Busy:
            time.sleep(pause * attempt)
    with session_scope() as session:  # the last try: its Busy reaches the caller
        return work(session)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


class SchemaMismatch(ServiceError):
    """The database is at the newest revision, yet its tables differ from the models: a revision is missing."""


def migrate(url: str | None = None) -> None:
    """Bring the database to the newest schema, then prove its tables match the models (or raise SchemaMismatch)."""
    url = url or get_settings().database_url
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            differences = schema_differences(conn)
    finally:
        engine.dispose()
    if differences:
        raise SchemaMismatch(N_("The database is at the newest migration but its tables differ from this version of "
                                "the app, so a migration is missing: {differences}"),
                             differences="; ".join(differences))


def schema_differences(conn: Connection) -> list[str]:
    """What a migration would have to change for the live tables to match the models, by table and column name."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return [_describe(diff) for diff in compare_metadata(context, SQLModel.metadata)]


def _describe(diff) -> str:
    # compare_metadata's diffs: ("add_column", schema, table, Column), ("remove_table", Table),
    # ("add_index" | "add_fk" | "remove_constraint" ..., item), or a list of one column's ("modify_type", schema,
    # table, column, ...) tuples. Only names are shown, never a default's value.
    if isinstance(diff, list):
        return ", ".join(f"{kind.replace('_', ' ')} {table}.{column}" for kind, _schema, table, column, *_ in diff)
    kind, *rest = diff
    if kind in ("add_column", "remove_column"):
        name = f"{rest[1]}.{rest[2].name}"
    elif isinstance(rest[0], sa.Table):
        name = rest[0].name
    else:  # an index or a constraint
        item = rest[0]
        name = f"{item.table.name}.{item.name}" if item.name else f"{item.table.name}({', '.join(item.columns.keys())})"
    return f"{kind.replace('_', ' ')} {name}"
