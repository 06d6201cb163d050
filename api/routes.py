"""HTTP routes served next to the Streamlit UI by `st.App` (see serve.py). Starlette only; no streamlit.

Database work is synchronous, so it never runs on the event loop: handlers without a body are plain `def`
(Starlette runs them in its thread pool); the webhooks read their form on the loop, then hand the work to a thread.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlparse

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from listening.core import incidents
from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.i18n import LOCALES
from listening.core.text import clean_typed
from listening.sms import inbound
from listening.staff import auth

PAGE_PATH = re.compile(r"^[a-z][a-z0-9-]{0,39}$")  # one of our pages' URL paths: never another site's address


def _home(request: Request) -> str:
    """Back to the app, in the language the person was using (only a known locale goes into the URL), on the
    page given as `next` (the staff page opened before signing in) when it is one path segment of ours."""
    lang = request.query_params.get("lang")
    page = request.query_params.get("next", "")
    path = f"/{page}" if PAGE_PATH.match(page) else "/"
    return f"{path}?lang={lang}" if lang in LOCALES else path


def _secure_cookie() -> bool:
    return urlparse(get_settings().public_base_url).scheme == "https"


async def redeem_session_ticket(request: Request) -> Response:
    """Right after signing in, the page POSTs its one-time ticket here in the background (`fetch`) and the browser
    keeps an HttpOnly session cookie and the mark of a known browser: the page goes on without a reload, and a
    refresh stays signed in. A GET with the ticket in the query does the same and then sends the browser back to
    the app (the link shown if the background request cannot be made). The ticket only works in the browser that
    signed in (its BROWSER_COOKIE): a ticket sent to someone else's browser signs nobody in there (login CSRF)."""
    if request.method == "POST":
        try:
            given = (await request.form()).get("ticket", "")
        except Exception:  # an unreadable body
            return PlainTextResponse("malformed request", status_code=400)
        ticket = given if isinstance(given, str) else ""
    else:
        ticket = request.query_params.get("ticket", "")
    redeemed = await run_in_threadpool(_redeem, ticket, request.cookies.get(auth.BROWSER_COOKIE),
                                       request.cookies.get(auth.DEVICE_COOKIE)) if ticket else None
    if request.method == "POST":
        response: Response = Response(status_code=204 if redeemed else 403)
    else:
        response = RedirectResponse(_home(request), status_code=303)
    if redeemed:
        cookie = {"httponly": True, "samesite": "lax", "secure": _secure_cookie(), "path": "/"}
        response.set_cookie(auth.SESSION_COOKIE, redeemed.session_cookie,
                            max_age=get_settings().session_max_hours * 3600, **cookie)
        response.set_cookie(auth.DEVICE_COOKIE, redeemed.device_cookie, max_age=auth.DEVICE_COOKIE_DAYS * 86400,
                            **cookie)
    return response


def _redeem(ticket: str, browser: str | None, device_cookie: str | None) -> auth.Redeemed | None:
    with session_scope() as session:
        return auth.redeem_ticket(session, ticket=ticket, browser=browser, device_cookie=device_cookie)


SIGN_OUT_FIELD = "csrf"


