"""Every staff view of a resident's details is audited, list views included, once per viewer, place and ten
minutes; a coordinator can see who viewed a resident."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from listening import safeguarding
from listening.models import (
    Account,
    AuditEvent,
    EscalationSource,
    ListeningRequest,
    RequestStatus,
    ResidentView,
    utcnow,
)
from listening.privacy import views
from listening.privacy.views import ViewContext
from listening.residents import triage
from listening.sessions.logs import loggable_visits
from listening.sessions.visits import my_visits
from listening.sms import review as sms_review
from tests.privacy.test_erasure import erased_setup  # noqa: F401


def contexts(session, resident_id: int) -> set[str]:
    return set(session.exec(select(ResidentView.context).where(ResidentView.resident_id == resident_id)).all())


@pytest.mark.parametrize("context, show", [
    (ViewContext.triage_list, lambda s, who, request_id: triage.open_requests(s, actor=who)),
    (ViewContext.request_detail, lambda s, who, request_id: triage.request_detail(s, actor=who, request_id=request_id)),
    (ViewContext.call, lambda s, who, request_id: triage.reveal_phone(s, actor=who, request_id=request_id)),
    (ViewContext.sms, lambda s, who, request_id: sms_review.review_page(s, actor=who)),
    (ViewContext.safeguarding, lambda s, who, request_id: safeguarding.open_escalations(s, actor=who)),
])
def test_each_staff_view_of_a_resident_is_audited(session, erased_setup, context, show):  # noqa: F811
    coordinator, resident = erased_setup
    request_id = session.exec(select(ListeningRequest.id).where(ListeningRequest.resident_id == resident.id,
                                                  col(ListeningRequest.same_number_as_id).is_(None))).one()
    safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds={"suicide"},
                                  request_id=request_id)
    request = session.get(ListeningRequest, request_id)
    request.status = RequestStatus.new  # back in the queue, so the triage list shows it
    session.add(request)
    session.execute(sa.delete(ResidentView))  # start from nothing (the fixture opened the request once)
    events_before = len(session.exec(select(AuditEvent).where(AuditEvent.action.like("resident.%"))).all())
    show(session, coordinator, request_id)
    show(session, coordinator, request_id)  # a Streamlit rerun: no second record
    assert contexts(session, resident.id) == {context.value}
    events = session.exec(select(AuditEvent).where(AuditEvent.action.like("resident.%"))
                          .order_by(AuditEvent.id)).all()[events_before:]
    assert len(events) == 1 and events[0].actor_id == coordinator.id
    assert events[0].details["context"] == context.value
    expected = "resident.contact_viewed" if context == ViewContext.call else "resident.details_viewed"
    assert events[0].action == expected


def test_a_repeat_after_ten_minutes_is_a_new_view_and_the_coordinator_sees_who_viewed(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    now = utcnow()
    assert views.record_view(session, viewer=coordinator, resident_ids=[resident.id],
                             context=ViewContext.triage_list, now=now + timedelta(minutes=20)) == [resident.id]
    assert views.record_view(session, viewer=coordinator, resident_ids=[resident.id],
                             context=ViewContext.triage_list, now=now + timedelta(minutes=29)) == []
    assert views.record_view(session, viewer=coordinator, resident_ids=[resident.id],
                             context=ViewContext.triage_list, now=now + timedelta(minutes=31)) == [resident.id]
    # A contact view after a masked one counts even within the window.
    assert views.record_view(session, viewer=coordinator, resident_ids=[resident.id], context=ViewContext.triage_list,
                             contact=True, now=now + timedelta(minutes=32)) == [resident.id]
    seen = views.viewers_of(session, actor=coordinator, resident_id=resident.id)
    assert seen[0].name == coordinator.display_name and seen[0].contact
    assert {v.context for v in seen} >= {ViewContext.triage_list, ViewContext.request_detail}


def test_a_volunteers_pages_are_views_too(session, erased_setup):  # noqa: F811
    _, resident = erased_setup
    volunteer = session.exec(select(Account).where(Account.username == "vol")).one()
    session.execute(sa.delete(ResidentView))
    assert loggable_visits(session, actor=volunteer) == []  # the fixture logged the visit already
    my_visits(session, actor=volunteer)  # the volunteer's home page: the visit two hours ago, number shown
    assert contexts(session, resident.id) == {ViewContext.my_visits.value}
    assert session.exec(select(ResidentView.contact)).all() == [True]
