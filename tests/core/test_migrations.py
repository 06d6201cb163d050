"""Migrations keep the data of a database made at the first release, and `migrate` refuses to call a database
current when its tables differ from the models. Each test gets its own fresh database on each backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlmodel import Session, func, select

from listening.__main__ import main
from listening.core import config, db
from listening.models import (
    Account,
    AuditEvent,
    ListeningRequest,
    MessageStatus,
    Mode,
    OutboundMessage,
    Resident,
    SessionLog,
    UTCDateTime,
    VettingStep,
    Visit,
    Volunteer,
)
from listening.volunteers import vetting
from tests.conftest import use_database

FIRST_RELEASE = "0001"  # migrations/versions/0001_initial_schema.py, frozen
T0 = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)


@contextmanager
def app_on(url: str) -> Iterator[None]:
    """Point the app's settings (as the CLI reads them) at `url`, and back afterwards."""
    previous = os.environ.get("DATABASE_URL")
    use_database(url)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
            config.get_settings.cache_clear()
            db.reset_engine()
        else:
            use_database(previous)


def insert(conn: sa.Connection, table: str, **values) -> int:
    """Plain SQL at the first release's columns (the models describe the newest schema, not this one)."""
    types = {datetime: UTCDateTime(), dict: sa.JSON()}
    target = sa.table(table, sa.column("id"), *(sa.column(name, types.get(type(v))) for name, v in values.items()))
    return conn.execute(target.insert().values(**values).returning(target.c.id)).scalar_one()


def fill_first_release_database(conn: sa.Connection) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["account"] = insert(conn, "account", username="zhang", display_name="张丽", role="coordinator",
                            password_hash="not-a-real-hash", locale="zh_CN", is_active=True, failed_logins=0,
                            created_at=T0)
    community = insert(conn, "community", code="lianhua", name_zh="莲花", name_en="Lianhua")
    ids["volunteer"] = insert(conn, "volunteer", full_name="王芳", gender="f", phone="+8613800000001",
                              community_id=community, status="active", weekly_hour_cap=4,
                              joined_on=date(2026, 9, 1), created_at=T0)
    ids["resident"] = insert(conn, "resident", display_name="林阿姨", phone="+8613900005678", community_id=community,
                             locale="zh_CN", sensitive_consent_at=T0, sms_consent_at=T0, consent_verbal=True,
                             consent_recorded_by=ids["account"], created_at=T0)
    ids["request"] = insert(conn, "listening_request", resident_id=ids["resident"], mode="phone", language="zh",
                            wants_same_volunteer=False, urgency=2, risk_flag=False, status="completed",
                            source="coordinator", created_at=T0, updated_at=T0)
    starts = T0 + timedelta(days=1)
    ids["visit"] = insert(conn, "visit", request_id=ids["request"], mode="phone", starts_at=starts,
                          ends_at=starts + timedelta(hours=1), status="completed", created_by=ids["account"],
                          created_at=T0)
    ids["session_log"] = insert(conn, "session_log", visit_id=ids["visit"], volunteer_id=ids["volunteer"],
                                outcome="held", mode="phone", actual_start=starts,
                                actual_end=starts + timedelta(minutes=50), mood_before=2, mood_after=4,
                                topics="family", follow_up_wanted=True, note="", risk_suicide=False,
                                risk_harm_others=False, risk_abuse=False, risk_medical=False, created_at=starts)
    ids["message"] = insert(conn, "outbound_message", dedupe_key=f"visit:{ids['visit']}:reminder_24h",
                            kind="reminder_24h", recipient_kind="resident", to_phone="+8613900005678",
                            body="明天上午有倾听志愿者来电。", locale="zh_CN", urgent=False, request_id=ids["request"],
                            visit_id=ids["visit"], status="sent", due_at=T0, attempts=1, sent_at=T0,
                            created_at=T0, updated_at=T0)
    ids["audit"] = insert(conn, "audit_event", at=starts, actor_id=ids["account"], action="session.log",
                          entity="session_log", entity_id=str(ids["session_log"]), details={"outcome": "held"})
    return ids


def test_a_first_release_database_keeps_its_data_through_every_later_migration(fresh_url):
    command.upgrade(db.alembic_config(fresh_url), FIRST_RELEASE)
    engine = db.make_engine(fresh_url)
    try:
        with engine.begin() as conn:
            ids = fill_first_release_database(conn)

        db.migrate(fresh_url)  # to head, whatever head is; raises if the tables then differ from the models

        with engine.connect() as conn:
            head = ScriptDirectory.from_config(db.alembic_config(fresh_url)).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head
        with Session(engine) as session:
            for model in (Account, Volunteer, Resident, ListeningRequest, Visit, SessionLog, OutboundMessage,
                          AuditEvent):
                assert session.exec(select(func.count()).select_from(model)).one() == 1, model.__name__
            assert session.get(Resident, ids["resident"]).phone == "+8613900005678"
            assert session.get(Visit, ids["visit"]).starts_at == T0 + timedelta(days=1)
            log = session.get(SessionLog, ids["session_log"])
            assert (log.mode, log.mood_after, log.visit_id) == (Mode.phone, 4, ids["visit"])
            assert session.get(OutboundMessage, ids["message"]).status == MessageStatus.sent
            assert session.get(AuditEvent, ids["audit"]).details == {"outcome": "held"}
            # a volunteer from before vetting counts as vetted (0010), so nothing already matched breaks
            assert vetting.is_vetted(session, ids["volunteer"])
            assert {(s.done_on, s.owner_id) for s in session.exec(select(VettingStep))} == {(date(2026, 9, 1), None)}
            # and the models write to the upgraded database (keys and sequences carried over)
            session.add(AuditEvent(at=T0, action="migrate.check", entity="audit_event"))
            session.commit()
            assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 2
    finally:
        engine.dispose()


def drop_session_log_mode(url: str) -> None:
    """A database that missed a schema change: its session_log lacks `mode` (SQLite rebuilds the table for it)."""
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)) as op:
            with op.batch_alter_table("session_log") as batch:
                batch.drop_constraint("ck_mode", type_="check")
                batch.drop_column("mode")
    finally:
        engine.dispose()


def test_migrate_refuses_a_database_whose_tables_differ_from_the_models(fresh_url, capsys):
    db.migrate(fresh_url)
    drop_session_log_mode(fresh_url)

    with pytest.raises(db.SchemaMismatch) as caught:
        db.migrate(fresh_url)
    assert caught.value.params == {"differences": "add column session_log.mode"}

    with app_on(fresh_url):
        for cli in (["migrate"], ["seed-demo", "--if-empty"]):
            assert main(cli) == 1
            out, err = capsys.readouterr()
            assert "newest schema" not in out and "seeded" not in out
            assert err.count("\n") == 1 and "session_log.mode" in err and "Traceback" not in err
