"""Write transactions under contention: processes started at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sys
import threading
import types

import pytest
import sqlalchemy as sa
import sqlalchemy.orm
from sqlmodel import Session, func, select

from listening.core import audit, db
from listening.core.audit import AuditAction
from listening.core.errors import Busy
from listening.models import AuditEvent

WRITERS = 16


def _read_then_write(url: str, barrier, results, index: int) -> None:
    """What every service does: read some state, then write, in one transaction."""
    os.environ["DATABASE_URL"] = url
    from listening.core import config

    try:
        config.get_settings.cache_clear()
        db.reset_engine()
        # A served app is warm: its models are configured and its pool connected before anyone presses a button.
        sa.orm.configure_mappers()
        with db.read_scope() as session:
            session.exec(select(func.count()).select_from(AuditEvent)).one()
        barrier.wait(timeout=180)  # generous: spawning 16 interpreters on a busy 2-core machine is slow
        with db.session_scope() as session:
            seen = session.exec(select(func.count()).select_from(AuditEvent)).one()
            audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id=index,
                         details={"seen": seen})
        results.put((index, "ok"))
    except Exception as error:  # the class name is the finding; the message may hold SQL
        results.put((index, type(error).__name__))


def test_writers_started_at_the_same_moment_all_succeed(engine, database_url, session, monkeypatch):
    # A page test before this one in the same process may leave Streamlit's script as __main__; spawned children
    # would run it again. They need nothing from __main__.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    processes = [context.Process(target=_read_then_write, args=(database_url, barrier, results, i))
                 for i in range(WRITERS)]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert outcomes == {i: "ok" for i in range(WRITERS)}
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == WRITERS


def test_a_read_runs_beside_a_writer_that_holds_the_lock(engine, backend):
    with db.session_scope() as writer:
        audit.record(writer, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="held")
        writer.flush()  # the writer holds SQLite's write lock (or PostgreSQL's row) from here
        done = threading.Event()

        def read() -> None:
            with db.read_scope() as reader:
                reader.exec(select(func.count()).select_from(AuditEvent)).one()
            done.set()

        reader = threading.Thread(target=read)
        reader.start()
        assert done.wait(5), "a read waited for the writer"
        reader.join()


@pytest.fixture
def short_busy_timeout(monkeypatch, database_url):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 0.2)
    db.reset_engine()
    yield
    db.reset_engine()


def _hold_sqlite_write_lock(database_url: str) -> sa.Connection:
    holder = db.for_writing(db.make_engine(database_url)).connect()
    holder.begin()
    holder.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE is emitted here: the lock is held until rollback
    return holder


def test_a_lock_that_never_comes_is_busy_and_nothing_is_half_written(engine, database_url, backend,
                                                                     short_busy_timeout):
    if backend != "sqlite":
        pytest.skip("PostgreSQL writers wait on rows, not on the database; lock timeouts are covered below")
    holder = _hold_sqlite_write_lock(database_url)
    try:
        with pytest.raises(Busy) as caught:
            with db.session_scope() as session:
                audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="first")
                session.flush()
    finally:
        holder.rollback()
        holder.close()
    assert "try again" in caught.value.message
    with Session(engine) as check:
        assert check.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_a_busy_transaction_is_tried_once_more_then_reported(engine, monkeypatch):
    calls = []

    def work(session):
        calls.append(1)
        raise Busy()

    monkeypatch.setattr(db.time, "sleep", lambda _seconds: None)
    with pytest.raises(Busy):
        db.transaction(work)
    assert len(calls) == 2


def test_a_busy_transaction_that_succeeds_on_the_second_try_is_stored_once(engine, monkeypatch):
    calls = []

    def work(session):
        calls.append(1)
        audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id=len(calls))
        session.flush()
        if len(calls) == 1:
            raise sa.exc.OperationalError("INSERT ...", {}, Exception("database is locked"))
        return "stored"

    monkeypatch.setattr(db.time, "sleep", lambda _seconds: None)
    assert db.transaction(work) == "stored"
    with Session(engine) as check:
        ids = check.exec(select(AuditEvent.entity_id)).all()
    assert ids == ["2"]


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03"])
def test_postgresql_lock_timeouts_and_deadlocks_count_as_busy(sqlstate):
    class Orig(Exception):
        pass

    orig = Orig("could not obtain lock")
    orig.sqlstate = sqlstate
    assert db.is_busy(sa.exc.OperationalError("UPDATE ...", {}, orig))
    assert not db.is_busy(sa.exc.IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed")))


def _turn_is_free(engine: sa.Engine) -> bool:
    with open(db._turn_path(engine), "a") as turn:
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(turn, fcntl.LOCK_UN)
        return True


def test_the_turn_to_write_is_given_back_after_a_commit_a_rollback_and_a_failed_statement(engine, backend):
    if backend != "sqlite":
        pytest.skip("the turn orders SQLite's single writer; PostgreSQL has no such queue")
    with db.session_scope() as session:
        audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="committed")
        session.flush()
        assert not _turn_is_free(engine)
    assert _turn_is_free(engine)
    with pytest.raises(RuntimeError), db.session_scope() as session:
        audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="rolled_back")
        session.flush()
        raise RuntimeError("the page failed")
    assert _turn_is_free(engine)
    with pytest.raises(sa.exc.OperationalError), db.session_scope() as session:
        session.exec(sa.text("SELECT * FROM no_such_table"))
    assert _turn_is_free(engine)
    with db.read_scope() as session:  # a read never queues for the turn
        session.exec(select(func.count()).select_from(AuditEvent)).one()
        assert _turn_is_free(engine)


def test_a_writer_that_gives_up_waiting_for_its_turn_does_not_keep_it(engine, backend, short_busy_timeout):
    if backend != "sqlite":
        pytest.skip("the turn orders SQLite's single writer; PostgreSQL has no such queue")
    engine = db.get_engine()  # with the short timeout
    holder = Session(db.for_writing(engine))
    audit.record(holder, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="held")
    holder.flush()  # holds the turn and the lock
    with pytest.raises(Busy), db.session_scope() as session:
        audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="gave_up")
        session.flush()
    holder.commit()
    holder.close()
    # The helper that was still waiting for the abandoned turn hands it straight back when it comes.
    with db.session_scope() as session:
        audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="test", entity_id="next")
    with Session(engine) as check:
        assert sorted(check.exec(select(AuditEvent.entity_id))) == ["held", "next"]
