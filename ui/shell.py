"""The frame around every page: language, the signed-in account, role navigation, redirects."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from listening.core import clients
from listening.core.config import get_settings
from listening.core.db import read_scope, session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import DEFAULT_LOCALE, LANGUAGE_NAMES, LOCALES, N_, _, get_locale, ngettext, set_locale
from listening.core.permissions import require_role
from listening.models import Account, Role
from listening.safeguarding import unacknowledged_count
from listening.staff import auth
from ui import errors
from ui.inert import NAME, md

TOKEN_KEY = "auth_token"
COOKIE_TICKET_KEY = "cookie_ticket"  # the sign-in's one-time ticket, until the browser has fetched its cookie
HERE = "shell_url_path"  # the URL path of the page this run shows


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str  # English msgid
    icon: str
    url_path: str
    section: str | None = None  # English msgid of the sidebar section


PUBLIC_PAGES = (
    PageSpec("pages/request.py", N_("Ask for a listening hour"), ":material/chat:", "request", N_("Public")),
    PageSpec("pages/complain.py", N_("Make a complaint"), ":material/report:", "complain", N_("Public")),
    PageSpec("pages/about.py", N_("About the programme"), ":material/info:", "about", N_("Public")),
)
PAGES_BY_ROLE: dict[Role | None, tuple[PageSpec, ...]] = {
    None: (
        PageSpec("pages/welcome.py", N_("Welcome"), ":material/waving_hand:", "welcome"),  # a resident's way in
        PageSpec("pages/sign_in.py", N_("Sign in"), ":material/login:", "sign-in"),
        PageSpec("pages/set_password.py", N_("Set your password"), ":material/key:", "set-password"),
        *PUBLIC_PAGES,
        PageSpec("pages/apply.py", N_("Become a volunteer"), ":material/volunteer_activism:", "volunteer-apply",
                 N_("Public")),
    ),
    Role.coordinator: (
        PageSpec("pages/coordinator_home.py", N_("Home"), ":material/home:", "home", N_("Overview")),
        PageSpec("pages/triage.py", N_("Requests"), ":material/inbox:", "triage", N_("Requests")),
        PageSpec("pages/matching.py", N_("Matching"), ":material/join_inner:", "matching", N_("Requests")),
        PageSpec("pages/week_calendar.py", N_("Week calendar"), ":material/calendar_view_week:", "calendar", N_("Requests")),
        PageSpec("pages/volunteers.py", N_("Volunteers"), ":material/groups:", "volunteers", N_("People")),
        PageSpec("pages/applicants.py", N_("Applicants"), ":material/person_add:", "applicants", N_("People")),
        PageSpec("pages/training.py", N_("Training"), ":material/school:", "training", N_("People")),
        PageSpec("pages/supervision.py", N_("Supervision"), ":material/supervisor_account:", "supervision", N_("People")),
        PageSpec("pages/activities.py", N_("Activities"), ":material/diversity_3:", "activities", N_("People")),
        PageSpec("pages/safeguarding.py", N_("Safeguarding"), ":material/health_and_safety:", "safeguarding", N_("Oversight")),
        PageSpec("pages/feedback.py", N_("Feedback"), ":material/reviews:", "feedback", N_("Oversight")),
        PageSpec("pages/complaints.py", N_("Complaints"), ":material/feedback:", "complaints", N_("Oversight")),
        PageSpec("pages/sms.py", N_("SMS"), ":material/sms:", "sms", N_("Oversight")),
        PageSpec("pages/reports.py", N_("Reports"), ":material/bar_chart:", "reports", N_("Oversight")),
        PageSpec("pages/audit_log.py", N_("Audit log"), ":material/history:", "audit", N_("Oversight")),
        PageSpec("pages/privacy.py", N_("Privacy"), ":material/shield_person:", "privacy", N_("Oversight")),
        PageSpec("pages/my_account.py", N_("My account"), ":material/manage_accounts:", "my-account", N_("Account")),
        *PUBLIC_PAGES,
    ),
    Role.volunteer: (
        PageSpec("pages/volunteer_home.py", N_("My visits"), ":material/event:", "home", N_("My work")),
        PageSpec("pages/week_calendar.py", N_("My week"), ":material/calendar_view_week:", "calendar", N_("My work")),
        PageSpec("pages/log_session.py", N_("Log a session"), ":material/edit_note:", "log-session", N_("My work")),
        PageSpec("pages/my_hours.py", N_("My hours"), ":material/schedule:", "my-hours", N_("My work")),
        PageSpec("pages/my_training.py", N_("My training"), ":material/school:", "my-training", N_("My work")),
        PageSpec("pages/my_availability.py", N_("My availability"), ":material/calendar_month:", "my-availability", N_("My work")),
        PageSpec("pages/my_account.py", N_("My account"), ":material/manage_accounts:", "my-account", N_("Account")),
        *PUBLIC_PAGES,
    ),
}


def page_specs_for(signed_in: Account | None) -> tuple[PageSpec, ...]:
    """What this role may see; the first page is the default."""
    return PAGES_BY_ROLE[signed_in.role if signed_in else None]


def navigation(signed_in: Account | None):
    """st.navigation over the role's pages, grouped in sidebar sections, titles in the current language.

    Every other page's URL is registered too, hidden, so that no known address shows Streamlit's (English) "Page
    not found": signed out, a staff page's URL shows the sign-in page (and, signed in, that page follows);
    signed in, the sign-in or welcome page's URL, or another role's page, goes to the role's first page."""
    specs = page_specs_for(signed_in)
    sections: dict[str, list] = {}
    for index, spec in enumerate(specs):
        page = st.Page(spec.path, title=_(spec.title), icon=spec.icon, url_path=spec.url_path, default=index == 0)
        sections.setdefault(_(spec.section) if spec.section else "", []).append(page)
    pages = [p for group in sections.values() for p in group]
    hidden = [hidden_page(url_path, signed_in) for url_path in other_url_paths(specs)]
    if not signed_in:
        return st.navigation([*pages, *hidden], expanded=True)
    last = list(sections)[-1]  # hidden pages in a section of their own would give the sidebar an empty heading
    return st.navigation({**sections, last: [*sections[last], *hidden]}, expanded=True)  # no "View more" (English)


