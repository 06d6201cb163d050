"""HTTP routes served next to the Streamlit UI by `st.App` (see serve.py). Starlette only; no streamlit."""

from __future__ import annotations

from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from listening import auth
from listening.config import get_settings
from listening.db import session_scope


def _secure_cookie() -> bool:
    return urlparse(get_settings().public_base_url).scheme == "https"


async def redeem_session_ticket(request: Request) -> Response:
    """The sign-in page sends the browser here once; it leaves with an HttpOnly session cookie."""
    ticket = request.query_params.get("ticket", "")
    with session_scope() as session:
        cookie_value = auth.redeem_ticket(session, ticket=ticket) if ticket else None
    response = RedirectResponse("/", status_code=303)
    if cookie_value:
        response.set_cookie(
            auth.SESSION_COOKIE,
            cookie_value,
            max_age=get_settings().session_max_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=_secure_cookie(),
            path="/",
        )
    return response


async def sign_out(request: Request) -> Response:
    token = auth.token_from_cookie(request.cookies.get(auth.SESSION_COOKIE))
    if token:
        with session_scope() as session:
            auth.sign_out(session, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def routes() -> list[Route]:
    return [
        Route("/api/auth/session", redeem_session_ticket, methods=["GET"]),
        Route("/api/auth/logout", sign_out, methods=["GET", "POST"]),
        Route("/api/health", health, methods=["GET"]),
    ]
