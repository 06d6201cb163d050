"""The audit trail is append-only in the database itself: the app's own connection cannot rewrite or delete an
event, on SQLite (triggers) or PostgreSQL (trigger, and no UPDATE/DELETE/TRUNCATE for a role that does not own
the table). Migration 0002 also moves typed reasons out of the details of events written before it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from listening.core import audit, db
from listening.core.audit import AuditAction
from listening.models import AuditEvent, Language, ListeningRequest, Mode, RequestReason
from listening.residents import lifecycle
from tests import factories
from tests.core.test_migrations import fill_first_release_database, insert

REASON = "居民本周住院（抑郁复发）"


def an_event(session) -> int:
    event = audit.record(session, actor_id=None, action=AuditAction.demo_seeded, entity="database",
                         details={"rows": 1})
    session.commit()
    return event.id


def test_the_app_cannot_update_or_delete_an_audit_event(session):
    event_id = an_event(session)
    for statement in (sa.update(AuditEvent).where(AuditEvent.id == event_id).values(action="x"),
                      sa.delete(AuditEvent).where(AuditEvent.id == event_id)):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.execute(statement)
        session.rollback()
    assert session.exec(select(AuditEvent.action).where(AuditEvent.id == event_id)).one() == "demo.seeded"


def test_postgresql_refuses_truncate_and_a_non_owner_role_has_no_update_or_delete(session, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE and roles are PostgreSQL's")
    an_event(session)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.text("TRUNCATE audit_event"))
    session.rollback()
    role = f"lh_app_{uuid.uuid4().hex[:8]}"
    # All in one transaction, rolled back at the end: the role never outlives the test.
    session.execute(sa.text(f'CREATE ROLE "{role}"'))
    # What a deployment grants the app's role (docs/privacy.md).
    session.execute(sa.text(f'GRANT SELECT, INSERT ON audit_event TO "{role}"'))
    session.execute(sa.text(f'GRANT USAGE ON SEQUENCE audit_event_id_seq TO "{role}"'))
    session.execute(sa.text(f'SET LOCAL ROLE "{role}"'))
    session.execute(sa.text("INSERT INTO audit_event (at, action, entity) VALUES (now(), 'x', 'database')"))
    for sql in ("UPDATE audit_event SET action = 'y'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), session.begin_nested():
            session.execute(sa.text(sql))
    session.rollback()


def test_migration_0002_moves_old_reasons_out_of_the_audit_and_revokes_rewrites(fresh_url):
    command.upgrade(db.alembic_config(fresh_url), "0001")
    engine = db.make_engine(fresh_url)
    role = f"lh_old_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            ids = fill_first_release_database(conn)
            insert(conn, "audit_event", at=datetime(2026, 11, 28, tzinfo=UTC), actor_id=ids["account"],
                   action="request.requeued", entity="listening_request", entity_id=str(ids["request"]),
                   details={"from": "scheduled", "to": "new", "reason": REASON})
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f'CREATE ROLE "{role}"')
                conn.exec_driver_sql(f'GRANT ALL ON audit_event TO "{role}", PUBLIC')
        command.upgrade(db.alembic_config(fresh_url), "0002")
        with Session(engine) as session:
            assert REASON not in str(session.exec(select(AuditEvent.details)).all())
            moved = session.exec(select(RequestReason)).one()
            assert (moved.reason, moved.action, moved.request_id) == (REASON, "request.requeued", ids["request"])
            if engine.dialect.name == "postgresql":
                granted = session.execute(sa.text(
                    "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
                    "WHERE table_name = 'audit_event' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')"
                )).all()
                assert {g for g, _ in granted} <= {"postgres"}  # only the owner
    finally:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        engine.dispose()


def test_a_rejection_reason_is_nowhere_in_the_audit_trail(session):
    coordinator = factories.coordinator(session)
    _, chen = factories.volunteer(session)
    resident = factories.resident(session, consented_at=datetime.now(UTC))
    request = ListeningRequest(resident_id=resident.id, mode=Mode.centre, language=Language.mandarin)
    session.add(request)
    session.flush()
    lifecycle.propose(session, actor=coordinator, request_id=request.id, volunteer_ids=[chen.id],
                      starts_at=datetime(2026, 12, 3, 2, tzinfo=UTC))
    lifecycle.reject_proposal(session, actor=coordinator, request_id=request.id, reason=REASON)
    session.commit()
    rows = session.execute(sa.text("SELECT * FROM audit_event")).all()
    assert rows and REASON not in str(rows) and "抑郁" not in str(rows)
    kept = session.exec(select(RequestReason)).one()
    assert (kept.reason, kept.action) == (REASON, "request.proposal_rejected")
