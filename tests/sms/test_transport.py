"""The real twilio client against the local fake: the fake's API shapes, then how TwilioTransport reads outcomes."""

import re
import socket
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from listening.sms.transport import (
    NO_PROVIDER,
    TWILIO_AUTHENTICATION_FAILED,
    TWILIO_INVALID_TO_NUMBER,
    TWILIO_TOO_MANY_REQUESTS,
    TWILIO_UNSUBSCRIBED_RECIPIENT,
    Accepted,
    BaseUrlTwilioHttpClient,
    NotSent,
    OutboxOnlyTransport,
    ProviderLookupError,
    Rejected,
    Retryable,
    Transport,
    TwilioTransport,
)
from tests.fake_twilio import FakeTwilio

RESIDENT = "+8613800138000"
OTHER_RESIDENT = "+8613900139000"
BODY = "【倾听一小时】您的倾听服务已安排在明天14:00。回复1确认，2取消。服务免费。"
SHORT_TIMEOUT = 0.3  # seconds; the timeout faults below sleep well past it
SID = re.compile(r"^SM[0-9a-f]{32}$")
RFC_2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")


@pytest.fixture
def fake():
    with FakeTwilio() as running:
        yield running


@pytest.fixture
def client(fake) -> Client:
    return fake.client()


def transport_for(fake: FakeTwilio, *, timeout_seconds: float = 5.0, **sender) -> TwilioTransport:
    sender = sender or {"from_number": fake.from_number}
    return TwilioTransport(
        fake.account_sid, fake.auth_token, timeout_seconds=timeout_seconds, base_url=fake.base_url, **sender
    )


@pytest.fixture
def transport(fake) -> TwilioTransport:
    return transport_for(fake)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more: connection refused


# -- the fake, through the real client --------------------------------------------------------------------------


def test_create_answers_like_twilio(fake, client):
    message = client.messages.create(
        to=RESIDENT, from_=fake.from_number, body=BODY, status_callback="https://example.org/sms/status"
    )

    assert SID.match(message.sid)
    assert (message.to, message.from_, message.body) == (RESIDENT, fake.from_number, BODY)
    assert message.status == "queued"
    assert message.date_sent is None
    assert message.date_created.tzinfo is not None
    assert message.num_segments == "1"
    assert message.direction == "outbound-api"
    assert message.error_code is None
    assert message.uri == f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{message.sid}.json"
    assert fake.messages[0].status_callback == "https://example.org/sms/status"


def test_create_through_a_messaging_service_is_accepted_without_a_from(fake, client):
    message = client.messages.create(to=RESIDENT, messaging_service_sid="MG" + "0" * 32, body="hi")

    assert message.status == "accepted"
    assert message.from_ is None


def test_fetch_reports_the_message_sent_with_rfc_2822_dates(fake, client):
    sid = client.messages.create(to=RESIDENT, from_=fake.from_number, body=BODY).sid

    fetched = client.messages(sid).fetch()
    assert fetched.status == "sent"
    assert fetched.date_sent is not None

    raw = requests.get(
        f"{fake.base_url}/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
        auth=(fake.account_sid, fake.auth_token),
        timeout=5,
    ).json()
    assert RFC_2822.match(raw["date_created"])
    assert RFC_2822.match(raw["date_sent"])


def test_fetch_of_an_unknown_sid_is_404(fake, client):
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_list_filters_by_to_and_follows_pages(fake, client):
    for number in range(5):
        client.messages.create(to=RESIDENT, from_=fake.from_number, body=f"message {number}")
    client.messages.create(to=OTHER_RESIDENT, from_=fake.from_number, body="not for the resident")

    listed = client.messages.list(to=RESIDENT, page_size=2)

    assert [message.body for message in listed] == [f"message {number}" for number in (4, 3, 2, 1, 0)]
    page_requests = [request for request in fake.requests if request.method == "GET"]
    assert len(page_requests) == 3
    assert all(request.query["To"] == RESIDENT for request in page_requests)
    assert page_requests[-1].query["PageToken"].startswith("PASM")


def test_list_filters_by_date_sent(fake, client):
    client.messages.create(to=RESIDENT, from_=fake.from_number, body=BODY)
    time.sleep(0.01)  # let the fake move it to "sent"
    now = datetime.now(UTC)

    assert len(client.messages.list(to=RESIDENT, date_sent_after=now - timedelta(minutes=1))) == 1
    assert client.messages.list(to=RESIDENT, date_sent_after=now + timedelta(hours=1)) == []
    assert client.messages.list(to=RESIDENT, date_sent_before=now - timedelta(hours=1)) == []
    assert len(client.messages.list(to=RESIDENT, date_sent_before=now + timedelta(minutes=1))) == 1
    assert len(client.messages.list(to=RESIDENT, date_sent=now.date())) == 1
    assert client.messages.list(to=RESIDENT, date_sent=date(2020, 1, 1)) == []


