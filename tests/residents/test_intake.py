"""Resident requests: the form's checks, consent, one open request per number, the lifecycle, risk words, limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core import clock
from listening.core.config import get_settings
from listening.core.errors import IllegalTransition, InvalidForm, InvalidInput, NotAllowed
from listening.core.i18n import set_locale
from listening.models import (
    AuditEvent,
    Escalation,
    Gender,
    Language,
    ListeningRequest,
    MessageKind,
    Mode,
    OutboundMessage,
    PartOfDay,
    RequestSource,
    RequestStatus,
    RequestTimeWindow,
    Resident,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
)
from listening.residents import intake, lifecycle, triage
from listening.residents.intake import RequestForm, SubmitOutcome
from listening.residents.triage import TriageSort
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NOW = clock.now().replace(microsecond=0)  # the suite's pinned instant (--at)
TODAY = clock.local_date(NOW)  # the programme's day: at 00:30 in Shenzhen the UTC date is yesterday's


def a_form(**changes) -> RequestForm:
    form = RequestForm(display_name="李阿姨", phone="13812345678", community_code="yuehai", mode=Mode.centre,
                       language=Language.cantonese, weekdays=[1, 3], parts_of_day=[PartOfDay.afternoon],
                       topic="最近一个人住，想找人聊聊天", sensitive_consent=True, sms_consent=True)
    return replace(form, **changes)



@pytest.fixture
def centre(session):
    """Communities, a coordinator and two volunteers with accounts."""
    factories.community(session)
    coordinator = factories.coordinator(session)
    lead_account, lead = factories.volunteer(session, "vol1", name="陈静", phone="+8613900001234")
    partner_account, partner = factories.volunteer(session, "vol2", name="周敏", phone="+8613900005678")
    session.commit()
    return {"coordinator": coordinator, "lead": lead, "lead_account": lead_account, "partner": partner,
            "partner_account": partner_account}


def submit(session, form=None, *, client="192.0.2.1", now=NOW):
    result = intake.submit(session, form=form or a_form(), client_address=client, now=now)
    session.commit()
    return result


# ----- the form -----------------------------------------------------------------------------------------------


def test_a_valid_request_is_stored_with_the_number_in_e164_and_its_time_windows(session, centre):
    result = submit(session, a_form(phone="１３８ １２３４ ５６７８", dates=[TODAY + timedelta(days=3)],
                                    parts_of_day=[PartOfDay.evening, PartOfDay.morning]))
    assert result.outcome == SubmitOutcome.created
    request = session.get(ListeningRequest, result.request.id)
    resident = session.get(Resident, request.resident_id)
    assert resident.phone == "+8613812345678"
    assert (request.status, request.source, request.urgency, request.risk_flag) == (
        RequestStatus.new, RequestSource.online, 1, False)
    assert resident.sensitive_consent_at is not None and resident.sms_consent_at is not None
    assert resident.address is None  # only kept for home visits
    windows = session.exec(select(RequestTimeWindow).where(RequestTimeWindow.request_id == request.id)).all()
    assert {(w.weekday, w.on_date, w.part_of_day) for w in windows} == {
        (1, None, PartOfDay.morning), (1, None, PartOfDay.evening), (3, None, PartOfDay.morning),
        (3, None, PartOfDay.evening), (None, TODAY + timedelta(days=3), PartOfDay.morning),
        (None, TODAY + timedelta(days=3), PartOfDay.evening)}
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.submitted")).one()
    assert event.entity_id == str(request.id)
    assert "13812345678" not in str(event.details) and "聊天" not in str(event.details)


BAD_VALUES = [
    ("display_name", {"display_name": "  "}, "请告诉我们"),
    ("display_name", {"display_name": "名" * 51}, "50"),
    ("phone", {"phone": ""}, "请输入"),
    ("phone", {"phone": "12345"}, "12345"),
    ("phone", {"phone": "call me"}, "call me"),
    ("community", {"community_code": ""}, "社区"),
    ("community", {"community_code": "atlantis"}, "社区"),
    ("mode", {"mode": None}, "方式"),
    ("mode", {"mode": "boat"}, "方式"),
    ("language", {"language": ""}, "语言"),
    ("language", {"language": "klingon"}, "语言"),
    ("parts_of_day", {"parts_of_day": []}, "时段"),
    ("parts_of_day", {"parts_of_day": ["midnight"]}, "时段"),
    ("weekdays", {"weekdays": [7]}, "星期"),
    ("weekdays", {"weekdays": [-1]}, "星期"),
    ("weekdays", {"weekdays": [], "dates": []}, "星期"),
    ("dates", {"dates": [TODAY - timedelta(days=1)]}, "已经过去"),
    ("dates", {"dates": [TODAY + timedelta(days=61)]}, "60"),
    ("dates", {"dates": [TODAY + timedelta(days=n) for n in range(1, 12)]}, "10"),
    ("address", {"mode": Mode.home, "address": " "}, "地址"),
    ("address", {"mode": Mode.home, "address": "路" * 201}, "200"),
    ("gender_wish", {"gender_wish": "q"}, "性别"),
    ("topic", {"topic": "字" * 301}, "300"),
    ("display_name", {"display_name": "\u200b\u200d\x00 "}, "看不见"),  # nothing visible is left after cleaning
    ("address", {"mode": Mode.home, "address": "\u202e\u200b"}, "看不见"),
    ("phone", {"phone": "0755 2666 0000", "sms_consent": True}, "手机"),
    ("sensitive_consent", {"sensitive_consent": False}, "同意"),
]


@pytest.mark.parametrize("field, changes, words", BAD_VALUES, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_VALUES)])
def test_every_bad_value_gets_a_clear_message_and_nothing_is_stored(session, centre, field, changes, words):
    with pytest.raises(InvalidInput) as raised:
        intake.submit(session, form=a_form(**changes), client_address="192.0.2.1", now=NOW)
    session.rollback()
    assert raised.value.field == field
    assert words in raised.value.translated()
    assert factories.count(session, Resident) == factories.count(session, ListeningRequest) == factories.count(session, RequestTimeWindow) == 0
    assert factories.count(session, AuditEvent) == 3  # only the three accounts of the fixture


def test_every_problem_of_a_form_is_found_at_once_in_the_forms_order(session, centre):
    form = a_form(display_name="", phone="12345", community_code="nowhere", parts_of_day=[], weekdays=[], dates=[],
                  topic="话" * (intake.TOPIC_MAX + 1), sensitive_consent=False)
    with pytest.raises(InvalidForm) as raised:
        intake.submit(session, form=form, client_address="192.0.2.1", now=NOW)
    assert list(raised.value.problems) == ["display_name", "phone", "community", "parts_of_day", "weekdays", "topic",
                                           "sensitive_consent"]
    assert raised.value.field == "display_name"  # read as one message, it is the first problem
    assert intake.topic_problem("话" * intake.TOPIC_MAX) is None
    assert intake.topic_problem("话" * (intake.TOPIC_MAX + 1)).field == "topic"


def test_messages_are_also_clear_in_english(session, centre):
    set_locale("en")
    with pytest.raises(InvalidInput) as raised:
        intake.submit(session, form=a_form(sensitive_consent=False), client_address="192.0.2.1", now=NOW)
    assert raised.value.translated() == "We can only take the request with your consent to use this information."


def test_a_bad_second_submission_leaves_the_first_request_untouched(session, centre):
    first = submit(session)
    with pytest.raises(InvalidInput):
        intake.submit(session, form=a_form(mode=Mode.home, address=""), client_address="192.0.2.1", now=NOW)
    session.rollback()
    request = session.get(ListeningRequest, first.request.id)
    session.refresh(request)
    assert request.mode == Mode.centre
    assert factories.count(session, RequestTimeWindow) == 2


def test_a_home_visit_keeps_the_address_and_the_optional_wishes(session, centre):
    result = submit(session, a_form(mode=Mode.home, address="南山区粤海街道科技园社区 3 栋", gender_wish=Gender.female,
                                    wants_same_volunteer=True, topic=""))
    request = session.get(ListeningRequest, result.request.id)
    assert session.get(Resident, request.resident_id).address == "南山区粤海街道科技园社区 3 栋"
    assert (request.gender_wish, request.wants_same_volunteer, request.topic) == (Gender.female, True, None)


# ----- consent ------------------------------------------------------------------------------------------------


def test_sms_consent_is_optional_and_only_then_is_the_confirmation_sms_written(session, centre):
    submit(session, a_form(phone="13812345678", sms_consent=False))
    submit(session, a_form(phone="13987654321", sms_consent=True), client="192.0.2.2")
    silent, texted = session.exec(select(Resident).order_by(Resident.id)).all()
    assert silent.sms_consent_at is None and texted.sms_consent_at is not None
    messages = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.request_received)).all()
    assert [m.to_phone for m in messages] == ["+8613987654321"]


def test_unticking_sms_consent_when_a_coordinator_enters_the_request_withdraws_it(session, centre):
    submit(session, a_form(sms_consent=True))
    intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=True, form=a_form(sms_consent=False),
                            now=NOW)
    session.commit()
    assert session.exec(select(Resident)).one().sms_consent_at is None


def test_a_landline_is_accepted_from_the_public_form_when_no_sms_is_wanted(session, centre):
    result = submit(session, a_form(phone="0755 2666 1234", sms_consent=False))
    resident = session.get(Resident, result.request.resident_id)
    assert resident.phone == "+8675526661234" and resident.sms_consent_at is None
    assert factories.count(session, OutboundMessage) == 0
    with pytest.raises(InvalidInput) as raised:
        intake.submit(session, form=a_form(phone="0755 2666 5678", sms_consent=True), client_address="192.0.2.1",
                      now=NOW)
    assert raised.value.field == "phone" and "短信" in raised.value.translated()


def test_a_coordinator_records_a_request_on_behalf_with_verbal_consent(session, centre):
    coordinator = centre["coordinator"]
    result = intake.record_on_behalf(session, actor=coordinator, consent_verbal=True, urgency=2, now=NOW,
                                       form=a_form(phone="0755 2666 1234", sms_consent=False,
                                                   sensitive_consent=False))
    session.commit()
    request = session.get(ListeningRequest, result.request.id)
    resident = session.get(Resident, request.resident_id)
    assert (request.source, request.urgency) == (RequestSource.coordinator, 2)
    assert (resident.consent_verbal, resident.consent_recorded_by) == (True, coordinator.id)
    assert resident.phone == "+8675526661234"  # an elder's landline is fine when no SMS is wanted
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.submitted")).one()
    assert event.actor_id == coordinator.id and event.details["consent_verbal"] is True


def test_on_behalf_needs_the_verbal_consent_a_coordinator_and_a_mobile_for_sms(session, centre):
    with pytest.raises(InvalidInput) as raised:
        intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=False, form=a_form())
    assert raised.value.field == "consent_verbal"
    with pytest.raises(NotAllowed):
        intake.record_on_behalf(session, actor=centre["lead_account"], consent_verbal=True, form=a_form())
    with pytest.raises(InvalidInput) as raised:
        intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=True,
                                  form=a_form(phone="0755 2666 1234", sms_consent=True))
    assert raised.value.field == "phone"
    with pytest.raises(InvalidInput) as raised:
        intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=True, urgency=5,
                                  form=a_form())
    assert raised.value.field == "urgency"
    session.rollback()
    assert factories.count(session, ListeningRequest) == 0


# ----- a coordinator's entry updates the open request (the public form never does: test_duplicates.py) ---------


def on_behalf(session, centre, form=None, **changes):
    result = intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=True,
                                     form=form or a_form(**changes), now=NOW)
    session.commit()
    return result


def test_a_coordinators_entry_updates_the_open_request_and_says_so(session, centre):
    first = submit(session)
    second = on_behalf(session, centre, a_form(phone="+86 138-1234-5678", mode=Mode.phone,
                                               language=Language.mandarin, weekdays=[5],
                                               parts_of_day=[PartOfDay.morning], display_name="李姨"))
    assert second.outcome == SubmitOutcome.updated and second.request.id == first.request.id
    assert factories.count(session, ListeningRequest) == factories.count(session, Resident) == 1
    request = session.get(ListeningRequest, first.request.id)
    assert (request.mode, request.language) == (Mode.phone, Language.mandarin)
    windows = session.exec(select(RequestTimeWindow)).all()
    assert [(w.weekday, w.part_of_day) for w in windows] == [(5, PartOfDay.morning)]
    assert session.exec(select(Resident)).one().display_name == "李姨"
    assert session.exec(select(AuditEvent.action).where(AuditEvent.entity == "listening_request")
                        .order_by(AuditEvent.id)).all() == ["request.submitted", "request.updated"]


def test_after_a_request_is_closed_a_coordinators_entry_opens_a_new_one(session, centre):
    first = submit(session)
    lifecycle.cancel(session, actor=None, request_id=first.request.id, reason="不需要了", by="resident")
    session.commit()
    second = on_behalf(session, centre)
    assert second.outcome == SubmitOutcome.created and second.request.id != first.request.id


def test_a_coordinators_entry_withdraws_a_proposal_made_for_the_old_wishes(session, centre):
    first = submit(session)
    visit = lifecycle.propose(session, actor=centre["coordinator"], request_id=first.request.id,
                             volunteer_ids=[centre["lead"].id], starts_at=NOW + timedelta(days=2))
    session.commit()
    second = on_behalf(session, centre, mode=Mode.phone)
    assert second.outcome == SubmitOutcome.updated
    assert session.get(ListeningRequest, first.request.id).status == RequestStatus.new
    assert session.get(Visit, visit.id).status == VisitStatus.cancelled
    assert not session.exec(select(VisitVolunteer)).one().live


def test_a_coordinators_entry_keeps_a_booked_visit(session, centre):
    first = submit(session)
    lifecycle.propose(session, actor=centre["coordinator"], request_id=first.request.id,
                     volunteer_ids=[centre["lead"].id], starts_at=NOW + timedelta(days=2))
    lifecycle.schedule(session, actor=centre["coordinator"], request_id=first.request.id)
    session.commit()
    second = on_behalf(session, centre, mode=Mode.phone, topic="换个话题")
    request = session.get(ListeningRequest, first.request.id)
    assert second.outcome == SubmitOutcome.kept_visit
    assert (request.status, request.mode, request.topic) == (RequestStatus.scheduled, Mode.centre, "换个话题")


# ----- risk words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ["我最近真的不想活了", "有时候想自杀", "I just want to kill myself", "I feel SUICIDAL"])
def test_risk_words_in_either_language_flag_the_request_and_raise_an_escalation(session, centre, topic):
    result = submit(session, a_form(topic=topic))
    request = session.get(ListeningRequest, result.request.id)
    assert "suicide" in result.risk_kinds
    assert (request.urgency, request.risk_flag) == (3, True)
    escalation = session.exec(select(Escalation)).one()
    assert escalation.request_id == request.id and "suicide" in escalation.risk_kinds


@pytest.mark.parametrize("topic", ["想聊聊退休以后的生活", "I would like to talk about my grandson", ""])
def test_ordinary_topics_raise_nothing(session, centre, topic):
    result = submit(session, a_form(topic=topic))
    assert not result.risk_kinds and not result.request.risk_flag and result.request.urgency == 1
    assert factories.count(session, Escalation) == 0


# ----- typed text is cleaned before it is stored and checked ---------------------------------------------------


def test_zero_width_characters_cannot_hide_risk_words(session, centre):
    result = submit(session, a_form(topic="我不\u200b想\u200b活了"))
    request = session.get(ListeningRequest, result.request.id)
    assert "suicide" in result.risk_kinds and request.risk_flag and request.urgency == 3
    assert request.topic == "我不想活了"
    assert session.exec(select(Escalation)).one().request_id == request.id


def test_names_addresses_and_topics_are_stored_without_control_or_invisible_characters(session, centre):
    result = submit(session, a_form(display_name=" 李\u200b阿姨\x00 ", mode=Mode.home,
                                    address="南山区\u202e科技园\r\n3 栋", topic="第一行\r\n第二行\x07，好吗？"))
    request = session.get(ListeningRequest, result.request.id)
    resident = session.get(Resident, request.resident_id)
    assert (resident.display_name, resident.address) == ("李阿姨", "南山区科技园 3 栋")
    assert request.topic == "第一行\n第二行，好吗？"  # full-width punctuation is kept as typed


def test_coordinators_entering_requests_are_not_limited(session, centre):
    for n in range(get_settings().intake_per_phone_per_day + 2):
        intake.record_on_behalf(session, actor=centre["coordinator"], consent_verbal=True, form=a_form(),
                                  now=NOW + timedelta(minutes=n))
    session.commit()


# ----- the lifecycle ------------------------------------------------------------------------------------------


def bring_to(session, centre, status: RequestStatus) -> int:
    """A request in the given state, through the real transitions."""
    coordinator = centre["coordinator"]
    request_id = submit(session).request.id
    if status == RequestStatus.new:
        return request_id
    lifecycle.propose(session, actor=coordinator, request_id=request_id,
                     volunteer_ids=[centre["lead"].id, centre["partner"].id], starts_at=NOW + timedelta(days=2))
    if status in (RequestStatus.scheduled, RequestStatus.confirmed, RequestStatus.completed, RequestStatus.no_show):
        lifecycle.schedule(session, actor=coordinator, request_id=request_id)
    if status in (RequestStatus.confirmed, RequestStatus.completed):
        lifecycle.confirm(session, actor=None, request_id=request_id, via="sms")
    if status == RequestStatus.completed:
        lifecycle.complete(session, actor=coordinator, request_id=request_id)
    if status == RequestStatus.no_show:
        lifecycle.mark_no_show(session, actor=coordinator, request_id=request_id)
    if status == RequestStatus.cancelled:
        lifecycle.cancel(session, actor=coordinator, request_id=request_id, reason="重复申请", by="coordinator")
    session.commit()
    assert session.get(ListeningRequest, request_id).status == status
    return request_id


def moves(centre):
    coordinator = centre["coordinator"]
    later = NOW + timedelta(days=3)
    return {
        "propose": (lambda s, rid: lifecycle.propose(s, actor=coordinator, request_id=rid,
                                                    volunteer_ids=[centre["lead"].id], starts_at=later),
                    {RequestStatus.new}),
        "reject_proposal": (lambda s, rid: lifecycle.reject_proposal(s, actor=coordinator, request_id=rid,
                                                                    reason="时间不合适"), {RequestStatus.matched}),
        "schedule": (lambda s, rid: lifecycle.schedule(s, actor=coordinator, request_id=rid), {RequestStatus.matched}),
        "confirm": (lambda s, rid: lifecycle.confirm(s, actor=None, request_id=rid, via="sms"),
                    {RequestStatus.scheduled}),
        "complete": (lambda s, rid: lifecycle.complete(s, actor=coordinator, request_id=rid),
                     {RequestStatus.scheduled, RequestStatus.confirmed}),
        "mark_no_show": (lambda s, rid: lifecycle.mark_no_show(s, actor=coordinator, request_id=rid),
                         {RequestStatus.scheduled, RequestStatus.confirmed}),
        "cancel": (lambda s, rid: lifecycle.cancel(s, actor=coordinator, request_id=rid, reason="住院了",
                                                  by="resident"), set(intake.OPEN_REQUEST_STATUSES)),
        "requeue": (lambda s, rid: lifecycle.requeue(s, actor=None, request_id=rid, reason="短信取消"),
                    {RequestStatus.scheduled, RequestStatus.confirmed}),
    }


EXPECTED_AFTER = {"propose": RequestStatus.matched, "reject_proposal": RequestStatus.new,
                  "schedule": RequestStatus.scheduled, "confirm": RequestStatus.confirmed,
                  "complete": RequestStatus.completed, "mark_no_show": RequestStatus.no_show,
                  "cancel": RequestStatus.cancelled, "requeue": RequestStatus.new}
CASES = [(move, status) for move in EXPECTED_AFTER for status in RequestStatus]


@pytest.mark.parametrize("move, status", CASES, ids=[f"{m}-from-{s.value}" for m, s in CASES])
def test_every_transition_from_every_state(session, centre, move, status):
    request_id = bring_to(session, centre, status)
    function, allowed_from = moves(centre)[move]
    events_before = factories.count(session, AuditEvent)
    if status in allowed_from:
        function(session, request_id)
        session.commit()
        assert session.get(ListeningRequest, request_id).status == EXPECTED_AFTER[move]
        event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action.startswith("request.") and event.details["from"] == status.value
    else:
        with pytest.raises(IllegalTransition) as raised:
            function(session, request_id)
        session.rollback()
        assert raised.value.translated()  # a sentence, in Chinese by default
        assert session.get(ListeningRequest, request_id).status == status
        assert factories.count(session, AuditEvent) == events_before


def test_propose_books_lead_and_partner_for_one_hour(session, centre):
    request_id = bring_to(session, centre, RequestStatus.matched)
    visit = session.exec(select(Visit).where(Visit.request_id == request_id)).one()
    assert visit.status == VisitStatus.proposed and visit.ends_at - visit.starts_at == timedelta(hours=1)
    bookings = {b.volunteer_id: b for b in session.exec(select(VisitVolunteer))}
    assert bookings[centre["lead"].id].role == VisitRole.lead
    assert bookings[centre["partner"].id].role == VisitRole.partner
    assert all(b.live and b.starts_at == visit.starts_at for b in bookings.values())


def test_a_double_booking_is_refused_clearly_and_nothing_changes(session, centre):
    first = bring_to(session, centre, RequestStatus.matched)
    starts_at = session.exec(select(Visit.starts_at).where(Visit.request_id == first)).one()
    second = submit(session, a_form(phone="13987654321"), client="b2").request.id
    with pytest.raises(IllegalTransition) as raised:
        lifecycle.propose(session, actor=centre["coordinator"], request_id=second,
                         volunteer_ids=[centre["lead"].id], starts_at=starts_at)
    assert "已" in raised.value.translated()
    session.commit()  # the savepoint kept the session usable
    assert session.get(ListeningRequest, second).status == RequestStatus.new
    assert factories.count(session, Visit) == 1


def test_schedule_writes_the_sms_and_cancel_releases_the_volunteers_and_tells_everyone(session, centre):
    request_id = bring_to(session, centre, RequestStatus.scheduled)
    visit = session.exec(select(Visit).where(Visit.request_id == request_id)).one()
    assert session.exec(select(OutboundMessage).where(OutboundMessage.visit_id == visit.id)
                        .where(OutboundMessage.kind == MessageKind.visit_scheduled)).all()
    lifecycle.cancel(session, actor=None, request_id=request_id, reason="家里有事", by="resident")
    session.commit()
    request = session.get(ListeningRequest, request_id)
    assert (request.status, request.cancel_reason) == (RequestStatus.cancelled, "家里有事")
    assert session.get(Visit, visit.id).status == VisitStatus.cancelled
    assert not any(b.live for b in session.exec(select(VisitVolunteer)))
    assert session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.cancellation)).all()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.cancelled")).one()
    assert event.actor_id is None and event.details["by"] == "resident" and "家里有事" not in str(event.details)


def test_requeue_puts_the_request_back_and_frees_the_slot_for_another_proposal(session, centre):
    request_id = bring_to(session, centre, RequestStatus.confirmed)
    lifecycle.requeue(session, actor=None, request_id=request_id, reason="resident cancelled by SMS")
    visit = lifecycle.propose(session, actor=centre["coordinator"], request_id=request_id,
                             volunteer_ids=[centre["lead"].id], starts_at=NOW + timedelta(days=2))
    session.commit()
    assert visit.status == VisitStatus.proposed
    assert factories.count(session, Visit) == 2


def test_cancellation_needs_a_reason_and_a_known_source(session, centre):
    request_id = bring_to(session, centre, RequestStatus.new)
    with pytest.raises(InvalidInput) as raised:
        lifecycle.cancel(session, actor=centre["coordinator"], request_id=request_id, reason=" ", by="coordinator")
    assert raised.value.field == "reason"
    with pytest.raises(InvalidInput):
        lifecycle.cancel(session, actor=centre["coordinator"], request_id=request_id, reason="x", by="robot")
    with pytest.raises(NotAllowed):  # only the resident acts without an account (by SMS)
        lifecycle.cancel(session, actor=None, request_id=request_id, reason="x", by="coordinator")


def test_volunteers_may_close_only_their_own_visits(session, centre):
    request_id = bring_to(session, centre, RequestStatus.scheduled)
    outsider_account, _ = factories.volunteer(session, "vol3", name="吴强", phone="+8613900009999")
    with pytest.raises(NotAllowed):
        lifecycle.complete(session, actor=outsider_account, request_id=request_id)
    with pytest.raises(NotAllowed):
        lifecycle.schedule(session, actor=centre["lead_account"], request_id=request_id)
    lifecycle.complete(session, actor=centre["lead_account"], request_id=request_id)
    session.commit()
    assert session.get(ListeningRequest, request_id).status == RequestStatus.completed


# ----- triage -------------------------------------------------------------------------------------------------


def test_the_queue_filters_sorts_and_masks(session, centre):
    coordinator = centre["coordinator"]
    old = submit(session, a_form(phone="13800000001"), client="1", now=NOW - timedelta(days=3)).request.id
    urgent = submit(session, a_form(phone="13800000002", topic="我不想活了", mode=Mode.phone), client="2",
                    now=NOW - timedelta(days=1)).request.id
    english = submit(session, a_form(phone="13800000003", language=Language.english), client="3").request.id
    closed = submit(session, a_form(phone="13800000004"), client="4").request.id
    lifecycle.cancel(session, actor=coordinator, request_id=closed, reason="重复", by="coordinator")
    session.commit()

    rows = triage.open_requests(session, actor=coordinator, now=NOW)
    assert [r.id for r in rows] == [urgent, old, english]
    assert rows[1].waiting == timedelta(days=3)
    assert all("****" in r.phone_masked for r in rows)
    assert [r.id for r in triage.open_requests(session, actor=coordinator, sort=TriageSort.newest)] == [
        english, urgent, old]
    assert [r.id for r in triage.open_requests(session, actor=coordinator, languages=[Language.english])] == [
        english]
    assert [r.id for r in triage.open_requests(session, actor=coordinator, modes=[Mode.phone])] == [urgent]
    assert [r.id for r in triage.open_requests(session, actor=coordinator, urgent_only=True)] == [urgent]
    assert triage.open_requests(session, actor=coordinator, community_code="shekou") == []
    with pytest.raises(NotAllowed):
        triage.open_requests(session, actor=centre["lead_account"])


def test_a_request_shows_its_history_and_the_read_is_audited(session, centre):
    request_id = bring_to(session, centre, RequestStatus.confirmed)
    detail = triage.request_detail(session, actor=centre["coordinator"], request_id=request_id)
    session.commit()
    assert [h.action for h in detail.history] == [
        "request.submitted", "request.proposed", "request.scheduled", "request.confirmed"]
    assert detail.history[0].actor_name is None and detail.history[1].actor_name == "王芳"
    assert detail.visit.status == VisitStatus.confirmed and detail.phone_masked == "+86 138****5678"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "resident.details_viewed")).one()
    assert triage.reveal_phone(session, actor=centre["coordinator"], request_id=request_id) == "+8613812345678"
    with pytest.raises(NotAllowed):
        triage.request_detail(session, actor=centre["lead_account"], request_id=request_id)
