"""Hours for the volunteer platforms: the columns and their order, local dates and times, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import openpyxl
import pytest
from sqlmodel import select

from listening import reports
from listening.core.config import get_settings
from listening.core.errors import NotAllowed
from listening.core.i18n import set_locale
from listening.models import AuditEvent
from tests import factories
from tests.supervision.helpers import held_session, listener

DAY = date(2026, 11, 3)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=get_settings().tz)


@pytest.fixture
def logged(session):
    coordinator = factories.coordinator(session)
    chen = listener(session, name="陈静", phone="+8613900001234", joined=date(2026, 6, 1))
    anna = listener(session, name="Anna", phone="+447700900123", joined=date(2026, 6, 1))
    held_session(session, chen, starts_at=local(DAY, 19), minutes=90)
    held_session(session, chen, starts_at=local(DAY, 23, 30), minutes=45)  # 15:30 UTC: the local day counts
    held_session(session, anna, starts_at=local(DAY, 10), minutes=60)
    held_session(session, anna, starts_at=local(date(2026, 12, 1), 10))  # after the period
    return coordinator


def test_the_rows_have_the_platforms_columns_in_their_order(session, logged):
    frame = reports.platform_hours(session, actor=logged, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert tuple(frame.columns) == reports.PLATFORM_COLUMNS == (
        "name", "phone", "date", "start", "end", "hours", "activity")
    assert frame.to_dict("records") == [
        {"name": "Anna", "phone": "00447700900123", "date": "2026-11-03", "start": "10:00", "end": "11:00",
         "hours": 1.0, "activity": "倾听一小时倾听服务（到社区中心）"},
        {"name": "陈静", "phone": "13900001234", "date": "2026-11-03", "start": "19:00", "end": "20:30",
         "hours": 1.5, "activity": "倾听一小时倾听服务（到社区中心）"},
        {"name": "陈静", "phone": "13900001234", "date": "2026-11-03", "start": "23:30", "end": "00:15",
         "hours": 0.75, "activity": "倾听一小时倾听服务（到社区中心）"},
    ]


def test_the_csv_has_chinese_headers_a_byte_order_mark_and_is_audited(session, logged):
    frame = reports.platform_hours(session, actor=logged, start=date(2026, 11, 1), end=date(2026, 11, 30))
    data = reports.platform_csv(session, actor=logged, frame=frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "手机号码", "服务日期", "开始时间", "结束时间", "服务时长（小时）", "服务内容"]
    assert rows[2] == ["陈静", "13900001234", "2026-11-03", "19:00", "20:30", "1.5", "倾听一小时倾听服务（到社区中心）"]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).one()
    assert event.details["format"] == "csv" and event.details["rows"] == {"platform_hours": 3}


def test_the_xlsx_through_the_reports_workbook_keeps_the_columns(session, logged):
    set_locale("en")
    frame = reports.platform_hours(session, actor=logged, start=date(2026, 11, 1), end=date(2026, 11, 30))
    data = reports.excel_workbook(session, actor=logged, sheets={"Hours": reports.with_headers(frame)})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Name", "Mobile number", "Service date", "Start time", "End time", "Service hours",
                         "Activity")
    activity = "Listening Hour listening session (at the centre)"
    assert values[1] == ("Anna", "00447700900123", "2026-11-03", "10:00", "11:00", 1, activity)


def test_a_formula_in_a_name_is_written_as_text(session, logged):
    volunteer = listener(session, name="=1+1", phone="+8613900005555", joined=date(2026, 6, 1))
    held_session(session, volunteer, starts_at=local(DAY, 9))
    frame = reports.platform_hours(session, actor=logged, start=DAY, end=DAY)
    rows = list(csv.reader(io.StringIO(reports.platform_csv(session, actor=logged, frame=frame).decode("utf-8-sig"))))
    assert rows[1][0] == "'=1+1"


def test_only_a_coordinator_exports_hours(session, logged):
    account, _ = factories.volunteer(session, "vol2", phone="+8613900006666")
    with pytest.raises(NotAllowed):
        reports.platform_hours(session, actor=account, start=DAY, end=DAY)