async def sign_out(request: Request) -> Response:
    """POST only, with the sign-out token of the session in the cookie: another site can neither link nor post a
    sign-out. The known-browser mark stays, so the next sign-in from this browser is not slowed by strangers."""
    token = auth.token_from_cookie(request.cookies.get(auth.SESSION_COOKIE))
    try:
        given = (await request.form()).get(SIGN_OUT_FIELD)
    except Exception:  # an unreadable body
        return PlainTextResponse("malformed request", status_code=400)
    if token and not auth.sign_out_token_matches(token, given if isinstance(given, str) else None):
        return PlainTextResponse("sign-out refused: the form did not come from this app", status_code=403)
    if token:
        await run_in_threadpool(_revoke, token)
    response = RedirectResponse(_home(request), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


def _revoke(token: str) -> None:
    with session_scope() as session:
        auth.sign_out(session, token=token)


def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


# -- Twilio webhooks -------------------------------------------------------------------------------------------

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MESSAGE_SID_PREFIXES = ("SM", "MM")


async def _signed_form(request: Request) -> dict[str, str] | Response:
    """The form Twilio posted, or 403 when the signature does not prove it came from Twilio.

    The signature covers the public URL Twilio called (PUBLIC_BASE_URL + path + query), not the URL this
    process sees behind a proxy.
    """
    settings = get_settings()
    if not settings.twilio_auth_token:
        return Response("SMS webhooks are not configured", status_code=403)
    try:
        form = {key: str(value) for key, value in (await request.form()).multi_items()}
    except Exception:  # an unreadable body: nothing Twilio would send
        return Response("malformed request", status_code=400)
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(url, form, signature):
        return Response("invalid signature", status_code=403)
    return form


def _valid_sid(value: str | None) -> bool:
    return bool(value) and value.startswith(MESSAGE_SID_PREFIXES) and len(value) <= 64 and value.isalnum()


async def sms_inbound(request: Request) -> Response:
    form = await _signed_form(request)
    if isinstance(form, Response):
        return form
    # Control and invisible characters go before any check: PostgreSQL refuses NUL in text (a signed "STOP\x00"
    # once answered 500 and the opt-out was lost).
    sid, from_phone, body = form.get("MessageSid"), clean_typed(form.get("From")), form.get("Body")
    body = None if body is None else clean_typed(body, multiline=True)
    if not _valid_sid(sid) or not from_phone.startswith("+") or body is None or len(from_phone) > 20:
        return Response("malformed request", status_code=400)
    await run_in_threadpool(_store_inbound, sid, from_phone, body)
    # Replies go through the outbox (recorded, rate-limited, never to an opted-out number), not through TwiML.
    return Response(EMPTY_TWIML, media_type="text/xml")


async def sms_status(request: Request) -> Response:
    form = await _signed_form(request)
    if isinstance(form, Response):
        return form
    sid, status = form.get("MessageSid"), form.get("MessageStatus")
    if not _valid_sid(sid) or not status:
        return Response("malformed request", status_code=400)
    await run_in_threadpool(_store_status, sid, status, form.get("ErrorCode") or None)
    return Response(status_code=204)


def _store_inbound(sid: str, from_phone: str, body: str) -> None:
    with session_scope() as session:
        inbound.handle_inbound(session, message_sid=sid, from_phone=from_phone, body=body)


def _store_status(sid: str, status: str, error_code: str | None) -> None:
    with session_scope() as session:
        inbound.handle_status(session, message_sid=sid, status=status, error_code=error_code)


# -- the error boundary around every route ---------------------------------------------------------------------

Endpoint = Callable[[Request], Awaitable[Response] | Response]


def guarded(path: str, endpoint: Endpoint) -> Endpoint:
    """An unexpected error answers a plain 500 with an incident id; the log gets the id, no message or data.

    Starlette's HTTPException is its own way of answering and passes through. `path` is the route's template,
    never the request URL, whose query can carry a sign-in ticket.
    """

    def incident_response(request: Request, error: Exception) -> Response:
        incident = incidents.record(error, where=f"{request.method} {path}")
        return PlainTextResponse(f"internal error, incident {incident}", status_code=500)

    if inspect.iscoroutinefunction(endpoint):
        @wraps(endpoint)
        async def async_endpoint_in_boundary(request: Request) -> Response:
            try:
                return await endpoint(request)
            except HTTPException:
                raise
            except Exception as error:  # noqa: BLE001 - the boundary: everything else becomes an incident
                return incident_response(request, error)

        return async_endpoint_in_boundary

    @wraps(endpoint)
    def endpoint_in_boundary(request: Request) -> Response:  # a plain def: Starlette runs it in its thread pool
        try:
            return endpoint(request)
        except HTTPException:
            raise
        except Exception as error:  # noqa: BLE001 - the boundary: everything else becomes an incident
            return incident_response(request, error)

    return endpoint_in_boundary


def routes() -> list[Route]:
    endpoints: list[tuple[str, Endpoint, list[str]]] = [
        ("/api/auth/session", redeem_session_ticket, ["GET", "POST"]),
        ("/api/auth/logout", sign_out, ["POST"]),
        ("/api/health", health, ["GET"]),
        ("/api/sms/inbound", sms_inbound, ["POST"]),
        ("/api/sms/status", sms_status, ["POST"]),
    ]
    return [Route(path, guarded(path, endpoint), methods=methods) for path, endpoint, methods in endpoints]
