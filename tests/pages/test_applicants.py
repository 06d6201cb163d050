"""The coordinator's applicants page: accept or decline an application, record each vetting step with its owner
and date, interview notes shown inert, the code of conduct's wording at its step."""

from __future__ import annotations

from sqlmodel import select

from listening.core.audit import AuditAction
from listening.models import (
    Account,
    ApplicationStatus,
    AuditEvent,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    ListeningRequest,
    PartOfDay,
    RequestStatus,
    VettingStep,
    VettingStepKind,
    Volunteer,
    VolunteerApplication,
)
from listening.residents.references import reference
from listening.volunteers import vetting
from tests.pages.conftest import app_test
from tests.volunteers.test_applications import apply


def open_page(session, lang: str = "zh_CN"):
    at = app_test("pages/applicants.py")
    at.session_state["account"] = _coordinator(session)
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_coordinator_accepts_an_application(demo, session):
    apply(session, phone="13800138000")
    session.commit()
    application = session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == "+8613800138000")).one()
    at = open_page(session)
    assert at.title[0].value == "申请人"
    assert not any("13800138000" in m.value for m in at.markdown)  # masked until asked for
    at.button(key=f"show_{application.id}").click().run()
    assert any("138 0013 8000" in m.value for m in at.markdown)
    at.button(key=f"accept_{application.id}").click().run()
    assert not at.exception
    session.rollback()
    application = session.get(VolunteerApplication, application.id)
    assert application.status == ApplicationStatus.accepted
    assert session.get(Volunteer, application.volunteer_id).full_name == "周敏"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.applicant_contact_viewed)).one()


def test_declining_asks_for_a_reason(demo, session):
    apply(session, phone="13800138000")
    session.commit()
    application = session.exec(select(VolunteerApplication).where(
        VolunteerApplication.phone == "+8613800138000")).one()
    at = open_page(session)
    at.button(key=f"decline_{application.id}").click().run()
    assert at.error and session.get(VolunteerApplication, application.id).status == ApplicationStatus.submitted
    at.selectbox(key=f"decline_reason_{application.id}").set_value(DeclineReason.not_reachable)
    at.button(key=f"decline_{application.id}").click().run()
    assert not at.exception
    session.rollback()
    assert session.get(VolunteerApplication, application.id).decline_reason == DeclineReason.not_reachable


def test_vetting_steps_are_recorded_with_owner_date_and_inert_interview_notes(demo, session):
    at = open_page(session)
    pending = vetting.in_vetting(session, actor=_coordinator(session)).items
    assert pending, "the demo has applicants at every vetting step"
    row = next(r for r in pending if VettingStepKind.interview in r.missing)
    at.selectbox(key="vetting_volunteer").set_value(row.volunteer_id).run()
    at.selectbox(key=f"vetting_kind_{row.volunteer_id}").set_value(VettingStepKind.interview).run()
    at.text_area(key=f"vetting_notes_{row.volunteer_id}").input("**紧张** <b>但真诚</b>").run()
    at.button(key=f"vetting_record_{row.volunteer_id}").click().run()
    assert not at.exception and not at.error
    session.rollback()
    step = session.exec(select(VettingStep).where(VettingStep.volunteer_id == row.volunteer_id,
                                                  VettingStep.kind == VettingStepKind.interview)).one()
    assert step.notes == "**紧张** <b>但真诚</b>" and step.owner_id == _coordinator(session).id
    at.selectbox(key="vetting_volunteer").set_value(row.volunteer_id).run()
    assert "**紧张** <b>但真诚</b>" in [t.value for t in at.text]  # shown as typed, never rendered
    # the code of conduct's wording is at its step
    at.selectbox(key=f"vetting_kind_{row.volunteer_id}").set_value(VettingStepKind.code_of_conduct).run()
    assert any("钱" in m.value and "私人联系方式" in m.value for m in at.markdown)


def test_the_page_reads_in_english(demo, session):
    at = open_page(session, lang="en")
    assert at.title[0].value == "Applicants"
    assert not at.exception


def _coordinator(session):
    return session.exec(select(Account).where(Account.username == "coordinator")).one()


def test_a_coordinator_adds_a_resident_who_wants_to_listen(demo, session):
    request = session.exec(select(ListeningRequest).where(ListeningRequest.status == RequestStatus.completed)).first()
    at = open_page(session)
    at.button(key="FormSubmitter:resident_apply-添加到申请列表").click().run()
    assert not at.exception and len(at.error) == 7  # every field at once
    at.text_input(key="resident_apply_reference").input(reference(request.id))
    at.text_input(key="resident_apply_name").input("李秀英")
    at.radio(key="resident_apply_gender").set_value(Gender.female)
    at.multiselect(key="resident_apply_languages").set_value([Language.cantonese])
    at.multiselect(key="resident_apply_days").set_value([DayKind.weekdays])
    at.multiselect(key="resident_apply_parts").set_value([PartOfDay.morning])
    at.checkbox(key="resident_apply_consent").check()
    at.button(key="FormSubmitter:resident_apply-添加到申请列表").click().run()
    assert not at.exception and not at.error
    session.rollback()
    application = session.exec(select(VolunteerApplication).where(VolunteerApplication.full_name == "李秀英")).one()
    assert application.resident_id is not None and application.status == ApplicationStatus.submitted


def test_a_district_s_queue_of_applications_is_shown_ten_cards_at_a_time(demo, session):
    """Each waiting application is a card with three buttons and a chooser: forty of them made a rerun slow."""
    from datetime import timedelta

    from listening.models import Community, Gender
    from listening.models import utcnow as now

    community = session.exec(select(Community)).first()
    for n in range(10):
        session.add(VolunteerApplication(full_name=f"申请人{n}", gender=Gender.female, phone=f"+861380000{n:04d}",
                                         community_id=community.id, consent_at=now(), code_of_conduct_seen_at=now(),
                                         created_at=now() - timedelta(minutes=n)))
    session.commit()
    waiting = session.exec(select(VolunteerApplication).where(
        VolunteerApplication.status == ApplicationStatus.submitted)).all()
    at = open_page(session)
    cards = [b.key for b in at.button if b.key and b.key.startswith("accept_")]
    assert len(waiting) > 10 and len(cards) == 10
    at.number_input(key="applicants_page").set_value(2).run()
    assert len([b for b in at.button if b.key and b.key.startswith("accept_")]) == len(waiting) - 10
