"""The supervision page, the coordinator's list of volunteers to look after, and the volunteer's own record and
milestones, through the real app with AppTest on the demo centre."""

from __future__ import annotations

from sqlmodel import select

from listening.models import (
    Account,
    CompetencySignoff,
    MessageKind,
    OutboundMessage,
    Volunteer,
    VolunteerPause,
    VolunteerStatus,
)
from listening.supervision import competencies
from tests.pages.conftest import app_test, sign_in


def page(session, path: str, username: str = "coordinator", lang: str = "zh_CN"):
    at = app_test(path)
    at.session_state["account"] = session.exec(select(Account).where(Account.username == username)).one()
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_home_lists_the_overdue_volunteer_and_sends_one_reminder(session, demo):
    at = page(session, "pages/coordinator_home.py")
    assert "需要关心的志愿者" in [s.value for s in at.subheader]
    buttons = [b for b in at.button if b.key and b.key.startswith("remind_")]
    assert buttons
    assert any("天未参加督导" in m.value for m in at.markdown)
    buttons[0].click().run()
    assert not at.exception
    session.rollback()  # end the read snapshot: see what the page committed
    reminders = session.exec(select(OutboundMessage).where(
        OutboundMessage.kind == MessageKind.supervision_reminder)).all()
    assert len(reminders) == 1 and reminders[0].body.startswith("【倾听一小时】")
    assert "提醒短信已排队发送。" in [s.value for s in at.success]


def test_a_coordinator_signs_off_a_competency_and_pauses_a_volunteer(session, demo):
    shadowing = next(v for v in session.exec(select(Volunteer).order_by(Volunteer.id))
                     if v.status == VolunteerStatus.active
                     and any(s.signoff is None for s in competencies.competency_states(session, volunteer_id=v.id))
                     and session.exec(select(CompetencySignoff).where(CompetencySignoff.volunteer_id == v.id)).first())
    before = len(session.exec(select(CompetencySignoff).where(CompetencySignoff.volunteer_id == shadowing.id)).all())
    session.rollback()
    at = page(session, "pages/supervision.py")
    at.selectbox(key="supervision_volunteer").set_value(shadowing.id).run()
    at.button(key="FormSubmitter:sign_off-签核").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    session.rollback()  # end the read snapshot: see what the page committed
    after = session.exec(select(CompetencySignoff).where(CompetencySignoff.volunteer_id == shadowing.id)).all()
    assert len(after) == before + 1

    at.button(key="FormSubmitter:pause-暂停").click().run()
    assert not at.exception
    session.rollback()  # end the read snapshot: see what the page committed
    assert session.get(Volunteer, shadowing.id).status == VolunteerStatus.paused
    assert session.exec(select(VolunteerPause).where(VolunteerPause.volunteer_id == shadowing.id)).one()
    at.button(key="return").click().run()
    session.rollback()  # end the read snapshot: see what the page committed
    assert session.get(Volunteer, shadowing.id).status == VolunteerStatus.active


def test_the_coordinator_prepares_a_certificate(session, demo):
    at = page(session, "pages/supervision.py")
    at.button(key="prepare_certificate").click().run()
    assert not at.exception
    assert at.session_state["certificate_pdf"].startswith(b"%PDF-")


def test_the_volunteer_sees_their_supervision_record_and_milestones(session, demo):
    at = sign_in("volunteer")
    at.run()
    assert "我的督导" in [s.value for s in at.subheader]
    at.switch_page("pages/my_hours.py").run()
    assert not at.exception
    assert at.get("progress") or at.success  # a next milestone, or those reached
    at.button(key="prepare_certificate").click().run()
    assert not at.exception
    assert at.session_state["my_certificate"].startswith(b"%PDF-")


def test_the_home_shows_a_district_of_overdue_volunteers_ten_at_a_time(session, demo, monkeypatch):
    """Hundreds of volunteers to look after are a card and a button each: a page of ten, with the page chooser."""
    from datetime import date

    from listening.supervision import overdue

    rows = [overdue.OverdueVolunteer(1000 + n, f"志愿者{n}", "王老师", date(2026, 10, 1), date(2026, 11, 1), 40 + n, 20)
            for n in range(25)]
    monkeypatch.setattr(overdue, "volunteers_needing_care", lambda session, *, actor, now=None: rows)
    at = page(session, "pages/coordinator_home.py")
    reminders = [b.key for b in at.button if b.key and b.key.startswith("remind_")]
    assert reminders == [f"remind_{1000 + n}" for n in range(10)]
    assert any(c.value.startswith("25 ") for c in at.caption)  # 25 volunteers to look after
    at.number_input(key="care_page").set_value(3).run()
    assert [b.key for b in at.button if b.key and b.key.startswith("remind_")] == [f"remind_{1020 + n}" for n in range(5)]
