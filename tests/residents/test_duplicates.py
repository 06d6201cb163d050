"""A second browser with a number the centre already knows: it learns nothing and changes nothing; the coordinator
merges the same-number request or keeps it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core.errors import IllegalTransition, NotAllowed
from listening.matching import week
from listening.models import (
    AuditEvent,
    Escalation,
    ListeningRequest,
    MessageKind,
    Mode,
    OutboundMessage,
    RequestStatus,
    Resident,
    SameNumberDecision,
    SmsHold,
    Visit,
    VisitStatus,
)
from listening.residents import duplicates, lifecycle, triage
from listening.residents.intake import SubmitOutcome
from tests.residents.test_intake import NOW, a_form, centre, submit  # noqa: F401  (centre is a fixture)

STRANGER = dict(display_name="陌生人", mode=Mode.home, address="福田区某路 1 号", topic="改一下")


def test_a_second_browser_changes_nothing_stored_for_the_number(session, centre):
    first = submit(session, a_form(sms_consent=True))
    resident_before = session.get(Resident, first.request.resident_id).model_dump()
    request_before = session.get(ListeningRequest, first.request.id).model_dump()

    second = submit(session, a_form(**STRANGER), client="198.51.100.7")

    session.expire_all()
    assert session.get(Resident, first.request.resident_id).model_dump() == resident_before
    assert session.get(ListeningRequest, first.request.id).model_dump() == request_before
    assert second.outcome == SubmitOutcome.same_number and second.request.id != first.request.id
    new = session.get(ListeningRequest, second.request.id)
    assert (new.same_number_as_id, new.same_number_decision, new.status) == (first.request.id, None, RequestStatus.new)
    assert new.mode == Mode.home and new.topic == "改一下"


def test_the_second_submission_sends_no_sms_and_the_coordinator_sees_what_it_gave(session, centre):
    first = submit(session, a_form(sms_consent=True))
    second = submit(session, a_form(**STRANGER), client="198.51.100.7")
    received = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.request_received)).all()
    assert [m.request_id for m in received] == [first.request.id]
    assert second.sms_held == SmsHold.same_number

    rows = {r.id: r for r in triage.open_requests(session, actor=centre["coordinator"], now=NOW)}
    assert rows[second.request.id].same_number_as == first.request.id
    assert rows[second.request.id].resident_name == "陌生人"  # the name it gave, never the stored one
    assert rows[first.request.id].resident_name == "李阿姨" and rows[first.request.id].same_number_as is None
    detail = triage.request_detail(session, actor=centre["coordinator"], request_id=second.request.id)
    assert detail.same_number_as == first.request.id
    assert (detail.given.display_name, detail.given.address, detail.given.sms_consent) == ("陌生人", "福田区某路 1 号", True)


def test_a_pending_proposal_is_not_withdrawn_by_a_second_browser(session, centre):
    first = submit(session)
    visit = lifecycle.propose(session, actor=centre["coordinator"], request_id=first.request.id,
                              volunteer_ids=[centre["lead"].id], starts_at=NOW + timedelta(days=2))
    session.commit()
    submit(session, a_form(**STRANGER), client="198.51.100.7")
    assert session.get(ListeningRequest, first.request.id).status == RequestStatus.matched
    assert session.get(Visit, visit.id).status == VisitStatus.proposed


def test_a_same_number_request_is_not_matched_until_a_coordinator_decides(session, centre):
    first = submit(session)
    second = submit(session, a_form(**STRANGER), client="198.51.100.7")
    monday = NOW.date() - timedelta(days=NOW.weekday())

    def matched_ids():
        return {r.id for r in week.build_instance(session, week_start=monday, now=NOW).instance.requests}

    assert matched_ids() == {week.request_key(first.request.id)}
    duplicates.keep_separate(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)
    session.commit()
    assert session.get(ListeningRequest, second.request.id).same_number_decision == SameNumberDecision.kept
    assert matched_ids() == {week.request_key(first.request.id), week.request_key(second.request.id)}
    assert session.get(ListeningRequest, first.request.id).status == RequestStatus.new


def test_merge_keeps_the_original_closes_the_duplicate_and_is_audited(session, centre):
    first = submit(session)
    second = submit(session, a_form(**STRANGER), client="198.51.100.7")
    original_before = session.get(ListeningRequest, first.request.id).model_dump()
    duplicates.merge(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)
    session.commit()
    session.expire_all()
    merged = session.get(ListeningRequest, second.request.id)
    assert (merged.status, merged.same_number_decision) == (RequestStatus.cancelled, SameNumberDecision.merged)
    assert session.get(ListeningRequest, first.request.id).model_dump() == original_before
    assert session.get(Resident, first.request.resident_id).display_name == "李阿姨"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.merged")).one()
    assert event.details == {"into": first.request.id, "risk_flag_carried": False}
    assert second.request.id not in {r.id for r in triage.open_requests(session, actor=centre["coordinator"])}
    history = triage.request_history(session, actor=centre["coordinator"], request_id=second.request.id)
    assert [h.action for h in history][-1] == "request.merged"
    with pytest.raises(IllegalTransition):  # once decided, never again
        duplicates.merge(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)


def test_risk_words_in_a_same_number_request_are_never_lost(session, centre):
    first = submit(session)
    second = submit(session, a_form(topic="我不想活了"), client="198.51.100.7")
    assert session.exec(select(Escalation)).one().request_id == second.request.id
    duplicates.merge(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)
    session.commit()
    original = session.get(ListeningRequest, first.request.id)
    assert (original.risk_flag, original.urgency) == (True, 3)


def test_merge_checks_the_state_and_who_asks(session, centre):
    first = submit(session)
    with pytest.raises(IllegalTransition):  # not a same-number request
        duplicates.merge(session, actor=centre["coordinator"], request_id=first.request.id, now=NOW)
    second = submit(session, a_form(**STRANGER), client="198.51.100.7")
    with pytest.raises(NotAllowed):
        duplicates.merge(session, actor=centre["lead_account"], request_id=second.request.id, now=NOW)
    lifecycle.cancel(session, actor=centre["coordinator"], request_id=first.request.id, reason="搬走了",
                     by="coordinator")
    session.commit()
    with pytest.raises(IllegalTransition) as raised:  # the original is closed: nothing to merge into
        duplicates.merge(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)
    assert f"#{first.request.id}" in raised.value.translated()


def test_keeping_copies_the_given_details_only_when_the_coordinator_asks(session, centre):
    first = submit(session, a_form(sms_consent=False))
    second = submit(session, a_form(**STRANGER), client="198.51.100.7")
    third = submit(session, a_form(display_name="第三位"), client="198.51.100.8")
    resident_id = first.request.resident_id
    duplicates.keep_separate(session, actor=centre["coordinator"], request_id=second.request.id, now=NOW)
    session.commit()
    assert session.get(Resident, resident_id).display_name == "李阿姨"
    duplicates.keep_separate(session, actor=centre["coordinator"], request_id=third.request.id,
                             use_given_details=True, now=NOW)
    session.commit()
    resident = session.get(Resident, resident_id)
    assert resident.display_name == "第三位"
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "request.kept_separate")
                          .order_by(AuditEvent.id)).all()
    assert [e.details["given_details_applied"] for e in events] == [False, True]


def test_after_the_request_is_closed_a_known_number_still_changes_nothing(session, centre):
    first = submit(session)
    lifecycle.cancel(session, actor=None, request_id=first.request.id, reason="不需要了", by="resident")
    session.commit()
    second = submit(session, a_form(**STRANGER))
    assert second.outcome == SubmitOutcome.same_number
    assert session.get(ListeningRequest, second.request.id).same_number_as_id == first.request.id
    assert session.get(Resident, first.request.resident_id).address is None