def other_url_paths(specs: tuple[PageSpec, ...]) -> list[str]:
    """The URL paths of every role's pages that are not among `specs`, in a stable order."""
    own = {spec.url_path for spec in specs}
    every = [spec.url_path for role_specs in PAGES_BY_ROLE.values() for spec in role_specs]
    return [url_path for url_path in dict.fromkeys(every) if url_path not in own]


def hidden_page(url_path: str, signed_in: Account | None):
    """Signed out: the sign-in page at that address. Signed in: a step that goes on to the role's first page."""
    if signed_in is None:
        return st.Page("pages/sign_in.py", title=_("Sign in"), url_path=url_path, visibility="hidden")
    return st.Page(to_first_page, title=_("Listening Hour"), url_path=url_path, visibility="hidden")


def to_first_page() -> None:
    first = page_specs_for(account())[0]
    st.switch_page(first.path, query_params={"lang": get_locale()})


def go_on_signed_in(signed_in: Account) -> None:
    """Right after a sign-in, in the same Streamlit session and without a reload: the staff page whose address the
    visitor opened (the address stays; the signed-in navigation shows that page there), else the role's first page.
    Pages are known by their URL path, so switching to this run's hidden page at the first page's address runs the
    signed-in first page next (one run, not two)."""
    if page_wanted_before_sign_in():
        st.rerun()
    first = page_specs_for(signed_in)[0]
    st.switch_page(hidden_page(first.url_path, None), query_params={"lang": get_locale()})


def page_wanted_before_sign_in() -> str:
    """The URL path of the staff page this signed-out visitor opened (shown the sign-in page there), else ""."""
    here = st.session_state.get(HERE, "")
    public = {spec.url_path for spec in PAGES_BY_ROLE[None]}
    return "" if here in public else here


def only_app_navigation() -> None:
    """Make app.py's st.navigation the only way a page runs, from the first run of the process on.

    Streamlit treats a `pages/` folder beside the main script as the old multipage layout until the first
    st.navigation call: until then a URL such as /triage runs pages/triage.py alone, without app.py around it,
    so without the sign-in shell and without the error boundary. (AppTest starts every run in that state, which
    is why its switch_page ran pages alone.) Streamlit offers no option for this; the flag is its own.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def run_guarded(page, signed_in: Account | None) -> None:
    """Run the page st.navigation chose inside the error boundary, named by its URL path in an incident."""
    where = page.url_path or page_specs_for(signed_in)[0].url_path  # the default page's url_path reads ""
    st.session_state[HERE] = where
    with errors.boundary(where):
        page.run()


# Streamlit writes "Press Enter to apply" / "Press Ctrl+Enter to submit form" under text fields in English only,
# whatever the page's language: its first span hidden; a length count after it stays (without its joining dot).
HIDE_INPUT_INSTRUCTIONS = """<style>
[data-testid="InputInstructions"] > span:first-child { display: none; }
[data-testid="InputInstructions"] > span:nth-child(2)::before { content: none; }
</style>"""


def house_style() -> None:
    """Once per run, before any page: the CSS that keeps Streamlit's own English out of a Chinese page."""
    st.html(HIDE_INPUT_INSTRUCTIONS)


def choose_language() -> str:
    """Chinese first; the choice lives in the URL (?lang=en) so it survives a refresh."""
    wanted = st.query_params.get("lang", st.session_state.get("locale", DEFAULT_LOCALE))
    locale = set_locale(wanted if wanted in LOCALES else DEFAULT_LOCALE)
    chosen = st.sidebar.selectbox(
        "语言 / Language", LOCALES, index=LOCALES.index(locale), format_func=LANGUAGE_NAMES.get, key="language_choice",
        placeholder="语言 / Language",
    )
    if chosen != locale:
        locale = set_locale(chosen)
    st.session_state["locale"] = locale
    if st.query_params.get("lang") != locale:
        st.query_params["lang"] = locale
    return locale


