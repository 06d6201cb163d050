"""The schema: migrations agree with the models, and the database itself enforces keys, uniqueness and enums."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from listening.core.db import schema_differences
from listening.models import (
    Language,
    ListeningRequest,
    Mode,
    RequestStatus,
    Resident,
    Visit,
    VisitRole,
    VisitVolunteer,
)
from tests import factories

SHANGHAI = timezone(timedelta(hours=8))


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        assert schema_differences(conn) == []


def resident(session, phone="+8613900005678") -> Resident:
    return factories.resident(session, name="林阿姨", phone=phone, consented_at=datetime.now(UTC), sms_consent=False)


def test_an_enum_value_outside_the_list_is_refused_by_the_database(session):
    res = resident(session)
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.text(
            "INSERT INTO listening_request (resident_id, mode, language, wants_same_volunteer, urgency, risk_flag,"
            " status, source, created_at, updated_at) VALUES (:r, 'teleport', 'zh', false, 1, false, 'new',"
            " 'online', :t, :t)"), {"r": res.id, "t": datetime.now(UTC).replace(tzinfo=None)})
    session.rollback()


def test_a_foreign_key_to_nothing_is_refused(session):
    session.add(ListeningRequest(resident_id=999_999, mode=Mode.phone, language=Language.mandarin))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_a_naive_datetime_is_refused_and_aware_ones_come_back_in_utc(session):
    res = resident(session)
    res.sms_consent_at = datetime(2026, 11, 27, 9, 30)
    with pytest.raises(sa.exc.StatementError):
        session.flush()
    session.rollback()
    res = resident(session)
    res.sms_consent_at = datetime(2026, 11, 27, 9, 30, tzinfo=SHANGHAI)
    session.commit()
    session.expire_all()
    stored = session.get(Resident, res.id).sms_consent_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)


def test_one_open_request_per_resident_but_closed_ones_may_pile_up(session):
    res = resident(session)
    for _ in range(2):
        session.add(ListeningRequest(resident_id=res.id, mode=Mode.phone, language=Language.mandarin,
                                     status=RequestStatus.completed))
    session.add(ListeningRequest(resident_id=res.id, mode=Mode.phone, language=Language.mandarin))
    session.commit()
    session.add(ListeningRequest(resident_id=res.id, mode=Mode.centre, language=Language.mandarin))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_a_volunteer_cannot_be_booked_twice_in_one_slot(session):
    _, vol = factories.volunteer(session)
    starts = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    visit_ids = []
    for phone in ("+8613900000001", "+8613900000002"):
        request = ListeningRequest(resident_id=resident(session, phone).id, mode=Mode.phone,
                                   language=Language.mandarin)
        session.add(request)
        session.flush()
        visit = Visit(request_id=request.id, mode=Mode.phone, starts_at=starts, ends_at=starts + timedelta(hours=1))
        session.add(visit)
        session.flush()
        visit_ids.append(visit.id)
    session.add(VisitVolunteer(visit_id=visit_ids[0], volunteer_id=vol.id, role=VisitRole.lead, starts_at=starts))
    session.commit()
    session.add(VisitVolunteer(visit_id=visit_ids[1], volunteer_id=vol.id, role=VisitRole.lead, starts_at=starts))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    # Once the first booking is no longer live, the slot is free again.
    booking = session.exec(select(VisitVolunteer).where(VisitVolunteer.visit_id == visit_ids[0])).one()
    booking.live = False
    session.add(booking)
    session.add(VisitVolunteer(visit_id=visit_ids[1], volunteer_id=vol.id, role=VisitRole.lead, starts_at=starts))
    session.commit()


def test_check_constraints_hold(session):
    _, vol = factories.volunteer(session)
    vol.weekly_hour_cap = 99
    session.add(vol)
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_volunteer_join_date_is_a_plain_date(session):
    _, vol = factories.volunteer(session)
    session.commit()
    assert isinstance(vol.joined_on, date)


def test_a_failing_statement_never_shows_its_bound_values(engine):
    """hide_parameters on the app's engine: the error (and any engine log line) keeps a resident's data out."""
    phone, name = "+8613800138000", "陈秀兰"
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as raised:
        conn.execute(sa.text("SELECT * FROM no_such_table WHERE phone = :phone AND name = :name"),
                     {"phone": phone, "name": name})
    assert "SQL parameters hidden" in str(raised.value)
    assert phone not in str(raised.value) and name not in str(raised.value)
