"""SMS transports: the seam between the outbox worker and whoever delivers the SMS.

The worker claims an outbox row, calls ``Transport.send`` once, and records the ``SendOutcome``:

* ``Accepted``: the provider has the message (its sid, segment count and first status).
* ``Rejected``: the provider refused this message for good (invalid number, unsubscribed recipient, ...).
  Retrying cannot help; mark it failed and show the code to a coordinator.
* ``Retryable``: try again later. ``ambiguous`` says whether the message may nevertheless exist at the
  provider (a 5xx, a read timeout or a connection dropped after the request went out). An ambiguous outcome
  must be reconciled with ``find_sent`` before any resend, or the resident gets the SMS twice.
  ``ambiguous=False`` is only used when nothing can have been created: 429, refused credentials, a connection
  that was never established.
* ``NotSent``: there is no provider configured (``OutboxOnlyTransport``); the row stays in the outbox as the
  record of what would have been sent.

``TwilioTransport`` is the real thing; a mainland-China provider would be another class with the same three
members. Nothing here touches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance
from urllib3.exceptions import NewConnectionError

# Twilio error codes the rest of the app may want to act on.
TWILIO_AUTHENTICATION_FAILED = 20003
TWILIO_TOO_MANY_REQUESTS = 20429
TWILIO_INVALID_TO_NUMBER = 21211
TWILIO_UNSUBSCRIBED_RECIPIENT = 21610  # the resident texted STOP to our number: record the opt-out

NO_PROVIDER = "not sent: no provider"


@dataclass(frozen=True)
class Accepted:
    provider_sid: str
    segments: int | None
    status: str  # the provider's status at acceptance, e.g. "queued" or "accepted" (messaging service)


@dataclass(frozen=True)
class Rejected:
    code: int | None
    message: str
    http_status: int | None = None


@dataclass(frozen=True)
class Retryable:
    reason: str
    ambiguous: bool
    code: int | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class NotSent:
    reason: str = NO_PROVIDER


SendOutcome = Accepted | Rejected | Retryable | NotSent


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider lists it, used to reconcile an ambiguous send."""

    sid: str
    to: str
    body: str
    status: str
    date_created: datetime | None
    date_sent: datetime | None
    segments: int | None
    error_code: int | None = None
    error_message: str | None = None


class ProviderLookupError(Exception):
    """The provider could not be asked which messages it has; reconciliation must be tried again later."""


class Transport(Protocol):
    name: str

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendOutcome:
        """Hand one SMS to the provider, exactly once; never raises for provider or network failures."""
        ...

    def find_sent(self, to: str, since: datetime, body: str) -> list[ProviderMessage]:
        """Messages with exactly this body sent to ``to`` since ``since`` (timezone-aware).

        Raises ``ProviderLookupError`` when the provider cannot be asked.
        """
        ...


class OutboxOnlyTransport:
    """No provider credentials: nothing leaves the building, every message stays visible in the outbox."""

    name = "outbox-only"

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendOutcome:
        return NotSent()

    def find_sent(self, to: str, since: datetime, body: str) -> list[ProviderMessage]:
        return []


class BaseUrlTwilioHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that sends REST API requests to another base URL, such as a local fake.

    ``twilio-python`` hard-codes ``https://api.twilio.com``; a custom HTTP client is its documented extension
    point. A request for any other host is refused rather than sent, so nothing built on this client can reach
    the internet by accident.
    """

    def __init__(self, base_url: str, *, timeout: float | None = None):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        # The base URL was given explicitly; do not let HTTP(S)_PROXY from the environment detour it.
        self.session.trust_env = False

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        return super().request(method, self._rebase(url), *args, **kwargs)

    def _rebase(self, url: str) -> str:
        parts = urlsplit(url)
        # Edge/region settings turn api.twilio.com into api.<edge>.<region>.twilio.com; both are the REST API.
        is_rest_api = parts.hostname is not None and (
            parts.hostname == "api.twilio.com"
            or (parts.hostname.startswith("api.") and parts.hostname.endswith(".twilio.com"))
        )
        if parts.scheme != "https" or not is_rest_api:
            raise ValueError(f"refusing to send a request for {url!r} to {self.base_url}")
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.base_url}{parts.path}{query}"


class TwilioTransport:
    """Sends through Twilio's Messages API with the official ``twilio`` client."""

    name = "twilio"

    # Provider and worker clocks differ, and Twilio's timestamps have whole seconds; look a little further back.
    CLOCK_SKEW_ALLOWANCE = timedelta(minutes=2)
    # Reconciliation scans this many of the most recent messages to the number; a resident gets a handful a week.
    LOOKUP_LIMIT = 200

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        timeout_seconds: float = 10.0,
        base_url: str | None = None,
        pool_size: int | None = None,
    ):
        if (from_number is None) == (messaging_service_sid is None):
            raise ValueError("give exactly one of from_number and messaging_service_sid")
        if base_url is None:
            http_client = TwilioHttpClient(timeout=timeout_seconds)
        else:
            http_client = BaseUrlTwilioHttpClient(base_url, timeout=timeout_seconds)
        if pool_size is not None:
            # One kept-alive connection per sender thread; a fuller pool would open and discard connections.
            for prefix in ("https://", "http://"):
                http_client.session.mount(prefix, HTTPAdapter(pool_connections=1, pool_maxsize=pool_size))
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._sender = (
            {"from_": from_number} if from_number is not None else {"messaging_service_sid": messaging_service_sid}
        )

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendOutcome:
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=status_callback, **self._sender
            )
        except (TwilioRestException, TwilioServiceException) as error:
            return _classify_http_error(error)
        except requests.RequestException as error:
            return _classify_network_error(error)
        except json.JSONDecodeError as error:
            # A 2xx whose body could not be read: the message exists but we do not know its sid.
            return Retryable(reason=f"unreadable provider response: {error}", ambiguous=True)
        return Accepted(provider_sid=message.sid, segments=_as_int(message.num_segments), status=message.status)

    def find_sent(self, to: str, since: datetime, body: str) -> list[ProviderMessage]:
        """Scan recent messages to ``to`` and keep those created since ``since`` with exactly ``body``.

        Filtering happens here on ``date_created`` rather than with the API's ``DateSent`` filter: a message
        still queued at Twilio has no ``date_sent`` yet (exactly the case after a timed-out send), and the API
        documents that filter only to day precision.
        """
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        earliest = since.astimezone(UTC) - self.CLOCK_SKEW_ALLOWANCE
        try:
            recent = self._client.messages.stream(to=to, limit=self.LOOKUP_LIMIT)
            return [
                _provider_message(message)
                for message in recent
                if message.body == body and message.date_created is not None and message.date_created >= earliest
            ]
        except (TwilioException, requests.RequestException, json.JSONDecodeError) as error:
            raise ProviderLookupError(f"could not list messages sent to the resident: {error}") from error


def _classify_http_error(error: TwilioRestException | TwilioServiceException) -> SendOutcome:
    message = error.msg if isinstance(error, TwilioRestException) else (error.detail or error.title)
    status, code = error.status, error.code
    if status == 429:
        return Retryable(reason=message, ambiguous=False, code=code, http_status=status)
    if status in (401, 403):
        # The account, not this message, is refused (wrong or rotated token, suspended account). Keep the
        # message for when the credentials are fixed instead of failing every reminder in the outbox.
        return Retryable(reason=message, ambiguous=False, code=code, http_status=status)
    if 400 <= status < 500:
        return Rejected(code=code, message=message, http_status=status)
    # A 5xx may come after the message was stored, so it may exist.
    return Retryable(reason=message, ambiguous=True, code=code, http_status=status)


def _classify_network_error(error: requests.RequestException) -> Retryable:
    return Retryable(reason=f"{type(error).__name__}: {error}", ambiguous=not _request_never_left(error))


def _request_never_left(error: requests.RequestException) -> bool:
    """True only when no byte of the request can have reached the provider."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    # requests wraps urllib3's MaxRetryError, whose reason is NewConnectionError for a refused connection
    # or a failed DNS lookup (NameResolutionError is a subclass).
    cause = error.args[0] if error.args else None
    return isinstance(getattr(cause, "reason", None), NewConnectionError)


def _provider_message(message: MessageInstance) -> ProviderMessage:
    return ProviderMessage(
        sid=message.sid,
        to=message.to,
        body=message.body,
        status=message.status,
        date_created=message.date_created,
        date_sent=message.date_sent,
        segments=_as_int(message.num_segments),
        error_code=message.error_code,
        error_message=message.error_message,
    )


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # Twilio sends num_segments as a string
    except (TypeError, ValueError):
        return None
