"""The coordinator's matching page, through the real app script with AppTest, on the demo centre."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from listening.core import phones
from listening.core.i18n import set_locale
from listening.matching import proposals
from listening.models import (
    Account,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RequestStatus,
    Resident,
    Visit,
    VisitStatus,
    VisitVolunteer,
)
from listening.sms import outbox
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

PAGE = "pages/matching.py"


def open_page(lang: str = "en"):
    set_locale(lang)  # AppTest formats option labels (format_func) in this thread
    at = sign_in("coordinator", lang=lang)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def run_next_week(at):
    weeks = at.selectbox(key="week")
    weeks.set_value(weeks.value + timedelta(weeks=1)).run()
    at.button(key="run").click().run()
    assert not at.exception
    return at


def proposed(session) -> list[Visit]:
    session.rollback(); session.expire_all()  # a fresh snapshot: the app committed in its own transaction
    return list(session.exec(select(Visit).where(Visit.status == VisitStatus.proposed).order_by(Visit.id)))


def status_of(session, request_id: int) -> RequestStatus:
    session.rollback(); session.expire_all()  # a fresh snapshot: the app committed in its own transaction
    return session.get(ListeningRequest, request_id).status


def test_a_run_shows_figures_reasons_and_proposals(demo, session):
    at = open_page()
    assert at.title[0].value == "Matching"
    run_next_week(at)
    labels = [m.label for m in at.metric]
    assert "Matched in this run" in labels and "First come, first served would match" in labels
    visits = proposed(session)
    assert visits, "the demo has new requests that the demo volunteers can take"
    names = {session.get(Resident, session.get(ListeningRequest, v.request_id).resident_id).display_name
             for v in visits}
    headings = [m.value for m in at.markdown if " · request #" in m.value]
    assert headings and all(h.startswith("**") for h in headings)
    assert {h[2:h.index("**", 2)] for h in headings} <= names  # the resident by name, not only "Request #141"
    assert all(re.search(r" · (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d · ", h)
               for h in headings)
    assert not any(m.delta == "0" for m in at.metric)  # no bare "0" badge
    assert any("Speaks " in m.value for m in at.markdown)  # each match's reasons
    assert any(s.value.startswith("Proposals awaiting approval") for s in at.subheader)
    assert at.button(key=f"approve_{visits[0].request_id}")
    new_left = session.exec(select(func.count()).select_from(ListeningRequest)
                            .where(ListeningRequest.status == RequestStatus.new)).one()
    if new_left:  # the ones the week could not serve are listed with a reason
        assert any(s.value.startswith("Not matched") for s in at.subheader)


def test_approve_reject_and_change_from_the_page(demo, session):
    at = run_next_week(open_page())
    visits = proposed(session)
    assert len(visits) >= 2
    first, second = visits[0].request_id, visits[1].request_id

    at.button(key=f"approve_{first}").click().run()
    assert not at.exception
    assert status_of(session, first) == RequestStatus.scheduled
    notices = session.exec(select(OutboundMessage).join(Visit, Visit.id == OutboundMessage.visit_id)
                           .where(Visit.request_id == first, OutboundMessage.kind == MessageKind.visit_scheduled)).all()
    assert notices, "approval queued the booking notices in the same transaction"
    assert any("is scheduled" in s.value for s in at.success)

    at.button(key=f"reject_{second}").click().run()
    assert [e.value for e in at.error] == ["Please give a reason."]
    assert status_of(session, second) == RequestStatus.matched
    at.text_input(key=f"reject_reason_{second}").input("The resident is away this week")
    at.button(key=f"reject_{second}").click().run()
    assert not at.exception
    assert status_of(session, second) == RequestStatus.new

    remaining = proposed(session)
    if remaining:
        rid = remaining[0].request_id
        at.toggle(key=f"change_{rid}").set_value(True).run()
        assert not at.exception
        who = [s for s in at.selectbox if s.key == f"change_who_{rid}"]
        if who:
            before = remaining[0].id
            who[0].select_index(len(who[0].options) - 1).run()
            times = at.selectbox(key=f"change_time_{rid}")
            times.select_index(len(times.options) - 1).run()
            at.button(key=f"change_save_{rid}").click().run()
            assert not at.exception
            assert status_of(session, rid) == RequestStatus.matched
            assert session.get(Visit, before).status == VisitStatus.cancelled


def test_approving_in_quiet_hours_tells_the_coordinator_whom_to_phone(demo, session, monkeypatch):
    """A visit at 07:30 approved at 22:30 the evening before: no SMS can reach anyone in time."""
    at = run_next_week(open_page())
    visit = next(v for v in proposed(session)  # a resident who agreed to SMS
                 if session.get(Resident, session.get(ListeningRequest, v.request_id).resident_id).sms_consent_at)
    rid = visit.request_id
    shenzhen = ZoneInfo("Asia/Shanghai")
    early = datetime.combine(visit.starts_at.astimezone(shenzhen).date(), time(7, 30), tzinfo=shenzhen)
    visit.starts_at, visit.ends_at = early, early + timedelta(hours=1)  # half past seven: never a matcher's slot
    for booking in session.exec(select(VisitVolunteer).where(VisitVolunteer.visit_id == visit.id)):
        booking.starts_at = early
        session.add(booking)
    session.add(visit)
    session.commit()
    approve = proposals.approve
    monkeypatch.setattr(proposals, "approve", lambda s, **kw: approve(s, now=early - timedelta(hours=9), **kw))

    at.button(key=f"approve_{rid}").click().run()
    assert not at.exception
    assert status_of(session, rid) == RequestStatus.scheduled
    (warning,) = [w.value for w in at.warning if w.value.startswith("Quiet hours last until")]
    resident = session.get(Resident, session.get(ListeningRequest, rid).resident_id)
    assert f"Request #{rid}: resident {resident.display_name}, {phones.display(resident.phone)}" in warning
    assert "volunteer" in warning
    notices = session.exec(select(OutboundMessage).where(OutboundMessage.visit_id == visit.id,
                                                         OutboundMessage.kind == MessageKind.visit_scheduled)).all()
    assert notices and {(n.status, n.error_message) for n in notices} == {
        (MessageStatus.not_sent, outbox.QUIET_PHONE_INSTEAD)}
    at.run()  # shown once, like the other messages
    assert not [w for w in at.warning if w.value.startswith("Quiet hours last until")]


def test_approve_all(demo, session):
    at = run_next_week(open_page("zh_CN"))
    visits = proposed(session)
    at.button(key="approve_all").click().run()
    assert not at.exception
    assert proposed(session) == []
    assert all(status_of(session, v.request_id) == RequestStatus.scheduled for v in visits)


def test_a_volunteer_cannot_open_the_matching_page(demo, session):
    volunteer = session.exec(select(Account).where(Account.username == "volunteer")).one()
    at = app_test(PAGE)
    at.session_state["account"] = volunteer
    at.run()
    assert not at.exception
    assert at.error and not at.button


def test_changing_a_match_is_two_steps_with_only_the_times_that_volunteer_is_free(demo, session):
    at = run_next_week(open_page("zh_CN"))
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    for visit in proposed(session):
        options = proposals.change_options(session, actor=coordinator, request_id=visit.request_id)
        session.rollback()
        groups = set(dict.fromkeys(o.volunteer_ids for o in options))
        if len(groups) >= 2:
            break
    else:
        pytest.skip("no proposal in the demo week has two volunteers to choose between")
    rid = visit.request_id
    at.toggle(key=f"change_{rid}").set_value(True).run()
    assert not at.exception
    who = at.selectbox(key=f"change_who_{rid}")
    assert len(who.options) == len(groups)  # one choice per volunteer (or pair), not per volunteer and time
    who.select_index(len(who.options) - 1).run()
    last_group = list(dict.fromkeys(o.volunteer_ids for o in options))[-1]  # the page's order
    picked = [o for o in options if o.volunteer_ids == last_group]
    times = at.selectbox(key=f"change_time_{rid}")
    assert len(times.options) == len(picked)
    assert all(re.fullmatch(r"\d{1,2}月\d{1,2}日 周. \d\d:\d\d", t) for t in times.options)
    times.select_index(len(times.options) - 1).run()
    at.button(key=f"change_save_{rid}").click().run()
    assert not at.exception
    session.rollback(); session.expire_all()
    new = session.exec(select(Visit).where(Visit.request_id == rid, Visit.status == VisitStatus.proposed)).one()
    booked = session.exec(select(VisitVolunteer.volunteer_id).where(VisitVolunteer.visit_id == new.id)).all()
    assert sorted(booked) == sorted(picked[-1].volunteer_ids)
    assert new.starts_at == picked[-1].starts_at


def test_a_district_week_of_proposals_is_shown_twenty_at_a_time_and_approve_all_still_means_all(session, demo,
                                                                                                 monkeypatch):
    """Each proposal is a card with two buttons, a text field and a toggle: a district's week (65 and more) made a
    rerun take 400 ms. A page of twenty, the chooser beside it; the count and "Approve all" are the week's."""
    from listening.models import Language, Mode

    week = [proposals.Proposal(request_id=5000 + n, visit_id=9000 + n, starts_at=datetime(2026, 12, 3, 2, tzinfo=UTC),
                               mode=Mode.phone, language=Language.mandarin, urgency=1, waiting_days=2, community=None,
                               needs_pair=False, volunteers=(), resident_name=f"居民{n}") for n in range(45)]
    monkeypatch.setattr(proposals, "proposals", lambda session, *, actor, week_start, now=None: week)
    at = open_page()
    approve = [b.key for b in at.button if b.key and b.key.startswith("approve_") and b.key != "approve_all"]
    assert approve == [f"approve_{5000 + n}" for n in range(20)]
    assert at.button(key="approve_all").label == "Approve all 45"
    at.number_input(key="proposals_page").set_value(3).run()
    approve = [b.key for b in at.button if b.key and b.key.startswith("approve_") and b.key != "approve_all"]
    assert approve == [f"approve_{5040 + n}" for n in range(5)]