def test_date_sent_filters_do_not_see_a_message_that_is_still_queued():
    with FakeTwilio(send_delay_seconds=3600) as fake:
        client = fake.client()
        client.messages.create(to=RESIDENT, from_=fake.from_number, body=BODY)

        assert len(client.messages.list(to=RESIDENT)) == 1
        assert client.messages.list(to=RESIDENT, date_sent_after=datetime.now(UTC) - timedelta(days=1)) == []


def test_wrong_credentials_are_401_and_create_nothing(fake):
    client = fake.client(auth_token="not-the-token")

    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=RESIDENT, from_=fake.from_number, body=BODY)

    assert (raised.value.status, raised.value.code) == (401, TWILIO_AUTHENTICATION_FAILED)
    assert fake.messages == []


def test_invalid_to_number_is_400_21211(fake, client):
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to="13800138000", from_=fake.from_number, body=BODY)

    assert (raised.value.status, raised.value.code) == (400, TWILIO_INVALID_TO_NUMBER)


def test_edge_and_region_hostnames_are_redirected_too(fake):
    client = Client(
        fake.account_sid,
        fake.auth_token,
        http_client=BaseUrlTwilioHttpClient(fake.base_url, timeout=5),
        edge="singapore",
        region="sg1",
    )
    client.messages.create(to=RESIDENT, from_=fake.from_number, body=BODY)

    assert fake.count_by(to=RESIDENT, body=BODY) == 1


def test_redirecting_client_refuses_any_host_but_the_twilio_rest_api():
    http_client = BaseUrlTwilioHttpClient(closed_port_url(), timeout=1)

    with pytest.raises(ValueError, match="refusing"):
        http_client.request("GET", "https://example.com/2010-04-01/Accounts.json")


# -- TwilioTransport outcomes ---------------------------------------------------------------------------------------


def test_send_is_accepted_with_the_provider_sid_and_segments(fake, transport):
    outcome = transport.send(RESIDENT, BODY, status_callback="https://example.org/sms/status")

    assert outcome == Accepted(provider_sid=fake.messages[0].sid, segments=1, status="queued")
    assert fake.messages[0].status_callback == "https://example.org/sms/status"
    assert transport.send(RESIDENT, "倾" * 71).segments == 2


def test_send_through_a_messaging_service(fake):
    transport = transport_for(fake, messaging_service_sid="MG" + "1" * 32)

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Accepted) and outcome.status == "accepted"
    assert fake.messages[0].messaging_service_sid == "MG" + "1" * 32


def test_a_400_is_a_permanent_rejection(fake, transport):
    fake.reject_next(
        1, status=400, code=TWILIO_UNSUBSCRIBED_RECIPIENT, message="Attempt to send to unsubscribed recipient"
    )

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Rejected)
    assert (outcome.code, outcome.http_status) == (TWILIO_UNSUBSCRIBED_RECIPIENT, 400)
    assert "unsubscribed recipient" in outcome.message
    assert fake.messages == []


def test_an_invalid_number_is_a_permanent_rejection(transport):
    outcome = transport.send("13800138000", BODY)

    assert isinstance(outcome, Rejected) and outcome.code == TWILIO_INVALID_TO_NUMBER


def test_a_429_is_retryable_and_not_ambiguous(fake, transport):
    fake.rate_limit_per_second = 1

    first, second = transport.send(RESIDENT, BODY), transport.send(RESIDENT, BODY)

    assert isinstance(first, Accepted)
    assert isinstance(second, Retryable)
    assert (second.ambiguous, second.code, second.http_status) == (False, TWILIO_TOO_MANY_REQUESTS, 429)
    assert fake.count_by(to=RESIDENT) == 1


def test_refused_credentials_keep_the_message_for_later_and_are_not_ambiguous(fake):
    transport = TwilioTransport(
        fake.account_sid, "rotated-token", from_number=fake.from_number, timeout_seconds=5, base_url=fake.base_url
    )

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Retryable)
    assert (outcome.ambiguous, outcome.code, outcome.http_status) == (False, TWILIO_AUTHENTICATION_FAILED, 401)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_is_retryable_and_ambiguous(fake, transport, status):
    fake.fail_next(1, status=status)

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Retryable)
    assert (outcome.ambiguous, outcome.http_status) == (True, status)


def test_a_5xx_after_the_message_was_stored_is_found_by_reconciliation(fake, transport):
    claimed_at = datetime.now(UTC)
    fake.fail_next(1, status=500, after_create=True)

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Retryable) and outcome.ambiguous
    assert [found.sid for found in transport.find_sent(RESIDENT, claimed_at, BODY)] == [fake.messages[0].sid]


