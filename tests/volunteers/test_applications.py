"""A neighbour's application: the phone code, every field checked at once, the queue, accept and decline."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from listening.core import clock, db
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidForm, InvalidInput, NotAllowed
from listening.models import (
    ApplicationStatus,
    AuditEvent,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    PartOfDay,
    PhoneCode,
    RecipientKind,
    Resident,
    VisitStatus,
    Volunteer,
    VolunteerApplication,
    VolunteerLanguage,
    VolunteerStatus,
)
from listening.models.invites import CODE_DIGITS, MASKED_CODE
from listening.residents.references import reference as request_reference
from listening.sms import review
from listening.volunteers import applications, phone_codes, vetting
from listening.volunteers.training import ladder
from tests import factories
from tests.factories import session_factories

PHONE = "+8613800138000"


def sent_code(session, phone: str = PHONE) -> str:
    """The code in the newest code SMS to `phone` (what the applicant reads on their phone)."""
    message = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.application_code,
                                                         OutboundMessage.to_phone == phone)
                           .order_by(OutboundMessage.id.desc())).first()
    return next(word for word in message.body.replace("，", " ").replace("：", " ").split()
                if word.strip("。.,").isdigit() and len(word.strip("。.,")) == CODE_DIGITS).strip("。.,")


def form(**changes) -> applications.ApplicationForm:
    values = {"full_name": "周敏", "gender": Gender.female, "phone": "138 0013 8000", "community_code": "yuehai",
              "languages": [Language.mandarin, Language.cantonese], "days": [DayKind.weekends],
              "parts_of_day": [PartOfDay.morning, PartOfDay.afternoon], "motivation": "退休了，想陪陪邻居。",
              "consent": True, "code_of_conduct": True, "code": ""}
    values.update(changes)
    return applications.ApplicationForm(**values)


def apply(session, **changes) -> applications.Submitted:
    factories.community(session)
    phone_codes.send_code(session, phone=changes.get("phone", "138 0013 8000"), client_address="203.0.113.7",
                          locale="zh_CN")
    return applications.submit(session, form=form(code=sent_code(session), **changes))


def test_the_code_sms_has_the_code_and_no_url_and_asks_no_reply(session):
    factories.community(session)
    sent = phone_codes.send_code(session, phone="13800138000", client_address="203.0.113.7", locale="zh_CN")
    message = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.application_code)).one()
    assert message.recipient_kind == RecipientKind.applicant and message.to_phone == PHONE
    assert message.urgent  # the applicant waits at the page for it, even after 21:00
    assert sent_code(session) in message.body and "http" not in message.body and "回复" not in message.body
    assert sent.masked_phone.endswith("8000") and "13800138000" not in sent.masked_phone
    # on the SMS page nobody reads a usable code
    assert MASKED_CODE in review._shown_body(message) and sent_code(session) not in review._shown_body(message)


def test_an_application_is_stored_only_with_the_right_code(session):
    factories.community(session)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    code = sent_code(session)
    wrong = f"{(int(code) + 1) % 10**CODE_DIGITS:0{CODE_DIGITS}d}"
    with pytest.raises(InvalidInput) as raised:
        applications.submit(session, form=form(code=wrong))
    assert raised.value.field == "code"
    assert factories.count(session, VolunteerApplication) == 0
    assert session.exec(select(PhoneCode)).one().wrong_attempts == 1  # committed: a reload does not reset it
    # full-width digits, as a Chinese keyboard types them, are the same code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    submitted = applications.submit(session, form=form(code=full_width))
    application = session.exec(select(VolunteerApplication)).one()
    assert submitted.reference == applications.reference(application.id) == f"VA-{application.id:04d}"
    assert (application.phone, application.status) == (PHONE, ApplicationStatus.submitted)
    assert application.consent_at == application.code_of_conduct_seen_at <= clock.now()
    # a used code is used up, and masked in the outbox
    message = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.application_code)).one()
    assert code not in message.body
    with pytest.raises(InvalidInput):
        applications.submit(session, form=form(code=code))
    event = session.exec(select(AuditEvent).where(
        AuditEvent.action == AuditAction.volunteer_application_received)).one()
    assert event.actor_id is None and not event.details  # no words, no number


def test_a_code_is_burnt_after_five_wrong_tries_and_expires(session, pinned_clock):
    factories.community(session)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    code = sent_code(session)
    wrong = f"{(int(code) + 1) % 10**CODE_DIGITS:0{CODE_DIGITS}d}"
    for _ in range(phone_codes.MAX_WRONG_ATTEMPTS - 1):
        with pytest.raises(InvalidInput):
            applications.submit(session, form=form(code=wrong))
    with pytest.raises(InvalidInput, match="too often"):
        applications.submit(session, form=form(code=wrong))
    with pytest.raises(InvalidInput, match="no code waiting"):
        applications.submit(session, form=form(code=code))  # even the right one
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    pinned_clock.shift(phone_codes.CODE_VALID)
    with pytest.raises(InvalidInput, match="expired"):
        applications.submit(session, form=form(code=sent_code(session)))
    assert factories.count(session, VolunteerApplication) == 0


def test_asking_again_replaces_the_code_and_codes_are_limited(session, pinned_clock):
    factories.community(session)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    first = sent_code(session)
    with pytest.raises(IllegalTransition, match="less than a minute"):
        phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    earlier = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.application_code)
                           .order_by(OutboundMessage.id)).first()
    assert earlier.status == MessageStatus.cancelled and first not in earlier.body
    with pytest.raises(InvalidInput):
        applications.submit(session, form=form(code=first))
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    with pytest.raises(IllegalTransition, match="Too many codes"):  # the fourth within the hour
        phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    pinned_clock.shift(timedelta(hours=1))
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    # one address asking for many numbers
    for n in range(phone_codes.PER_ADDRESS_PER_HOUR):
        if n == phone_codes.PER_ADDRESS_PER_HOUR - 1:
            with pytest.raises(IllegalTransition, match="Too many codes"):
                phone_codes.send_code(session, phone=f"+861390000{n:04d}", client_address="203.0.113.7",
                                      locale="zh_CN")
        else:
            phone_codes.send_code(session, phone=f"+861390000{n:04d}", client_address="203.0.113.7",
                                  locale="zh_CN")


def test_a_landline_gets_no_code(session):
    with pytest.raises(InvalidInput, match="mobile"):
        phone_codes.send_code(session, phone="0755 8888 6666", client_address="203.0.113.7", locale="zh_CN")
    assert factories.count(session, OutboundMessage) == 0


def test_every_problem_is_reported_at_once_and_nothing_is_stored(session):
    factories.community(session)
    with pytest.raises(InvalidForm) as raised:
        applications.submit(session, form=applications.ApplicationForm(
            full_name="\u200b", phone="12", community_code="nowhere", motivation="很" * 1001, code="12"))
    assert list(raised.value.problems) == ["full_name", "gender", "phone", "community", "languages", "days",
                                           "parts_of_day", "motivation", "code_of_conduct", "consent", "code"]
    assert factories.count(session, VolunteerApplication) == 0 and factories.count(session, PhoneCode) == 0


def test_the_same_number_applying_again_is_told_its_reference(session, pinned_clock):
    factories.community(session)
    first = apply(session)
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    again = apply(session)
    assert again.reference == first.reference and again.already_applied_on == clock.today()
    assert factories.count(session, VolunteerApplication) == 1


def test_a_serving_volunteer_cannot_apply_again(session):
    factories.volunteer(session, None, phone=PHONE)
    with pytest.raises(IllegalTransition, match="already"):
        apply(session)


def test_accepting_makes_an_applicant_on_the_ladder_who_is_not_matched_until_vetted(session):
    coordinator = factories.coordinator(session)
    apply(session)
    queue = applications.applications(session, actor=coordinator)
    assert queue.total == 1
    row = queue.items[0]
    assert row.languages == (Language.mandarin, Language.cantonese)
    assert row.times == ((DayKind.weekends, PartOfDay.morning), (DayKind.weekends, PartOfDay.afternoon))
    assert row.masked_phone != PHONE and row.motivation == "退休了，想陪陪邻居。"
    volunteer = applications.accept(session, actor=coordinator, application_id=row.id)
    assert (volunteer.full_name, volunteer.phone, volunteer.status) == ("周敏", PHONE, VolunteerStatus.active)
    assert set(session.exec(select(VolunteerLanguage.language)
                            .where(VolunteerLanguage.volunteer_id == volunteer.id)).all()) == {
        Language.mandarin, Language.cantonese}
    assert ladder.training_status(session, volunteer_id=volunteer.id, on=clock.today()).stage == ladder.Stage.applicant
    assert vetting.missing_steps(session, volunteer.id) == list(vetting.STEPS)
    assert applications.applications(session, actor=coordinator).total == 0
    decided = applications.applications(session, actor=coordinator, status=ApplicationStatus.accepted)
    assert decided.items[0].volunteer_id == volunteer.id
    with pytest.raises(IllegalTransition, match="decided already"):
        applications.decline(session, actor=coordinator, application_id=row.id, reason=DeclineReason.other)


def test_declining_needs_a_reason_and_is_audited(session, pinned_clock):
    coordinator = factories.coordinator(session)
    apply(session)
    application = session.exec(select(VolunteerApplication)).one()
    with pytest.raises(InvalidInput):
        applications.decline(session, actor=coordinator, application_id=application.id, reason="nope")
    applications.decline(session, actor=coordinator, application_id=application.id, reason=DeclineReason.withdrew)
    assert application.status == ApplicationStatus.declined and application.decided_by == coordinator.id
    event = session.exec(select(AuditEvent).where(
        AuditEvent.action == AuditAction.volunteer_application_declined)).one()
    assert event.details == {"reason": "withdrew"}
    assert factories.count(session, Volunteer) == 0
    # declined, the same person may apply again later
    pinned_clock.shift(phone_codes.RESEND_AFTER)
    assert apply(session).reference != applications.reference(application.id)


def test_only_coordinators_see_and_decide_applications(session):
    factories.coordinator(session)
    volunteer_account, _ = factories.volunteer(session, "vol", phone="+8613900009999")
    apply(session)
    application = session.exec(select(VolunteerApplication)).one()
    with pytest.raises(NotAllowed):
        applications.applications(session, actor=volunteer_account)
    with pytest.raises(NotAllowed):
        applications.accept(session, actor=volunteer_account, application_id=application.id)


def test_a_resident_who_was_heard_can_become_an_applicant(session):
    coordinator = factories.coordinator(session)
    _, chen = factories.volunteer(session, None)
    visit = session_factories.visit(session, volunteers=[chen], status=VisitStatus.completed)
    request = session.get(ListeningRequest, visit.request_id)
    resident = session.get(Resident, request.resident_id)
    wanted = applications.ResidentApplication(request_reference="", full_name="", consent_verbal=False)
    with pytest.raises(InvalidForm) as raised:
        applications.from_resident(session, actor=coordinator, form=wanted)
    assert list(raised.value.problems) == ["request_reference", "full_name", "gender", "languages", "days",
                                           "parts_of_day", "consent_verbal"]
    form = applications.ResidentApplication(
        request_reference=request_reference(request.id).lower(), full_name="李秀英", gender=Gender.female,
        languages=[Language.cantonese], days=[DayKind.weekdays], parts_of_day=[PartOfDay.morning],
        consent_verbal=True)
    submitted = applications.from_resident(session, actor=coordinator, form=form)
    application = session.exec(select(VolunteerApplication)).one()
    assert submitted.reference == applications.reference(application.id)
    assert (application.phone, application.resident_id, application.entered_by) == (
        resident.phone, resident.id, coordinator.id)
    assert applications.applications(session, actor=coordinator).items[0].full_name == "李秀英"
    with pytest.raises(IllegalTransition, match="already waiting"):
        applications.from_resident(session, actor=coordinator, form=form)


def test_two_presses_of_send_at_the_same_moment_store_one_application(session, engine):
    """Two browsers (or a double click) send the same code at once: one application, the other told the code is
    used; on PostgreSQL the code's row is locked, on SQLite the second writer waits its turn."""
    factories.community(session)
    phone_codes.send_code(session, phone=PHONE, client_address="203.0.113.7", locale="zh_CN")
    session.commit()
    code = sent_code(session)
    session.rollback()
    start = threading.Barrier(2, timeout=30)
    outcomes: list = [None, None]

    def press(index: int) -> None:
        start.wait()
        try:
            with Session(db.for_writing(engine), expire_on_commit=False) as own:
                outcomes[index] = applications.submit(own, form=form(code=code))
                own.commit()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = error

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    session.expire_all()
    assert factories.count(session, VolunteerApplication) == 1
    assert sum(isinstance(o, applications.Submitted) for o in outcomes) == 1
    assert sum(isinstance(o, InvalidInput) and o.field == "code" for o in outcomes) == 1
