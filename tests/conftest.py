"""Fixtures: every test that touches the database runs on SQLite AND on PostgreSQL, at a pinned instant.

PostgreSQL is expected at TEST_POSTGRES_URL (default: the local server, database `test`, trust auth). A missing
server is a failure, never a silent skip.

The clock: no test reads the wall clock. Every test starts at the same instant (`--at`, default DEFAULT_AT, an
ordinary weekday morning in Shenzhen) and time moves on from there as the test runs, so `make test` gives the same
answer at any hour. `pytest --at=2026-12-31T23:30+08:00 -m instant` runs the tests whose outcome depends on the
instant at a hard one (`make test-instants` does, from .ci/run: local midnight, quiet hours, just before they end, the year's end).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import Session, SQLModel

os.environ.setdefault("ENVIRONMENT", "test")
os.environ["DEMO_MODE"] = "0"  # tests that want the demo sign-in page turn it on themselves
os.environ.pop("TWILIO_ACCOUNT_SID", None)  # tests never use a real provider

from listening.core import config, db, versions  # noqa: E402
from listening.core.i18n import set_locale  # noqa: E402
from listening.privacy import append_only  # noqa: E402

DEFAULT_AT = "2026-12-01T10:00:00+08:00"


def pytest_addoption(parser) -> None:
    parser.addoption("--at", default=DEFAULT_AT, type=_aware_instant,
                     help=f"the instant every test starts at (ISO 8601 with an offset; default {DEFAULT_AT})")


def _aware_instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"--at needs an offset, e.g. {DEFAULT_AT}")
    return instant


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "instant: the outcome depends on the instant; CI reruns it at hard instants")
    # Module-level constants (NOW = clock.now()) are computed at collection: pin them too.
    time_machine.travel(config.getoption("--at"), tick=False).start()


@pytest.fixture(autouse=True)
def pinned_clock(request) -> Iterator[time_machine.Coordinates]:
    """Each test starts at `--at`; its clock then ticks, so timeouts and waits still work."""
    with time_machine.travel(request.config.getoption("--at"), tick=True) as traveller:
        yield traveller


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def _postgres_database(worker: str) -> str:
    """A fresh database for this test session (and xdist worker), created through the admin database."""
    name = f"lh_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}", pytrace=False)
    finally:
        admin.dispose()
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def use_database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    config.get_settings.cache_clear()
    db.reset_engine()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = _postgres_database(worker)
    use_database(url)
    db.migrate(url)
    yield url
    db.reset_engine()
    if request.param == "postgresql":
        _drop_postgres_database(url)


def _empty_all_tables(engine: sa.Engine) -> None:
    """Between tests only: the audit trail is append-only (migration 0002), so its guard is lifted for the
    cleanup: on PostgreSQL triggers are off for this transaction (replica role), on SQLite they are dropped and
    recreated in the same transaction."""
    # The data version is kept and moved on instead: a read cached under an earlier test's version (Streamlit's
    # caches outlive a test) must not be taken for this test's data.
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name != "data_version"]
    with engine.begin() as conn:
        versions.bump(conn)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            with append_only.sqlite_triggers_lifted(conn):
                for name in reversed(tables):
                    conn.exec_driver_sql(f"DELETE FROM {name}")


@pytest.fixture
def engine(database_url) -> Iterator[sa.Engine]:
    """The app's engine on an empty database of the current backend."""
    use_database(database_url)
    engine = db.get_engine()
    yield engine
    _empty_all_tables(engine)


@pytest.fixture
def session(engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(autouse=True)
def _chinese_by_default() -> None:
    set_locale("zh_CN")


@pytest.fixture
def backend(database_url) -> str:
    return sa.engine.make_url(database_url).get_backend_name()


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests ran on each database, so a run that quietly missed PostgreSQL shows it."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            params = getattr(report, "nodeid", "").partition("[")[2]
            backend = next((b for b in BACKENDS if b in params.replace("]", "-").split("-")), None)
            if backend and getattr(report, "when", "call") in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                counts.setdefault(backend, {}).setdefault(outcome, 0)
                counts[backend][outcome] += 1
    if counts:
        terminalreporter.section("tests by database")
        for backend in BACKENDS:
            tally = counts.get(backend, {})
            terminalreporter.write_line(f"{backend}: " + ", ".join(f"{n} {o}" for o, n in sorted(tally.items())))
