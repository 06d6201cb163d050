"""The data version moves on with every committed write a page could show, and only then."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from listening.core import audit, db, versions
from listening.core.audit import AuditAction
from listening.models import Community, ResidentView, Volunteer, VolunteerStatus, utcnow


def version() -> int:
    with db.read_scope() as session:
        return versions.current(session)


@pytest.fixture
def community(session) -> Community:
    community = Community(code="lianhua", name_zh="莲花", name_en="Lianhua")
    session.add(community)
    session.commit()
    return community


def test_a_committed_write_moves_the_version_on_once(engine, community):
    before = version()
    with db.session_scope() as session:
        session.add(Volunteer(full_name="王芳", gender="f", phone="+8613800000001", community_id=community.id,
                              joined_on=date(2026, 1, 5)))
        session.add(Volunteer(full_name="李明", gender="m", phone="+8613800000002", community_id=community.id,
                              joined_on=date(2026, 1, 5)))
    assert version() == before + 1
    with db.session_scope() as session:  # an update through the ORM
        volunteer = session.exec(select(Volunteer)).first()
        volunteer.status = VolunteerStatus.paused
        session.add(volunteer)
    assert version() == before + 2


def test_dml_statements_count_too(engine, community):
    from sqlmodel import update

    before = version()
    db.transaction(lambda s: s.exec(update(Community).values(name_en="Lianhua Street")))
    assert version() == before + 1


def test_a_rolled_back_write_and_a_read_leave_it_alone(engine, community):
    before = version()
    with pytest.raises(RuntimeError), db.session_scope() as session:
        session.add(Community(code="futian", name_zh="福田", name_en="Futian"))
        session.flush()
        raise RuntimeError("changed my mind")
    with db.session_scope() as session:
        session.exec(select(Community)).all()
    with db.read_scope() as session:
        session.exec(select(Community)).all()
    assert version() == before


def test_bookkeeping_on_reads_leaves_it_alone(engine, community, session):
    """Who viewed whom and the audit trail are written while reading pages: they must not empty every cache."""
    from listening.models import Account, Resident, Role

    account = Account(username="zhang", display_name="张丽", role=Role.coordinator, password_hash="x")
    resident = Resident(display_name="林阿姨", phone="+8613900005678", community_id=community.id,
                        sensitive_consent_at=utcnow())
    session.add_all([account, resident])
    session.commit()
    before = version()
    with db.session_scope() as writer:
        writer.add(ResidentView(resident_id=resident.id, viewer_id=account.id, context="triage_list"))
        audit.record(writer, actor_id=account.id, action=AuditAction.resident_details_viewed, entity="resident",
                     entity_id=resident.id)
    assert version() == before


def test_the_version_becomes_visible_with_its_data(engine, community):
    """A reader never sees the new number before the data it stands for."""
    before = version()
    with db.session_scope() as session:
        session.add(Community(code="futian", name_zh="福田", name_en="Futian"))
        session.flush()
        with Session(db.get_engine()) as reader:  # another connection, while the writer has not committed
            assert versions.current(reader) == before
            assert reader.exec(select(Community).where(Community.code == "futian")).first() is None
    assert version() == before + 1
