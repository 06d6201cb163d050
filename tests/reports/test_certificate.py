"""The hours certificate: a PDF whose Chinese text, extracted back, says who, how many sessions and hours."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

import pytest
from pypdf import PdfReader
from sqlmodel import select

from listening import reports
from listening.core.config import get_settings
from listening.core.errors import NotAllowed
from listening.core.i18n import set_locale
from listening.models import AuditEvent
from listening.reports import certificate
from tests import factories
from tests.supervision.helpers import held_session, listener


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=get_settings().tz)


def text_of(pdf: bytes) -> str:
    """The text pypdf reads back, without spaces. fpdf2 writes a CFF font's text as two-byte codes through an
    embedded encoding CMap; pypdf 7 decodes each code with a leading NUL (the ToUnicode map itself is right, and
    Chromium renders and copies the text as written), so NULs are dropped with the spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_fonts_are_installed():
    """No skip: a machine without fonts-noto-cjk (`make chromium`) fails here, saying why."""
    for path in (certificate.REGULAR_FONT, certificate.BOLD_FONT):
        assert path.is_file(), f"{path} is missing: install the Debian package fonts-noto-cjk (make chromium)"


@pytest.fixture
def chen(session):
    coordinator = factories.coordinator(session)
    volunteer = listener(session, name="欧阳静怡", joined=date(2026, 6, 1))
    held_session(session, volunteer, starts_at=local(date(2026, 11, 3), 19), minutes=90)
    held_session(session, volunteer, starts_at=local(date(2026, 11, 10), 19), minutes=60)
    held_session(session, volunteer, starts_at=local(date(2026, 12, 1), 9), minutes=60)  # outside the period
    return coordinator, volunteer


def test_the_certificate_says_in_chinese_who_served_how_often_and_how_long(session, chen):
    coordinator, volunteer = chen
    pdf = reports.hours_certificate(session, actor=coordinator, volunteer_id=volunteer.id,
                                    start=date(2026, 11, 1), end=date(2026, 11, 30), on=date(2026, 12, 1))
    assert pdf.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = text_of(pdf)
    assert "志愿服务时长证明" in text
    assert "兹证明欧阳静怡于2026年11月1日至2026年11月30日期间" in text
    assert "参与倾听服务2次，累计服务时长2.5小时" in text
    assert "协调员王芳，2026年12月1日开具" in text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "hours.certificate_issued")).one()
    assert event.details == {"start": "2026-11-01", "end": "2026-11-30", "hours": 2.5}


def test_the_certificate_in_english(session, chen):
    coordinator, volunteer = chen
    set_locale("en")
    pdf = reports.hours_certificate(session, actor=coordinator, volunteer_id=volunteer.id,
                                    start=date(2026, 11, 1), end=date(2026, 11, 30), on=date(2026, 12, 1))
    text = text_of(pdf)
    assert "Certificateofvolunteerservicehours" in text and "欧阳静怡" in text and "2.5hours" in text


def test_a_volunteer_prints_their_own_for_all_their_time(session):
    account, volunteer = factories.volunteer(session, "chen", name="陈静", phone="+8613900001234")
    held_session(session, volunteer, starts_at=local(date(2026, 2, 3), 19), minutes=60)
    pdf = reports.my_hours_certificate(session, actor=account, on=date(2026, 12, 1))
    text = text_of(pdf)
    assert "兹证明陈静于2026年1月5日至2026年12月1日期间" in text and "累计服务时长1小时" in text
    assert "“倾听一小时”项目，2026年12月1日开具" in text
    with pytest.raises(NotAllowed):
        reports.hours_certificate(session, actor=account, volunteer_id=volunteer.id, start=date(2026, 1, 1),
                                  end=date(2026, 2, 1), on=date(2026, 12, 1))


def test_a_missing_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(certificate, "REGULAR_FONT", certificate.FONT_DIR / "NoSuchFont.ttc")
    facts = certificate.CertificateFacts("陈静", date(2026, 1, 1), date(2026, 2, 1), 1, 1.0, date(2026, 2, 1), None)
    with pytest.raises(certificate.FontMissing) as error:
        certificate.render_certificate(facts)
    assert "fonts-noto-cjk" in error.value.translated()