def test_a_timeout_is_ambiguous_and_find_sent_finds_what_it_created(fake):
    transport = transport_for(fake, timeout_seconds=SHORT_TIMEOUT)
    claimed_at = datetime.now(UTC)
    fake.timeout_next(1, seconds=5)

    started = time.monotonic()
    outcome = transport.send(RESIDENT, BODY)

    assert time.monotonic() - started < 2
    assert isinstance(outcome, Retryable) and outcome.ambiguous
    found = transport.find_sent(RESIDENT, claimed_at, BODY)
    assert len(found) == 1
    assert found[0].sid == fake.messages[0].sid
    assert (found[0].to, found[0].body, found[0].segments) == (RESIDENT, BODY, 1)


def test_find_sent_finds_a_timed_out_message_that_is_still_queued():
    with FakeTwilio(send_delay_seconds=3600) as fake:
        transport = transport_for(fake, timeout_seconds=SHORT_TIMEOUT)
        claimed_at = datetime.now(UTC)
        fake.timeout_next(1, seconds=5)

        assert transport.send(RESIDENT, BODY).ambiguous

        found = transport.find_sent(RESIDENT, claimed_at, BODY)
        assert [(message.status, message.date_sent) for message in found] == [("queued", None)]


def test_find_sent_matches_body_number_and_time(fake, transport):
    transport.send(RESIDENT, "an earlier reminder")
    transport.send(OTHER_RESIDENT, BODY)
    claimed_at = datetime.now(ZoneInfo("Asia/Shanghai"))  # local time must be compared in UTC
    transport.send(RESIDENT, BODY)

    assert [message.body for message in transport.find_sent(RESIDENT, claimed_at, BODY)] == [BODY]
    assert transport.find_sent(RESIDENT, claimed_at, "a body that was never sent") == []
    assert transport.find_sent(RESIDENT, claimed_at + timedelta(hours=1), BODY) == []


def test_find_sent_needs_a_timezone_aware_since(transport):
    with pytest.raises(ValueError, match="timezone-aware"):
        transport.find_sent(RESIDENT, datetime.now(), BODY)


def test_find_sent_raises_lookup_error_when_the_provider_cannot_be_asked(fake):
    unreachable = TwilioTransport(
        fake.account_sid, fake.auth_token, from_number=fake.from_number, timeout_seconds=1, base_url=closed_port_url()
    )
    refused = TwilioTransport(
        fake.account_sid, "rotated-token", from_number=fake.from_number, timeout_seconds=5, base_url=fake.base_url
    )

    with pytest.raises(ProviderLookupError):
        unreachable.find_sent(RESIDENT, datetime.now(UTC), BODY)
    with pytest.raises(ProviderLookupError):
        refused.find_sent(RESIDENT, datetime.now(UTC), BODY)


def test_a_connection_dropped_mid_request_is_ambiguous(fake, transport):
    fake.drop_next(1, after_create=True)

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Retryable) and outcome.ambiguous
    assert fake.count_by(to=RESIDENT, body=BODY) == 1


def test_a_refused_connection_is_retryable_and_not_ambiguous(fake):
    transport = TwilioTransport(
        fake.account_sid, fake.auth_token, from_number=fake.from_number, timeout_seconds=1, base_url=closed_port_url()
    )

    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Retryable) and not outcome.ambiguous


def test_latency_below_the_timeout_still_succeeds(fake, transport):
    fake.latency_seconds = 0.2

    started = time.monotonic()
    outcome = transport.send(RESIDENT, BODY)

    assert isinstance(outcome, Accepted)
    assert time.monotonic() - started >= 0.2


def test_environment_proxies_are_not_used_for_an_explicit_base_url(fake, transport, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", closed_port_url())
    monkeypatch.setenv("http_proxy", closed_port_url())

    assert isinstance(transport.send(RESIDENT, BODY), Accepted)


def test_exactly_one_sender_is_required(fake):
    with pytest.raises(ValueError):
        TwilioTransport(fake.account_sid, fake.auth_token, base_url=fake.base_url)
    with pytest.raises(ValueError):
        TwilioTransport(
            fake.account_sid,
            fake.auth_token,
            from_number=fake.from_number,
            messaging_service_sid="MG" + "1" * 32,
            base_url=fake.base_url,
        )


# -- no provider --------------------------------------------------------------------------------------------------


def test_outbox_only_transport_sends_nothing_and_says_so():
    transport: Transport = OutboxOnlyTransport()

    outcome = transport.send(RESIDENT, BODY, status_callback=None)

    assert outcome == NotSent(reason=NO_PROVIDER)
    assert outcome.reason == "not sent: no provider"
    assert transport.find_sent(RESIDENT, datetime.now(UTC), BODY) == []
    assert transport.name == "outbox-only"
