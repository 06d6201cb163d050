"""The Twilio webhooks on st.App's routes: signatures, malformed and repeated callbacks, and what replies do."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from api.headers import SecurityHeaders
from api.routes import guarded, routes
from listening.core.config import get_settings
from listening.models import (
    InboundMessage,
    ListeningRequest,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RequestStatus,
    SmsOptOut,
)
from listening.sms import inbound as inbound_sms
from listening.staff import auth
from tests import factories
from tests.e2e.conftest import served_app  # noqa: F401  (the real app in a subprocess)
from tests.factories.sms_helpers import ABROAD_PHONE, scheduled_visit
from tests.incident_helpers import (
    INCIDENT,
    NOTE,
    RESIDENT_PHONE,
    all_logs,
    assert_nothing_leaked,
    incident_records,
    raise_leaky_error,
)

TOKEN = "0123456789abcdef" * 2
PUBLIC = "https://listening.example.org"


@pytest.fixture
def client(engine, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    get_settings.cache_clear()
    with TestClient(Starlette(routes=routes())) as test_client:
        yield test_client
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    monkeypatch.delenv("PUBLIC_BASE_URL")
    get_settings.cache_clear()


def post(client, path, form, *, token=TOKEN, signed_url=None):
    signature = RequestValidator(token).compute_signature(signed_url or PUBLIC + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def inbound(sid, body, phone=ABROAD_PHONE):
    return {"MessageSid": sid, "From": phone, "To": "+15005550006", "Body": body, "AccountSid": "AC1"}


def rows(session, table):
    session.commit()
    session.expire_all()
    return list(session.exec(select(table)))


def test_forged_or_unsigned_requests_are_refused_and_change_nothing(client, session):
    form = inbound("SM" + "a" * 32, "STOP")
    assert client.post("/api/sms/inbound", data=form).status_code == 403
    assert post(client, "/api/sms/inbound", form, token="f" * 32).status_code == 403
    assert post(client, "/api/sms/inbound", form, signed_url="https://evil.example/api/sms/inbound").status_code == 403
    tampered = dict(form, Body="START")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/api/sms/inbound", form)
    assert client.post("/api/sms/inbound", data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert post(client, "/api/sms/status", {"MessageSid": "SM" + "b" * 32, "MessageStatus": "delivered"},
                token="f" * 32).status_code == 403
    assert rows(session, InboundMessage) == [] and rows(session, SmsOptOut) == []


def test_malformed_requests_get_400(client, session):
    assert post(client, "/api/sms/inbound", {"From": ABROAD_PHONE, "Body": "1"}).status_code == 400
    assert post(client, "/api/sms/inbound", inbound("not-a-sid", "1")).status_code == 400
    assert post(client, "/api/sms/status", {"MessageSid": "SM" + "c" * 32}).status_code == 400
    assert rows(session, InboundMessage) == []


def test_stop_opts_out_once_and_start_opts_back_in(client, session):
    queued = scheduled_visit(session, phone=ABROAD_PHONE, volunteers=0)
    from listening.sms import reminders

    reminders.on_visit_scheduled(session, visit=queued)
    session.commit()
    form = inbound("SM" + "1" * 32, "ｓｔｏｐ")  # full width, lower case: folded
    assert post(client, "/api/sms/inbound", form).status_code == 200
    assert post(client, "/api/sms/inbound", form).status_code == 200  # repeated: nothing twice
    assert [o.phone for o in rows(session, SmsOptOut)] == [ABROAD_PHONE]
    assert len(rows(session, InboundMessage)) == 1
    assert {m.status for m in rows(session, OutboundMessage)} == {MessageStatus.not_sent}
    assert post(client, "/api/sms/inbound", inbound("SM" + "2" * 32, "START")).status_code == 200
    assert rows(session, SmsOptOut) == []


@pytest.mark.parametrize("body", ["STOP\x00", "\u200bSTOP\u200b", "S\u200bT\u200bO\u200bP\r\n"])
def test_a_stop_with_control_or_invisible_characters_still_opts_out_on_both_databases(client, session, body):
    response = post(client, "/api/sms/inbound", inbound("SM" + "3" * 32, body))
    assert response.status_code == 200
    assert [o.phone for o in rows(session, SmsOptOut)] == [ABROAD_PHONE]
    assert [m.body for m in rows(session, InboundMessage)] == ["STOP"]  # stored without them


def test_a_confirm_reply_confirms_the_visit_and_thanks_the_resident(client, session):
    visit = scheduled_visit(session, phone=ABROAD_PHONE, locale="en", volunteers=1)
    session.commit()
    assert post(client, "/api/sms/inbound", inbound("SM" + "3" * 32, " Yes! ")).status_code == 200
    assert post(client, "/api/sms/inbound", inbound("SM" + "3" * 32, " Yes! ")).status_code == 200
    request = session.get(ListeningRequest, visit.request_id, populate_existing=True)
    assert request.status == RequestStatus.confirmed
    acks = [m for m in rows(session, OutboundMessage) if m.kind == MessageKind.reply_ack]
    assert len(acks) == 1 and "is confirmed" in acks[0].body and acks[0].to_phone == ABROAD_PHONE


def test_a_cancel_reply_requeues_and_tells_the_coordinator(client, session):
    coordinator = factories.coordinator(session)
    coordinator.phone = "+8613700000001"
    session.add(coordinator)
    visit = scheduled_visit(session, phone=ABROAD_PHONE, volunteers=1)
    session.commit()
    assert post(client, "/api/sms/inbound", inbound("SM" + "4" * 32, "取消")).status_code == 200
    request = session.get(ListeningRequest, visit.request_id, populate_existing=True)
    assert request.status == RequestStatus.new
    sent = rows(session, OutboundMessage)
    notices = [m for m in sent if m.kind == MessageKind.coordinator_notice]
    assert [n.to_phone for n in notices] == [coordinator.phone] and f"#{request.id}" in notices[0].body
    assert any(m.kind == MessageKind.cancellation and m.to_phone == ABROAD_PHONE for m in sent)


def test_anything_else_gets_a_short_help_reply(client, session):
    assert post(client, "/api/sms/inbound", inbound("SM" + "5" * 32, "what is this?")).status_code == 200
    (help_reply,) = rows(session, OutboundMessage)
    assert help_reply.kind == MessageKind.reply_help and help_reply.urgent


def test_status_callbacks_move_forward_only_and_once(client, session):
    from listening.models import RecipientKind
    from listening.sms import outbox

    message = outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                             to_phone=ABROAD_PHONE, body="x", dedupe_key="x")
    sid = "SM" + "6" * 32
    message.status, message.provider_sid = MessageStatus.sent, sid
    session.commit()
    assert post(client, "/api/sms/status", {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    assert post(client, "/api/sms/status", {"MessageSid": sid, "MessageStatus": "sent"}).status_code == 204
    assert post(client, "/api/sms/status", {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    (row,) = rows(session, OutboundMessage)
    assert row.status == MessageStatus.delivered
    other = "SM" + "7" * 32
    row.status, row.provider_sid = MessageStatus.sent, other
    session.commit()
    form = {"MessageSid": other, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    assert post(client, "/api/sms/status", form).status_code == 204
    (row,) = rows(session, OutboundMessage)
    assert (row.status, row.error_code) == (MessageStatus.undelivered, "30005")



# -- the error boundary around the routes ----------------------------------------------------------------------


def test_an_unexpected_error_in_a_webhook_answers_500_with_an_incident_id_and_logs_no_data(client, monkeypatch,
                                                                                            caplog):
    monkeypatch.setattr(inbound_sms, "handle_inbound", raise_leaky_error)
    with all_logs(caplog):
        response = post(client, "/api/sms/inbound", inbound("SM" + "9" * 32, NOTE, phone=RESIDENT_PHONE))
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/plain")
    (incident,) = INCIDENT.findall(response.text)
    assert response.text == f"internal error, incident {incident}"
    (record,) = incident_records(caplog)
    assert record.levelname == "ERROR" and record.incident == incident and record.where == "POST /api/sms/inbound"
    assert record.error_type == "sqlalchemy.exc.OperationalError" and record.exc_info is None
    assert_nothing_leaked(caplog.text, response.text)


def test_the_sign_in_route_never_logs_the_ticket_it_was_given(client, monkeypatch, caplog):
    monkeypatch.setattr(auth, "redeem_ticket", raise_leaky_error)
    with all_logs(caplog):
        response = client.get("/api/auth/session?ticket=secret-ticket-value&lang=en", follow_redirects=False)
    assert response.status_code == 500
    (record,) = incident_records(caplog)
    assert record.where == "GET /api/auth/session"
    assert "secret-ticket-value" not in caplog.text + response.text
    assert_nothing_leaked(caplog.text, response.text)


def test_starlettes_own_http_errors_pass_through_the_boundary(caplog):
    async def missing(_request):
        raise HTTPException(404)

    with TestClient(Starlette(routes=[Route("/x", guarded("/x", missing))])) as test_client:
        assert test_client.get("/x").status_code == 404
    assert incident_records(caplog) == []


# -- sign-in ticket, sign-out, headers ---------------------------------------------------------------------------


@pytest.fixture
def web(engine):
    """The routes behind the headers middleware, as serve.py mounts them (no Twilio settings needed)."""
    get_settings.cache_clear()
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])
    with TestClient(app, base_url="http://localhost:8501") as test_client:
        yield test_client


def signed_in_browser(web, session):
    """A browser that got its browser cookie, signed in and redeemed its ticket: (client, session token)."""
    factories.coordinator(session)
    session.commit()
    assert web.get("/api/health").status_code == 200  # the first response hands out the browser cookie
    browser = web.cookies[auth.BROWSER_COOKIE]
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=browser)
    response = web.get(f"/api/auth/session?ticket={new.ticket}&lang=en", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?lang=en"
    token = auth.token_from_cookie(web.cookies[auth.SESSION_COOKIE])
    assert token and auth.DEVICE_COOKIE in web.cookies
    return web, token


@pytest.mark.parametrize("wanted, location", [("triage", "/triage?lang=en"), ("my-hours", "/my-hours?lang=en"),
                                              ("//evil.example", "/?lang=en"), ("https://evil.example", "/?lang=en"),
                                              ("triage/../x", "/?lang=en"), ("", "/?lang=en")])
def test_after_the_ticket_the_browser_goes_to_the_page_it_wanted_only_one_of_ours(web, session, wanted, location):
    factories.coordinator(session)
    session.commit()
    web.get("/api/health")
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=web.cookies[auth.BROWSER_COOKIE])
    response = web.get("/api/auth/session", params={"ticket": new.ticket, "lang": "en", "next": wanted},
                       follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == location


def signed_in(session, token) -> bool:
    session.rollback()  # a fresh look (SQLite keeps the snapshot of an open read)
    try:
        return auth.resume(session, token=token) is not None
    finally:
        session.rollback()


def test_a_ticket_redeemed_in_another_browser_signs_nobody_in(web, session, engine):
    factories.coordinator(session)
    session.commit()
    web.get("/api/health")
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=web.cookies[auth.BROWSER_COOKIE])
    with TestClient(Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])) as victim:
        victim.get("/api/health")  # a browser cookie of its own
        response = victim.get(f"/api/auth/session?ticket={new.ticket}", follow_redirects=False)
        assert response.status_code == 303 and auth.SESSION_COOKIE not in victim.cookies
    with TestClient(Starlette(routes=routes())) as no_cookie:
        no_cookie.get(f"/api/auth/session?ticket={new.ticket}", follow_redirects=False)
        assert auth.SESSION_COOKIE not in no_cookie.cookies
    # The browser that signed in still can, once.
    assert web.get(f"/api/auth/session?ticket={new.ticket}", follow_redirects=False).status_code == 303
    assert auth.SESSION_COOKIE in web.cookies


def test_the_page_fetches_its_cookie_by_post_without_leaving(web, session):
    factories.coordinator(session)
    session.commit()
    web.get("/api/health")
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=web.cookies[auth.BROWSER_COOKIE])
    assert web.post("/api/auth/session", data={"ticket": "not the ticket"}).status_code == 403
    assert auth.SESSION_COOKIE not in web.cookies
    response = web.post("/api/auth/session", data={"ticket": new.ticket}, follow_redirects=False)
    assert response.status_code == 204 and "location" not in response.headers
    assert auth.token_from_cookie(web.cookies[auth.SESSION_COOKIE]) == new.token  # the page's own session
    assert "httponly" in response.headers["set-cookie"].lower()
    # Used once.
    web.cookies.clear()
    web.get("/api/health")
    assert web.post("/api/auth/session", data={"ticket": new.ticket}).status_code == 403


def test_sign_out_is_a_post_with_the_sessions_token(web, session):
    web, token = signed_in_browser(web, session)
    # A link (GET) from anywhere signs nobody out.
    assert web.get("/api/auth/logout", follow_redirects=False).status_code == 405
    assert signed_in(session, token)
    # Another site's form has no token, or a wrong one.
    assert web.post("/api/auth/logout", data={}, follow_redirects=False).status_code == 403
    assert web.post("/api/auth/logout", data={"csrf": auth.sign_out_token("someone else")},
                    follow_redirects=False).status_code == 403
    assert signed_in(session, token)
    response = web.post("/api/auth/logout?lang=en", data={"csrf": auth.sign_out_token(token)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?lang=en"
    assert not signed_in(session, token)
    assert auth.SESSION_COOKIE not in web.cookies and auth.DEVICE_COOKIE in web.cookies  # still a known browser


def test_every_route_answers_with_the_security_headers(web):
    for response in (web.get("/api/health"), web.get("/api/auth/logout"), web.get("/api/nothing-here")):
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    # The browser cookie is handed out once, HttpOnly.
    first = web.get("/api/health")
    assert "set-cookie" not in first.headers


def test_a_new_browser_gets_an_httponly_browser_cookie():
    with TestClient(Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])) as fresh:
        cookie = fresh.get("/api/health").headers["set-cookie"]
    assert cookie.startswith(auth.BROWSER_COOKIE + "=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_streamlit_pages_and_static_files_carry_the_headers_too(served_app):
    """The real `streamlit run serve.py`: a page, one of Streamlit's static files and an API route."""
    import re
    import urllib.request

    with urllib.request.urlopen(f"{served_app}/") as page:
        html = page.read().decode()
        headers = [page.headers]
    script = re.search(r'src="\./(static/js/[^"]+\.js)"', html).group(1)
    for path in (script, "favicon.png", "triage", "api/health"):
        with urllib.request.urlopen(f"{served_app}/{path}") as response:
            headers.append(response.headers)
    for header in headers:
        assert header["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in header["Content-Security-Policy"]
        assert header["X-Content-Type-Options"] == "nosniff" and header["Referrer-Policy"] == "no-referrer"
