"""The audit trail: named actions only, in the caller's transaction, read by coordinators only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import NotAllowed
from listening.models import AuditEvent
from tests import factories

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_an_action_must_be_a_named_audit_action_never_a_free_string(session):
    with pytest.raises(TypeError):
        audit.record(session, actor_id=None, action="request.sheduled", entity="listening_request")  # a typo
    assert session.exec(select(AuditEvent)).all() == []


def test_an_event_is_stored_with_its_action_value_in_the_callers_transaction(session):
    coordinator = factories.coordinator(session)
    audit.record(session, actor_id=coordinator.id, action=AuditAction.report_exported, entity="report",
                 entity_id=7, details={"rows": 3}, at=NOW)
    session.rollback()  # nothing of its own: it goes with the caller's transaction
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "report")).all() == []
    coordinator = factories.coordinator(session)
    audit.record(session, actor_id=coordinator.id, action=AuditAction.report_exported, entity="report",
                 entity_id=7, details={"rows": 3}, at=NOW)
    session.commit()
    stored = session.exec(select(AuditEvent).where(AuditEvent.entity == "report")).one()
    assert (stored.action, stored.entity_id, stored.details) == ("report.exported", "7", {"rows": 3})


def test_recent_events_are_for_coordinators_newest_first_and_filter_by_entity(session):
    coordinator = factories.coordinator(session)
    volunteer_account, _ = factories.volunteer(session)
    for minute, entity in enumerate(("report", "account", "report")):
        audit.record(session, actor_id=coordinator.id, action=AuditAction.report_exported, entity=entity,
                     entity_id=minute, at=NOW.replace(minute=minute))
    session.commit()
    with pytest.raises(NotAllowed):
        audit.recent_events(session, actor=volunteer_account)
    reports = audit.recent_events(session, actor=coordinator, entity="report")
    assert [e.entity_id for e in reports] == ["2", "0"]
