"""A local fake of Twilio's Messages API, for tests and benchmarks; the real ``twilio`` client talks to it.

    with FakeTwilio() as fake:
        client = fake.client()                     # twilio.rest.Client pointed at 127.0.0.1:<ephemeral>
        client.messages.create(to="+8613800138000", from_=fake.from_number, body="...")
        assert fake.count_by(to="+8613800138000") == 1

It serves, with Twilio's JSON shapes (2010-04-01 API, legacy error bodies, RFC 2822 dates):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``  (To, From or MessagingServiceSid, Body, StatusCallback)
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json``
* ``GET  /2010-04-01/Accounts/{AccountSid}/Messages.json``  (To, From, DateSent, DateSent<, DateSent>, paging)

Like Twilio, a new message is ``queued`` (``accepted`` through a messaging service) with no ``date_sent``; it
counts as ``sent`` once ``send_delay_seconds`` have passed. A DateSent filter never matches a message that is
not sent yet. Lists are newest first and paged with a PageToken anchored on the last sid, so paging is stable
while messages are being created.

Faults apply to the next message *creates*, in the order they were queued: ``fail_next``, ``reject_next``,
``timeout_next``, ``drop_next``. ``latency_seconds`` delays every request; ``rate_limit_per_second`` answers
429 (code 20429) to creates beyond that many per second.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.rest import Client

from listening.sms.segments import segment_count
from listening.sms.transport import BaseUrlTwilioHttpClient

DEFAULT_ACCOUNT_SID = "AC" + "feedface" * 4
DEFAULT_AUTH_TOKEN = "0123456789abcdef" * 2
DEFAULT_FROM_NUMBER = "+15005550006"

API_VERSION = "2010-04-01"
MAX_BODY_LENGTH = 1600
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages\.json$")
_MESSAGE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages/(?P<sid>SM[0-9a-f]{{32}})\.json$")


@dataclass
class FakeMessage:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    date_created: datetime
    sends_at: datetime  # after this moment the fake reports it sent (strictly after, so a create answers "queued")

    @property
    def num_segments(self) -> int:
        return segment_count(self.body)

    def status(self, now: datetime) -> str:
        if now > self.sends_at:
            return "sent"
        return "accepted" if self.from_ is None else "queued"

    def date_sent(self, now: datetime) -> datetime | None:
        return self.sends_at if now > self.sends_at else None

    def to_json(self, now: datetime) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        date_sent = self.date_sent(now)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": _rfc2822(self.date_created),
            "date_sent": _rfc2822(date_sent) if date_sent else None,
            "date_updated": _rfc2822(date_sent or self.date_created),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status(now),
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    arrived_at: float = 0.0  # epoch seconds, when the request reached the fake (before its latency)


@dataclass(frozen=True)
class _Fault:
    kind: str  # "fail", "reject", "timeout" or "drop"
    status: int = 500
    code: int | None = None
    message: str = ""
    seconds: float = 0.0
    after_create: bool = False


@dataclass
class _Reply:
    status: int
    payload: dict | None  # None: close the connection without answering
    delay_seconds: float = 0.0


@dataclass
class _State:
    messages: list[FakeMessage] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: deque[_Fault] = field(default_factory=deque)
    recent_creates: deque[float] = field(default_factory=deque)  # monotonic times, for the rate limit


class FakeTwilio:
    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        from_number: str = DEFAULT_FROM_NUMBER,
        send_delay_seconds: float = 0.0,
        latency_seconds: float = 0.0,
        rate_limit_per_second: float | None = None,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.send_delay_seconds = send_delay_seconds
        self.latency_seconds = latency_seconds
        self.rate_limit_per_second = rate_limit_per_second
        self._state = _State()
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes handlers that are sleeping through a timeout or latency
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # how long stop() waits for the loop to notice; the default is 0.5 s
            name="fake-twilio",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, *, auth_token: str | None = None, timeout: float = 5.0) -> Client:
        """The real ``twilio.rest.Client``, talking to this fake."""
        http_client = BaseUrlTwilioHttpClient(self.base_url, timeout=timeout)
        return Client(self.account_sid, auth_token or self.auth_token, http_client=http_client)

    # -- fault injection ---------------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, *, after_create: bool = False) -> None:
        """The next ``n`` creates answer ``status``; with ``after_create`` the message was stored first."""
        self._queue_faults(n, _Fault("fail", status=status, after_create=after_create))

    def reject_next(
        self, n: int = 1, status: int = 400, code: int = 21211, message: str = "The 'To' number is not valid."
    ) -> None:
        """The next ``n`` creates are refused with a Twilio error body; nothing is stored."""
        self._queue_faults(n, _Fault("reject", status=status, code=code, message=message))

    def timeout_next(self, n: int = 1, seconds: float = 1.0) -> None:
        """The next ``n`` creates store the message, then wait ``seconds`` before answering (past the client's
        timeout): the ambiguous outcome, where the client gives up but the message exists."""
        self._queue_faults(n, _Fault("timeout", seconds=seconds, after_create=True))

    def drop_next(self, n: int = 1, *, after_create: bool = True) -> None:
        """The next ``n`` creates close the connection without an answer (by default after storing)."""
        self._queue_faults(n, _Fault("drop", after_create=after_create))

    def _queue_faults(self, n: int, fault: _Fault) -> None:
        with self._lock:
            self._state.faults.extend([fault] * n)

    # -- inspection --------------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[FakeMessage]:
        """Every message created, oldest first."""
        with self._lock:
            return list(self._state.messages)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received (including refused ones), oldest first."""
        with self._lock:
            return list(self._state.requests)

    def count_by(self, to: str | None = None, body: str | None = None) -> int:
        return sum(
            1
            for message in self.messages
            if (to is None or message.to == to) and (body is None or message.body == body)
        )

    def reset(self) -> None:
        """Forget messages, requests and pending faults; settings stay."""
        with self._lock:
            self._state = _State()

    # -- request handling (called on server threads) -----------------------------------------------------------

    def _handle(
        self, method: str, path: str, *, query: dict[str, str], form: dict[str, str], auth: str | None
    ) -> _Reply:
        with self._lock:
            self._state.requests.append(RecordedRequest(method, path, query, form, arrived_at=time.time()))
        if self.latency_seconds:
            self._stopping.wait(self.latency_seconds)
        if not self._authenticated(auth):
            return _error(401, 20003, "Authenticate")

        messages_route, message_route = _MESSAGES.match(path), _MESSAGE.match(path)
        route = messages_route or message_route
        if route is None or route["account"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {path} was not found")
        if method == "POST" and messages_route:
            return self._create(form)
        if method == "GET" and messages_route:
            return self._list(path, query)
        if method == "GET" and message_route:
            return self._fetch(path, message_route["sid"])
        return _error(405, 20004, "Method not allowed")

    def _authenticated(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            username, _, password = base64.b64decode(header[len("Basic ") :]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(username, self.account_sid) and hmac.compare_digest(password, self.auth_token)

    def _create(self, form: dict[str, str]) -> _Reply:
        with self._lock:
            if self._rate_limited():
                return _error(429, 20429, "Too Many Requests")
            fault = self._state.faults.popleft() if self._state.faults else None

        if fault is not None and fault.kind == "reject":
            return _error(fault.status, fault.code, fault.message)
        if fault is not None and not fault.after_create:
            return self._fault_reply(fault, created=None)

        invalid = _validate_create(form)
        if invalid is not None:
            return invalid
        created = self._store(form)
        if fault is not None:
            return self._fault_reply(fault, created=created)
        return _Reply(201, created.to_json(created.date_created))  # as created: queued, no date_sent yet

    def _fault_reply(self, fault: _Fault, created: FakeMessage | None) -> _Reply:
        if fault.kind == "drop":
            return _Reply(0, None)
        if fault.kind == "timeout":
            return _Reply(201, created.to_json(created.date_created), delay_seconds=fault.seconds)
        # Twilio's codes for plain HTTP failures are 20000 + status (20500, 20503, ...).
        return _error(fault.status, 20000 + fault.status, HTTPStatus(fault.status).phrase)

    def _rate_limited(self) -> bool:
        """Counts this create against the last second's window; call with the lock held."""
        if self.rate_limit_per_second is None:
            return False
        now = time.monotonic()
        window = self._state.recent_creates
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.rate_limit_per_second:
            return True
        window.append(now)
        return False

    def _store(self, form: dict[str, str]) -> FakeMessage:
        created_at = _now()
        message = FakeMessage(
            sid="SM" + uuid.uuid4().hex,
            account_sid=self.account_sid,
            to=form["To"],
            from_=form.get("From"),
            messaging_service_sid=form.get("MessagingServiceSid"),
            body=form["Body"],
            status_callback=form.get("StatusCallback"),
            date_created=created_at,
            sends_at=created_at + timedelta(seconds=self.send_delay_seconds),
        )
        with self._lock:
            self._state.messages.append(message)
        return message

    def _fetch(self, path: str, sid: str) -> _Reply:
        with self._lock:
            found = next((message for message in self._state.messages if message.sid == sid), None)
        if found is None:
            return _error(404, 20404, f"The requested resource {path} was not found")
        return _Reply(200, found.to_json(_now()))

    def _list(self, path: str, query: dict[str, str]) -> _Reply:
        now = _now()
        try:
            date_filters = _DateSentFilters.from_query(query)
            page_size = min(int(query.get("PageSize", 50)), 1000)
            page = int(query.get("Page", 0))
        except ValueError as error:
            return _error(400, 20001, f"Invalid parameter: {error}")
        with self._lock:
            newest_first = list(reversed(self._state.messages))  # appended in creation order
        matching = [
            message
            for message in newest_first
            if query.get("To", message.to) == message.to
            and query.get("From", message.from_) == message.from_
            and date_filters.match(message.date_sent(now))
        ]

        start = page * page_size
        token = query.get("PageToken", "")
        if token.startswith("PA"):  # "page after": continue right after the last sid of the previous page
            sids = [message.sid for message in matching]
            start = sids.index(token[2:]) + 1 if token[2:] in sids else len(matching)
        records = matching[start : start + page_size]

        filters = {key: value for key, value in query.items() if key not in ("Page", "PageSize", "PageToken")}

        def page_uri(page_number: int, page_token: str | None = None) -> str:
            params = {**filters, "PageSize": page_size, "Page": page_number}
            if page_token:
                params["PageToken"] = page_token
            return f"{path}?{urlencode(params)}"

        has_more = start + page_size < len(matching)
        return _Reply(
            200,
            {
                "messages": [message.to_json(now) for message in records],
                "uri": page_uri(page, token or None),
                "first_page_uri": page_uri(0),
                "next_page_uri": page_uri(page + 1, "PA" + records[-1].sid) if has_more and records else None,
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "page": page,
                "page_size": page_size,
                "start": start,
                "end": start + max(len(records) - 1, 0),
            },
        )


@dataclass(frozen=True)
class _DateSentFilters:
    """Twilio's ``DateSent``, ``DateSent>`` (on or after) and ``DateSent<`` (on or before) list filters.

    Values are ``YYYY-MM-DD`` (whole days, as documented) or a full ISO 8601 time (what twilio-python sends).
    """

    on: date | datetime | None = None
    on_or_after: date | datetime | None = None
    on_or_before: date | datetime | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> _DateSentFilters:
        return cls(
            on=_parse_date_or_time(query.get("DateSent")),
            on_or_after=_parse_date_or_time(query.get("DateSent>")),
            on_or_before=_parse_date_or_time(query.get("DateSent<")),
        )

    def match(self, date_sent: datetime | None) -> bool:
        if self.on is None and self.on_or_after is None and self.on_or_before is None:
            return True
        if date_sent is None:  # not sent yet: invisible to any DateSent filter
            return False
        if self.on is not None and date_sent.date() != _day(self.on):
            return False
        if self.on_or_after is not None and not _compare(date_sent, self.on_or_after) >= 0:
            return False
        if self.on_or_before is not None and not _compare(date_sent, self.on_or_before) <= 0:
            return False
        return True


def _parse_date_or_time(value: str | None) -> date | datetime | None:
    if value is None:
        return None
    if len(value) == len("YYYY-MM-DD"):
        return date.fromisoformat(value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _compare(date_sent: datetime, bound: date | datetime) -> int:
    """-1, 0 or 1; a day bound compares whole days, a time bound compares to the second."""
    if isinstance(bound, datetime):
        left, right = date_sent.replace(microsecond=0), bound
    else:
        left, right = date_sent.date(), bound
    return (left > right) - (left < right)


def _validate_create(form: dict[str, str]) -> _Reply | None:
    to = form.get("To")
    if not to:
        return _error(400, 21604, "A 'To' phone number is required.")
    if not _E164.match(to):
        return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return _error(400, 21603, "A 'From' phone number is required.")
    body = form.get("Body")
    if not body:
        return _error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY_LENGTH:
        return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    return None


def _error(status: int, code: int, message: str) -> _Reply:
    return _Reply(
        status,
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))  # "Thu, 24 Aug 2023 05:01:45 +0000"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for idle keep-alive connections on stop
    fake: FakeTwilio


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as with the real API
    timeout = 5  # close idle keep-alive connections so stray threads end soon after a test
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait on delayed ACKs
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_form = self.rfile.read(length).decode() if length else ""
        fake = self.server.fake
        reply = fake._handle(
            self.command,
            url.path,
            query=_single_values(url.query),
            form=_single_values(raw_form),
            auth=self.headers.get("Authorization"),
        )
        if reply.delay_seconds:
            fake._stopping.wait(reply.delay_seconds)
        if reply.payload is None:
            self.close_connection = True
            return
        content = json.dumps(reply.payload).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a timeout fault): nothing to tell it

    def log_message(self, format: str, *args) -> None:
        pass  # keep test output clean


def _single_values(encoded: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(encoded, keep_blank_values=True).items()}