def current_account() -> Account | None:
    """The account of this browser: from this Streamlit session, else from the signed session cookie."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        token = auth.token_from_cookie(st.context.cookies.get(auth.SESSION_COOKIE))
    if not token:
        return None
    with session_scope() as session:
        account = auth.resume(session, token=token)
    if account is None:
        st.session_state.pop(TOKEN_KEY, None)
        return None
    st.session_state[TOKEN_KEY] = token
    return account


def account() -> Account | None:
    return st.session_state.get("account")


def require(*roles: Role) -> Account:
    """Every page starts here: a page opened by the wrong role refuses and stops."""
    # A page can run without app.py around it (AppTest.from_file on a page does): keep the session's language.
    set_locale(st.session_state.get("locale", DEFAULT_LOCALE))
    try:
        signed_in = require_role(account(), *roles)
    except ServiceError as error:
        st.error(error.translated(escape=md))
        st.stop()
        raise  # unreachable: st.stop() ends the run
    if signed_in.role == Role.coordinator:
        safeguarding_banner(signed_in)
    return signed_in


def safeguarding_banner(signed_in: Account) -> None:
    """On every coordinator page, while any escalation is unacknowledged: how many, and the way to them."""
    with read_scope() as session:
        waiting = unacknowledged_count(session, actor=signed_in)
    if not waiting:
        return
    text = ngettext("{n} safeguarding escalation is waiting for a coordinator to acknowledge it.",
                    "{n} safeguarding escalations are waiting for a coordinator to acknowledge them.", waiting)
    # Markdown, not st.error: the page's own errors (a refused step) stay the only alerts of the page.
    with st.container(border=True):
        st.markdown(f":red-background[🆘 **{text}**]")
        link("pages/safeguarding.py", _("Open the safeguarding page"), icon=":material/health_and_safety:")


def link(path: str, text: str, *, icon: str | None = None, **query: object) -> None:
    """A link to one of our pages (with query parameters), as a page link inside app.py's navigation.

    A page run alone (AppTest.from_file on the page) has no navigation to link into: a plain link to the page's
    URL path then, with the language kept."""
    params = {name: str(value) for name, value in query.items()}
    try:
        st.page_link(path, label=text, icon=icon, query_params=params or None)
    except StreamlitPageNotFoundError:
        url_path = next(spec.url_path for specs in PAGES_BY_ROLE.values() for spec in specs if spec.path == path)
        params["lang"] = get_locale()
        st.markdown(f"[{text}](/{url_path}?{'&'.join(f'{k}={v}' for k, v in params.items())})")


def fetch_session_cookie() -> None:
    """Once, on the first run after a sign-in: the browser POSTs the one-time ticket to /api/auth/session in the
    background and keeps the HttpOnly cookie it answers with (the ticket never goes into an address or history)."""
    ticket = st.session_state.pop(COOKIE_TICKET_KEY, None)
    if not ticket:
        return
    body = json.dumps(urlencode({"ticket": ticket}))
    st.html("<script>fetch('/api/auth/session', {method: 'POST', credentials: 'same-origin', headers: "
            "{'Content-Type': 'application/x-www-form-urlencoded'}, body: " + body + "});</script>",
            unsafe_allow_javascript=True)


def post_to(url: str, fields: dict[str, str]) -> None:
    """Send the browser to one of our HTTP routes by POST (a form submitted at once), for what a link must not do."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
                     for name, value in fields.items())
    st.html(f'<form id="lh-post" method="post" action="{html.escape(url)}">{inputs}'
            f'<button type="submit">{html.escape(_("Continue"))}</button></form>'
            '<script>document.getElementById("lh-post").submit();</script>', unsafe_allow_javascript=True)


def client_address() -> str:
    """The address this browser connects from: the peer, or X-Forwarded-For behind a configured trusted proxy.
    Streamlit gives no address (None) for a loopback peer, such as a proxy on the same machine."""
    return clients.client_address(st.context.ip_address or "127.0.0.1", st.context.headers.get("X-Forwarded-For"),
                                  trusted_proxies=get_settings().trusted_proxies)


def sign_out_button(signed_in: Account) -> None:
    st.sidebar.caption(_("Signed in as {name} ({role})", name=md(signed_in.display_name, max_chars=NAME),
                         role=role_label(signed_in.role)))
    if st.sidebar.button(_("Sign out"), key="sign_out"):
        token = st.session_state.pop(TOKEN_KEY, None)
        if token:
            with session_scope() as session:
                auth.sign_out(session, token=token)
        st.session_state.pop("account", None)
        # The session is already revoked here; the route also clears the cookie in the browser, by POST with the
        # session's sign-out token (a GET or another site's form signs nobody out).
        post_to(f"/api/auth/logout?lang={get_locale()}", {"csrf": auth.sign_out_token(token) if token else ""})
        st.stop()


def role_label(role: Role) -> str:
    return {Role.coordinator: _("coordinator"), Role.volunteer: _("volunteer")}[role]


def show_error(error: ServiceError) -> None:
    st.error(error.translated(escape=md))


def demo_mode() -> bool:
    return get_settings().demo_mode
