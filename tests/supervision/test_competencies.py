"""Competency sign-off: who, when, in what; each one missing keeps the volunteer shadowing, so unmatched."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import AuditEvent, Competency, Mode, ObservedIn
from listening.supervision import competencies
from listening.volunteers import training
from listening.volunteers.training import Stage
from tests import factories
from tests.supervision.helpers import listener

DAY = date(2026, 3, 2)


def test_each_competency_is_signed_by_whom_when_and_in_what(session):
    coordinator = factories.coordinator(session)
    volunteer = listener(session, joined=DAY - timedelta(days=60), competencies=False)
    assert training.training_status(session, volunteer_id=volunteer.id, on=DAY).stage == Stage.shadowing
    row = competencies.sign_off(session, actor=coordinator, volunteer_id=volunteer.id, competency=Competency.opening,
                                observed_in=ObservedIn.role_play, observed_on=DAY - timedelta(days=1), on=DAY)
    assert (row.signed_by, row.observed_in, row.observed_on) == (coordinator.id, ObservedIn.role_play,
                                                                  DAY - timedelta(days=1))
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "volunteer.competency_signed")).one()
    assert event.details["competency"] == "opening" and event.entity_id == str(volunteer.id)
    states = competencies.competency_states(session, volunteer_id=volunteer.id)
    assert [s.competency for s in states if s.signoff] == [Competency.opening]

    for competency in list(Competency)[1:-1]:
        competencies.sign_off(session, actor=coordinator, volunteer_id=volunteer.id, competency=competency,
                              observed_in=ObservedIn.first_session, observed_on=DAY, on=DAY)
    status = training.training_status(session, volunteer_id=volunteer.id, on=DAY)
    assert status.stage == Stage.shadowing and status.competencies_missing == [Competency.recognising_risk]
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[volunteer.id]) == {volunteer.id: set()}

    competencies.sign_off(session, actor=coordinator, volunteer_id=volunteer.id,
                          competency=Competency.recognising_risk, observed_in=ObservedIn.role_play, observed_on=DAY,
                          on=DAY)
    assert training.training_status(session, volunteer_id=volunteer.id, on=DAY).stage == Stage.home_certified
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[volunteer.id]) == {volunteer.id: set(Mode)}
    # the ladder on a day before the last sign-off still has them on the step before
    assert training.training_status(session, volunteer_id=volunteer.id,
                                    on=DAY - timedelta(days=1)).stage == Stage.shadowing


def test_sign_off_refuses_illegal_moves(session):
    coordinator = factories.coordinator(session)
    volunteer_account, _ = factories.volunteer(session, "other", phone="+8613900007777")
    volunteer = listener(session, joined=DAY - timedelta(days=60), competencies=False)

    def sign(**change):
        values = {"actor": coordinator, "volunteer_id": volunteer.id, "competency": Competency.ending,
                  "observed_in": ObservedIn.role_play, "observed_on": DAY, "on": DAY} | change
        return competencies.sign_off(session, **values)

    with pytest.raises(NotAllowed):
        sign(actor=volunteer_account)
    with pytest.raises(InvalidInput):
        sign(observed_on=DAY + timedelta(days=1))
    with pytest.raises(InvalidInput):
        sign(observed_on=DAY - timedelta(days=61))  # before they joined
    with pytest.raises(InvalidInput):
        sign(observed_in=ObservedIn.carried_over)
    sign()
    with pytest.raises(IllegalTransition):
        sign()
