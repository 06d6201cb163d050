"""The volunteer's availability page, through the real app script with AppTest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select

from listening.core.i18n import set_locale
from listening.models import Account, AvailabilityException, AvailabilityRule, Volunteer
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

PAGE = "pages/my_availability.py"


def open_page(lang: str = "en"):
    set_locale(lang)  # AppTest formats option labels in this thread, with the page's format_func
    at = sign_in("volunteer", lang=lang)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def the_volunteer(session) -> Volunteer:
    account = session.exec(select(Account).where(Account.username == "volunteer")).one()
    return session.exec(select(Volunteer).where(Volunteer.account_id == account.id)).one()


def rules_of(session, volunteer_id: int) -> list[tuple[int, time, time]]:
    session.rollback(); session.expire_all()  # a fresh snapshot: the app committed in its own transaction
    return sorted((r.weekday, r.start_time, r.end_time)
                  for r in session.exec(select(AvailabilityRule).where(AvailabilityRule.volunteer_id == volunteer_id)))


def submit(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang, title, tab", [("en", "My availability", "Week of"), ("zh_CN", "我的空闲时间", "")])
def test_the_volunteer_sees_windows_and_a_four_week_calendar(demo, session, lang, title, tab):
    at = open_page(lang)
    assert at.title[0].value == title
    assert len(at.tabs) == 4 and all(tab in t.label for t in at.tabs)
    volunteer = the_volunteer(session)
    rules = rules_of(session, volunteer.id)
    assert rules, "the demo gives the volunteer weekly windows"
    calendar = at.dataframe[0].value
    assert list(calendar.index)[0] == "07:00" and calendar.shape[1] == 7
    assert (calendar.values == "🟢").any() or (calendar.values == "🔵").any()
    assert any("回老家探亲" in m.value for m in at.markdown)  # the demo volunteer's coming time off


def test_adding_a_window_a_bad_window_and_removing_one(demo, session):
    volunteer = the_volunteer(session)
    before = rules_of(session, volunteer.id)
    busy_days = {weekday for weekday, _, _ in before}
    free_day = next(d for d in range(7) if d not in busy_days)

    at = open_page()
    at.selectbox(key="rule_weekday").set_value(free_day)
    at.time_input(key="rule_start").set_value(time(9))
    at.time_input(key="rule_end").set_value(time(8))
    submit(at, "Add the window")
    assert [e.value for e in at.error] == ["The end time must be after the start time."]
    assert rules_of(session, volunteer.id) == before  # nothing stored

    at.time_input(key="rule_end").set_value(time(11))
    submit(at, "Add the window")
    assert "The window is added." in [s.value for s in at.success]
    assert rules_of(session, volunteer.id) == sorted(before + [(free_day, time(9), time(11))])

    new_rule = session.exec(select(AvailabilityRule).where(AvailabilityRule.volunteer_id == volunteer.id,
                                                           AvailabilityRule.weekday == free_day)).one()
    at.button(key=f"remove_rule_{new_rule.id}").click().run()
    assert not at.exception
    assert rules_of(session, volunteer.id) == before


def test_cap_and_time_off(demo, session):
    volunteer = the_volunteer(session)
    at = open_page()
    at.number_input(key="cap").set_value(6)
    submit(at, "Save the cap")
    session.rollback(); session.expire_all()  # a fresh snapshot: the app committed in its own transaction
    assert session.get(Volunteer, volunteer.id).weekly_hour_cap == 6

    at.date_input(key="off_first").set_value(date(2031, 2, 3))
    at.date_input(key="off_last").set_value(date(2031, 2, 1))
    submit(at, "Add the time off")
    assert [e.value for e in at.error] == ["The last day must not be before the first day."]
    at.date_input(key="off_last").set_value(date(2031, 2, 5))
    at.text_input(key="off_reason").input("回老家")
    submit(at, "Add the time off")
    session.rollback(); session.expire_all()  # a fresh snapshot: the app committed in its own transaction
    off = session.exec(select(AvailabilityException).where(AvailabilityException.volunteer_id == volunteer.id,
                                                           AvailabilityException.reason == "回老家")).one()
    # whole local days: 3 February 00:00 to 6 February 00:00 in Shenzhen
    assert off.starts_at == datetime(2031, 2, 2, 16, 0, tzinfo=UTC)
    assert off.ends_at == datetime(2031, 2, 5, 16, 0, tzinfo=UTC)
    assert "The time off is added." in [s.value for s in at.success]
    assert any("回老家" in m.value for m in at.markdown)


def test_a_coordinator_cannot_open_the_volunteer_page(demo, session):
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at = app_test(PAGE)
    at.session_state["account"] = coordinator
    at.run()
    assert not at.exception
    assert at.error and not at.dataframe
