"""Vetting steps: each recorded once by a coordinator with its owner and date, audited; a volunteer is vetted
only with all four."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from listening.models import AuditEvent, VettingStep, VettingStepKind
from listening.volunteers import vetting
from tests import factories

DAY = date(2026, 3, 2)


def test_each_step_is_recorded_with_its_owner_and_date_and_audited(session):
    coordinator = factories.coordinator(session)
    other = factories.coordinator(session, "coord2")
    _, applicant = factories.volunteer(session, None, vetted=False)
    assert vetting.missing_steps(session, applicant.id) == list(VettingStepKind)
    for kind in VettingStepKind:
        assert not vetting.is_vetted(session, applicant.id)
        step = vetting.record_step(session, actor=coordinator, volunteer_id=applicant.id, kind=kind, done_on=DAY,
                                   owner_id=other.id)
        assert (step.kind, step.done_on, step.owner_id) == (kind, DAY, other.id)
    assert vetting.is_vetted(session, applicant.id)
    assert vetting.vetted_volunteer_ids(session, [applicant.id]) == {applicant.id}
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == str(applicant.id),
                                                   AuditEvent.action == AuditAction.volunteer_vetting_step_recorded)
                          .order_by(AuditEvent.id)).all()
    assert [e.details["step"] for e in events] == [k.value for k in VettingStepKind]
    assert all(e.actor_id == coordinator.id for e in events)


def test_the_owner_defaults_to_the_coordinator_recording_it(session):
    coordinator = factories.coordinator(session)
    _, applicant = factories.volunteer(session, None, vetted=False)
    step = vetting.record_step(session, actor=coordinator, volunteer_id=applicant.id,
                               kind=VettingStepKind.real_name_check, done_on=DAY)
    assert step.owner_id == coordinator.id
    # checked by whom, when: nothing else (no ID number) is kept
    assert set(VettingStep.model_fields) == {"id", "volunteer_id", "kind", "done_on", "owner_id", "notes",
                                             "created_at"}


def test_a_step_cannot_be_recorded_twice(session):
    coordinator = factories.coordinator(session)
    _, applicant = factories.volunteer(session, None, vetted=False)
    vetting.record_step(session, actor=coordinator, volunteer_id=applicant.id, kind=VettingStepKind.interview,
                        done_on=DAY)
    with pytest.raises(IllegalTransition):
        vetting.record_step(session, actor=coordinator, volunteer_id=applicant.id, kind=VettingStepKind.interview,
                            done_on=DAY)


def test_illegal_moves_raise_clear_errors(session):
    coordinator = factories.coordinator(session)
    account, volunteer = factories.volunteer(session, "vol", vetted=False)
    with pytest.raises(NotAllowed):
        vetting.record_step(session, actor=account, volunteer_id=volunteer.id, kind=VettingStepKind.interview,
                            done_on=DAY)
    with pytest.raises(NotFound):
        vetting.record_step(session, actor=coordinator, volunteer_id=volunteer.id + 999,
                            kind=VettingStepKind.interview, done_on=DAY)
    with pytest.raises(InvalidInput):  # the owner must be a coordinator, not the volunteer
        vetting.record_step(session, actor=coordinator, volunteer_id=volunteer.id, kind=VettingStepKind.interview,
                            done_on=DAY, owner_id=account.id)
    assert vetting.missing_steps(session, volunteer.id) == list(VettingStepKind)


def test_only_volunteers_with_every_step_are_vetted(session):
    coordinator = factories.coordinator(session)
    _, done = factories.volunteer(session, None, phone="+8613900001111")
    _, partly = factories.volunteer(session, None, phone="+8613900002222", vetted=False)
    vetting.record_step(session, actor=coordinator, volunteer_id=partly.id, kind=VettingStepKind.interview,
                        done_on=DAY)
    assert vetting.vetted_volunteer_ids(session, [done.id, partly.id]) == {done.id}
    assert vetting.vetted_volunteer_ids(session, []) == set()
