"""The public form's limits survive a reload, a new browser and a new number: per client address, per number, and
an hourly cap on SMS to numbers never seen before. Over a limit the request is stored, only its SMS is held."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from listening.core import config
from listening.models import IntakeAttempt, ListeningRequest, MessageKind, OutboundMessage, SmsHold
from listening.residents import intake
from tests import factories
from tests.residents.test_intake import NOW, a_form, centre  # noqa: F401  (centre is a fixture)


def send(session, phone, *, client="203.0.113.1", minutes=0, sms=True):
    result = intake.submit(session, form=a_form(phone=phone, sms_consent=sms), client_address=client,
                           now=NOW + timedelta(minutes=minutes))
    session.commit()
    return result


def confirmations(session) -> int:
    return len(session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.request_received)).all())


@pytest.fixture
def limits(monkeypatch):
    settings = config.get_settings()
    monkeypatch.setattr(settings, "intake_per_address_per_hour", 5)
    monkeypatch.setattr(settings, "intake_per_phone_per_day", 3)
    monkeypatch.setattr(settings, "intake_new_number_sms_per_hour", 8)
    return settings


def test_one_address_gets_five_confirmations_an_hour_and_every_request_is_stored(session, centre, limits):
    results = [send(session, f"1381234{n:04d}", minutes=n) for n in range(7)]
    assert [r.sms_held for r in results] == [None] * 5 + [SmsHold.per_address] * 2
    assert factories.count(session, ListeningRequest) == 7 and confirmations(session) == 5
    assert send(session, "13812349999", client="203.0.113.2", minutes=8).sms_held is None  # another address
    assert send(session, "13812349998", minutes=70).sms_held is None  # an hour after the last one


def test_the_counts_are_in_the_database_not_the_browser(session, centre, limits):
    # Each call is a new browser session (nothing in the service knows of one); the database still counts.
    for n in range(5):
        send(session, f"1391234{n:04d}", minutes=n)
    assert factories.count(session, IntakeAttempt) == 5
    assert "203.0.113.1" not in str(session.exec(select(IntakeAttempt.client_key)).all())  # a keyed hash only
    assert send(session, "13912349999", minutes=6).sms_held == SmsHold.per_address


def test_one_number_gets_at_most_three_requests_a_day_counted(session, centre, limits):
    for n in range(3):
        send(session, "13700001111", client=f"203.0.113.{10 + n}", minutes=n)
    held = send(session, "13700001111", client="203.0.113.50", minutes=5)
    assert held.sms_held == SmsHold.per_phone
    assert factories.count(session, ListeningRequest) == 4


def test_new_numbers_share_an_hourly_cap_on_confirmation_sms(session, centre, limits):
    results = [send(session, f"1361234{n:04d}", client=f"198.51.100.{n}", minutes=n % 50) for n in range(10)]
    assert [r.sms_held for r in results] == [None] * 8 + [SmsHold.new_numbers] * 2
    assert confirmations(session) == 8
    assert send(session, "13612349999", client="198.51.100.200", minutes=70).sms_held is None


def test_a_request_without_sms_consent_is_counted_but_never_held(session, centre, limits):
    for n in range(6):
        result = send(session, f"1351234{n:04d}", minutes=n, sms=False)
        assert result.sms_held is None and result.request.sms_held is None
    assert confirmations(session) == 0
    assert send(session, "13512349999", minutes=7).sms_held == SmsHold.per_address
