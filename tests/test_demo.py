from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import func, select

from listening.core.phones import normalise
from listening.demo import is_seeded, seed_demo
from listening.models import (
    Account,
    ListeningRequest,
    RequestStatus,
    Resident,
    SessionLog,
    TrainingCompletion,
    VettingStep,
    VettingStepKind,
    Volunteer,
)

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def test_the_demo_centre_is_believable(session):
    counts = seed_demo(session)
    session.commit()
    assert 35 <= counts["volunteers"] <= 45
    assert 140 <= counts["requests"] <= 160
    assert counts["session_logs"] > 100
    statuses = Counter(session.exec(select(ListeningRequest.status)).all())
    for status in (RequestStatus.new, RequestStatus.scheduled, RequestStatus.completed):
        assert statuses[status] > 0, status
    completed_modules = Counter(session.exec(select(TrainingCompletion.volunteer_id)).all())
    volunteers = session.exec(select(Volunteer.id)).all()
    stages = Counter(completed_modules.get(v, 0) for v in volunteers)
    assert stages[0] >= 3 and stages[8] >= 3, "applicants and home-certified volunteers are both there"
    assert session.exec(select(func.count()).select_from(SessionLog)).one() == counts["session_logs"]
    for phone in session.exec(select(Resident.phone)).all():
        assert normalise(phone) == phone and phone[6:10] == "0000"  # valid format, fictional block
    assert {a.username for a in session.exec(select(Account))} >= {"coordinator", "volunteer", "trainee"}


def test_demo_goes_only_into_an_empty_database(session):
    assert not is_seeded(session)
    seed_demo(session)
    session.commit()
    assert is_seeded(session)
    with pytest.raises(RuntimeError):
        seed_demo(session)


def test_the_demo_has_applicants_at_every_vetting_step(session):
    seed_demo(session)
    session.commit()
    done = Counter(session.exec(select(VettingStep.volunteer_id)).all())
    volunteers = session.exec(select(Volunteer.id)).all()
    steps_done = Counter(done.get(v, 0) for v in volunteers)
    assert set(steps_done) == set(range(len(VettingStepKind) + 1)), "none, one, ... every step done"
    assert steps_done[len(VettingStepKind)] >= 20  # everyone past applicant is vetted, so the demo still matches


def test_the_demo_has_activities_follow_ups_a_journey_and_every_signal(session):
    from listening.connection import activities, journeys, suggestions
    from listening.models import ActivityFollowUp
    from listening.residents import signals

    seed_demo(session)
    boss, volunteer = (session.exec(select(Account).where(Account.username == name)).one()
                       for name in ("coordinator", "volunteer"))
    assert len(activities.catalogue(session, actor=boss)) >= 8
    assert suggestions.follow_ups_due(session, actor=volunteer)  # 陈静's home has one to answer
    assert {f.weeks for f in session.exec(select(ActivityFollowUp))} == {2, 6}
    assert journeys.reviews_due(session, actor=boss)
    assert {s.kind for s in signals.signals(session, actor=boss)} == set(signals.SignalKind)
