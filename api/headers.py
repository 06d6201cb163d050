"""Headers on every HTTP response of the process: Streamlit's pages, its static files and our /api routes.

Pure ASGI middleware (no streamlit import), given to `st.App(middleware=...)` in serve.py, where it wraps
Streamlit's own middleware and routes. It also gives a browser without one the random BROWSER_COOKIE that binds a
sign-in ticket to the browser that asked for it (listening.staff.auth.redeem_ticket).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from listening.core.config import get_settings
from listening.staff.auth import BROWSER_COOKIE

# What Streamlit needs and nothing more: its scripts and styles from this origin (its index.html has one inline
# script and its components style inline), the websocket to this origin, images only from here (so a markdown image
# typed into a form can never make a staff browser fetch an outside address), no framing by anyone.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a sign-in ticket in a URL never leaves in a Referer
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
BROWSER_COOKIE_DAYS = 400


def _secure() -> bool:
    return urlparse(get_settings().public_base_url).scheme == "https"


def browser_cookie_header() -> str:
    value = f"{BROWSER_COOKIE}={secrets.token_urlsafe(24)}; Max-Age={BROWSER_COOKIE_DAYS * 86400}; Path=/; HttpOnly; SameSite=Lax"
    return value + ("; Secure" if _secure() else "")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie"), "")
        needs_browser_cookie = not cookie_parser(cookie_header).get(BROWSER_COOKIE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if needs_browser_cookie:
                    headers.append("set-cookie", browser_cookie_header())
            await send(message)

        await self.app(scope, receive, send_with_headers)
