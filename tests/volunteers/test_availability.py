"""Availability: weekly rules -> hourly slots in Shenzhen time, exceptions, booked visits, validation, preview."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from listening.core.errors import InvalidInput, NotAllowed
from listening.core.i18n import set_locale
from listening.models import (
    AuditEvent,
    AvailabilityException,
    AvailabilityRule,
    Language,
    ListeningRequest,
    Mode,
    RequestStatus,
    Resident,
    Visit,
    VisitRole,
    VisitStatus,
    VisitVolunteer,
)
from listening.volunteers import availability
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

SHENZHEN = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 11, 30)  # a Monday
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHENZHEN)



@pytest.fixture
def people(session):
    coordinator = factories.coordinator(session)
    account, volunteer = factories.volunteer(session, "vol1", name="陈静")
    other_account, other = factories.volunteer(session, "vol2", name="周敏", phone="+8613900005678")
    session.commit()
    return {"coordinator": coordinator, "account": account, "volunteer": volunteer, "other_account": other_account,
            "other": other}


def rule(session, account, weekday: int, start: str, end: str, **kwargs) -> AvailabilityRule:
    return availability.add_rule(session, actor=account, weekday=weekday, start_time=time.fromisoformat(start),
                                 end_time=time.fromisoformat(end), valid_from=kwargs.pop("valid_from", WEEK), **kwargs)


def book(session, volunteer, starts_at: datetime, *, live: bool = True, minutes: int = 60) -> Visit:
    resident = Resident(display_name="张阿姨", phone=f"+861370000{factories.count(session, Resident):04d}",
                        community_id=volunteer.community_id, sensitive_consent_at=NOW)
    session.add(resident)
    session.flush()
    request = ListeningRequest(resident_id=resident.id, mode=Mode.phone, language=Language.mandarin,
                               status=RequestStatus.scheduled if live else RequestStatus.cancelled)
    session.add(request)
    session.flush()
    visit = Visit(request_id=request.id, mode=Mode.phone, starts_at=starts_at,
                  ends_at=starts_at + timedelta(minutes=minutes),
                  status=VisitStatus.scheduled if live else VisitStatus.cancelled)
    session.add(visit)
    session.flush()
    session.add(VisitVolunteer(visit_id=visit.id, volunteer_id=volunteer.id, role=VisitRole.lead,
                               starts_at=starts_at, live=live))
    session.flush()
    return visit


# ----- expansion ------------------------------------------------------------------------------------------------


def test_a_weekly_window_becomes_hourly_slots_in_shenzhen_time(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 1, "19:00", "21:00")  # Tuesdays
    rule(session, people["account"], 5, "09:30", "12:00")  # Saturdays: slots sit on whole hours
    session.commit()
    slots = availability.free_slots(session, week_start=WEEK, volunteer_ids=[volunteer.id])
    assert slots[volunteer.id] == [local(date(2026, 12, 1), 19), local(date(2026, 12, 1), 20),
                                   local(date(2026, 12, 5), 10), local(date(2026, 12, 5), 11)]
    # 19:00 in Shenzhen is 11:00 UTC the same day
    assert slots[volunteer.id][0].astimezone(UTC) == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    # the next week repeats the pattern; a volunteer without rules has no slots
    later = availability.free_slots(session, week_start=WEEK + timedelta(weeks=1))
    assert later[volunteer.id][0] == local(date(2026, 12, 8), 19)
    assert later[people["other"].id] == []


def test_the_week_is_monday_to_sunday_in_local_time_across_the_utc_date_line(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 0, "06:00", "08:00")  # Monday 06:00 local is Sunday 22:00 UTC
    rule(session, people["account"], 6, "22:00", "23:00")  # Sunday 22:00 local is Sunday 14:00 UTC
    session.commit()
    slots = availability.free_slots(session, week_start=WEEK, volunteer_ids=[volunteer.id])[volunteer.id]
    assert slots == [local(WEEK, 6), local(WEEK, 7), local(date(2026, 12, 6), 22)]
    assert slots[0].astimezone(UTC) == datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # the UTC date is a day earlier
    assert availability.local_week_bounds(WEEK)[0].astimezone(UTC) == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)


def test_validity_dates_limit_the_rule(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 2, "14:00", "15:00", valid_from=date(2026, 12, 2),
         valid_until=date(2026, 12, 9))
    session.commit()
    weeks = [availability.free_slots(session, week_start=WEEK + timedelta(weeks=i),
                                     volunteer_ids=[volunteer.id])[volunteer.id] for i in range(-1, 3)]
    assert weeks == [[], [local(date(2026, 12, 2), 14)], [local(date(2026, 12, 9), 14)], []]


def test_expansion_follows_wall_clock_time_where_the_clock_jumps():
    """Shenzhen keeps no daylight saving, but the code does not assume it: a zone that jumps keeps local hours."""
    new_york = ZoneInfo("America/New_York")
    sunday = AvailabilityRule(volunteer_id=1, weekday=6, start_time=time(1), end_time=time(4),
                              valid_from=date(2026, 3, 1))
    slots = availability.expand_rule(sunday, start=date(2026, 3, 2), end=date(2026, 3, 9), tz=new_york)
    # 02:00 does not exist on 8 March 2026 in New York (clocks go from 02:00 to 03:00)
    assert [s.hour for s in slots] == [1, 3]
    assert [s.utcoffset() for s in slots] == [timedelta(hours=-5), timedelta(hours=-4)]
    monday = AvailabilityRule(volunteer_id=1, weekday=0, start_time=time(19), end_time=time(20),
                              valid_from=date(2026, 1, 1))
    before, after = (availability.expand_rule(monday, start=d, end=d + timedelta(days=7), tz=new_york)
                     for d in (date(2026, 3, 2), date(2026, 3, 9)))
    assert before[0].hour == after[0].hour == 19
    assert before[0].astimezone(UTC).hour == 0 and after[0].astimezone(UTC).hour == 23


# ----- exceptions and bookings ----------------------------------------------------------------------------------


def test_time_off_removes_the_slots_it_covers(session, people):
    volunteer = people["volunteer"]
    for weekday in (1, 3):
        rule(session, people["account"], weekday, "19:00", "21:00")
    availability.add_time_off(session, actor=people["account"], first_day=date(2026, 12, 3),
                              last_day=date(2026, 12, 3), reason="体检")
    session.commit()
    slots = availability.free_slots(session, week_start=WEEK, volunteer_ids=[volunteer.id])[volunteer.id]
    assert slots == [local(date(2026, 12, 1), 19), local(date(2026, 12, 1), 20)]


def test_an_exception_given_in_utc_removes_the_local_slot_it_overlaps(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 0, "06:00", "09:00")
    # 22:30 to 23:30 UTC on Sunday is Monday 06:30-07:30 in Shenzhen: it touches the 06:00 and 07:00 slots
    availability.add_exception(session, actor=people["account"], starts_at=datetime(2026, 11, 29, 22, 30, tzinfo=UTC),
                               ends_at=datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    session.commit()
    assert availability.free_slots(session, week_start=WEEK, volunteer_ids=[volunteer.id])[volunteer.id] == [
        local(WEEK, 8)]


def test_booked_visits_take_their_slots_away_but_released_ones_do_not(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 1, "18:00", "21:00")
    book(session, volunteer, local(date(2026, 12, 1), 18).astimezone(UTC))
    book(session, volunteer, local(date(2026, 12, 1), 20).astimezone(UTC), live=False)
    # a 90-minute visit at 19:30 the next week blocks 19:00 and 20:00
    book(session, volunteer, local(date(2026, 12, 8), 19, 30).astimezone(UTC), minutes=90)
    session.commit()
    assert availability.free_slots(session, week_start=WEEK, volunteer_ids=[volunteer.id])[volunteer.id] == [
        local(date(2026, 12, 1), 19), local(date(2026, 12, 1), 20)]
    assert availability.free_slots(session, week_start=WEEK + timedelta(weeks=1),
                                   volunteer_ids=[volunteer.id])[volunteer.id] == [local(date(2026, 12, 8), 18)]


def test_the_calendar_preview_marks_free_booked_and_away(session, people):
    volunteer = people["volunteer"]
    rule(session, people["account"], 1, "18:00", "21:00")
    book(session, volunteer, local(date(2026, 12, 1), 18).astimezone(UTC))
    availability.add_exception(session, actor=people["account"], starts_at=local(date(2026, 12, 1), 20),
                               ends_at=local(date(2026, 12, 1), 21))
    session.commit()
    grid = availability.week_calendar(session, volunteer_id=volunteer.id, week_start=WEEK)
    assert list(grid.columns) == [WEEK + timedelta(days=i) for i in range(7)]
    tuesday = grid[date(2026, 12, 1)]
    assert (tuesday["18:00"], tuesday["19:00"], tuesday["20:00"], tuesday["17:00"]) == ("booked", "free", "away", "")
    assert (grid.drop(columns=[date(2026, 12, 1)]) == "").all().all()
    weeks = availability.preview(session, actor=people["account"], weeks=3, today=date(2026, 12, 2))
    assert [w for w, _ in weeks] == [WEEK, WEEK + timedelta(weeks=1), WEEK + timedelta(weeks=2)]
    assert weeks[1][1].loc["18:00", date(2026, 12, 8)] == "free"


# ----- services: validation, ownership, audit -------------------------------------------------------------------


@pytest.mark.parametrize("start, end, field, message", [
    ("20:00", "19:00", "end_time", "The end time must be after the start time."),
    ("19:00", "19:00", "end_time", "The end time must be after the start time."),
    ("19:15", "20:00", "end_time", "The window must hold at least one whole hour on the hour, such as 19:00-20:00."),
])
def test_a_bad_window_is_refused_with_a_clear_message_and_nothing_is_stored(session, people, start, end, field,
                                                                            message):
    with pytest.raises(InvalidInput) as refused:
        rule(session, people["account"], 1, start, end)
    assert refused.value.field == field
    set_locale("en")
    assert refused.value.translated() == message
    set_locale("zh_CN")
    assert refused.value.translated() != message  # translated into Chinese
    assert factories.count(session, AvailabilityRule) == 0


def test_overlapping_windows_and_backwards_dates_are_refused(session, people):
    rule(session, people["account"], 1, "18:00", "20:00")
    with pytest.raises(InvalidInput) as overlap:
        rule(session, people["account"], 1, "19:00", "21:00")
    assert overlap.value.params == {"start": "18:00", "end": "20:00"}
    rule(session, people["account"], 1, "20:00", "21:00")  # touching is fine
    rule(session, people["account"], 2, "19:00", "21:00")  # another day is fine
    with pytest.raises(InvalidInput) as backwards:
        rule(session, people["account"], 3, "19:00", "21:00", valid_until=WEEK - timedelta(days=1))
    assert backwards.value.field == "valid_until"
    with pytest.raises(InvalidInput):
        rule(session, people["account"], 7, "19:00", "21:00")
    assert factories.count(session, AvailabilityRule) == 3


def test_exceptions_are_checked(session, people):
    account = people["account"]
    start = local(date(2026, 12, 1), 9)
    with pytest.raises(InvalidInput) as backwards:
        availability.add_exception(session, actor=account, starts_at=start, ends_at=start - timedelta(hours=1))
    assert backwards.value.field == "ends_at"
    with pytest.raises(InvalidInput) as naive:
        availability.add_exception(session, actor=account, starts_at=start.replace(tzinfo=None),
                                   ends_at=start + timedelta(hours=1))
    assert naive.value.field == "starts_at"
    with pytest.raises(InvalidInput):
        availability.add_exception(session, actor=account, starts_at=start, ends_at=start + timedelta(days=400))
    with pytest.raises(InvalidInput):
        availability.add_time_off(session, actor=account, first_day=date(2026, 12, 3), last_day=date(2026, 12, 2))
    assert factories.count(session, AvailabilityException) == 0


def test_the_weekly_cap_is_checked_and_audited(session, people):
    account, volunteer = people["account"], people["volunteer"]
    for bad in (0, 21, 2.5, True):
        with pytest.raises(InvalidInput) as refused:
            availability.set_weekly_cap(session, actor=account, hours=bad)
        assert refused.value.field == "weekly_hour_cap"
    availability.set_weekly_cap(session, actor=account, hours=6)
    session.commit()
    session.refresh(volunteer)
    assert volunteer.weekly_hour_cap == 6
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "availability.cap_changed")).one()
    assert event.details == {"from": 4, "to": 6} and event.actor_id == account.id


def test_volunteers_change_only_their_own_availability_and_coordinators_anyones(session, people):
    mine = rule(session, people["account"], 1, "19:00", "21:00")
    with pytest.raises(NotAllowed):
        availability.remove_rule(session, actor=people["other_account"], rule_id=mine.id)
    with pytest.raises(NotAllowed):
        rule(session, people["other_account"], 2, "19:00", "21:00", volunteer_id=people["volunteer"].id)
    coordinator = people["coordinator"]
    with pytest.raises(InvalidInput):  # a coordinator says whose
        rule(session, coordinator, 2, "19:00", "21:00")
    theirs = rule(session, coordinator, 2, "19:00", "21:00", volunteer_id=people["other"].id)
    assert theirs.volunteer_id == people["other"].id
    off = availability.add_time_off(session, actor=people["account"], first_day=date(2026, 12, 1),
                                    last_day=date(2026, 12, 2), reason="回老家")
    availability.remove_rule(session, actor=people["account"], rule_id=mine.id)
    availability.remove_exception(session, actor=coordinator, exception_id=off.id)
    session.commit()
    assert factories.count(session, AvailabilityRule) == 1 and factories.count(session, AvailabilityException) == 0
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
               if e.action.startswith("availability.")]
    assert actions == ["availability.rule_added", "availability.rule_added", "availability.exception_added",
                       "availability.rule_removed", "availability.exception_removed"]
    # the reason for time off can be personal: it stays out of the audit log
    assert all("回老家" not in str(e.details) for e in session.exec(select(AuditEvent)))


def test_overview_lists_rules_and_time_off_still_to_come(session, people):
    account = people["account"]
    rule(session, account, 3, "14:00", "16:00")
    rule(session, account, 1, "19:00", "21:00")
    availability.add_time_off(session, actor=account, first_day=date(2026, 11, 1), last_day=date(2026, 11, 2))
    coming = availability.add_time_off(session, actor=account, first_day=date(2026, 12, 24),
                                       last_day=date(2026, 12, 26))
    session.commit()
    seen = availability.overview(session, actor=account, now=NOW)
    assert [(r.weekday, r.start_time) for r in seen.rules] == [(1, time(19)), (3, time(14))]
    assert [e.id for e in seen.exceptions] == [coming.id]
    assert seen.weekly_hour_cap == 4


# ----- properties -----------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(weekday=st.integers(0, 6), start=st.times(), length=st.integers(1, 16 * 60),
       week=st.dates(date(2024, 1, 1), date(2030, 12, 31)).map(availability.week_start_of),
       starts_later=st.integers(-10, 10), lasts=st.one_of(st.none(), st.integers(0, 20)),
       zone=st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London"]))
def test_every_expanded_slot_lies_inside_its_window_and_week(weekday, start, length, week, starts_later, lasts,
                                                             zone):
    tz = ZoneInfo(zone)
    start = start.replace(second=0, microsecond=0, tzinfo=None)
    end_dt = datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=length)
    end = time(23, 59) if end_dt.date() != date(2000, 1, 1) else end_dt.time()
    if end <= start:
        return
    valid_from = week + timedelta(days=starts_later)
    valid_until = None if lasts is None else valid_from + timedelta(days=lasts)
    window = AvailabilityRule(volunteer_id=1, weekday=weekday, start_time=start, end_time=end,
                              valid_from=valid_from, valid_until=valid_until)
    slots = availability.expand_rule(window, start=week, end=week + timedelta(days=7), tz=tz)
    assert slots == sorted(set(slots))
    day = week + timedelta(days=weekday)
    in_force = valid_from <= day and (valid_until is None or day <= valid_until)
    whole_hours = [h for h in range(24) if time(h) >= start
                   and datetime.combine(day, time(h)) + timedelta(hours=1) <= datetime.combine(day, end)]
    expected = [h for h in whole_hours if availability.wall_time_exists(datetime.combine(day, time(h), tzinfo=tz))]
    assert [s.hour for s in slots] == (expected if in_force else [])
    for slot in slots:
        assert slot.date() == day and slot.minute == 0 and slot.tzinfo is tz
