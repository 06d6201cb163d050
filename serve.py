"""One process serves the Streamlit UI (app.py) and the HTTP routes (sign-in cookie, SMS webhooks).

Run with `streamlit run serve.py`. Settings that cannot be used (an unknown ENVIRONMENT, a weak SECRET_KEY outside
development and test) stop it before it serves anything: one line on stderr, exit code 2.
"""

import sys

from listening.core.config import settings_problem

problem = settings_problem()
if problem:
    print(f"Listening Hour will not start: {problem}", file=sys.stderr)
    raise SystemExit(2)

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from api.headers import SecurityHeaders  # noqa: E402
from api.routes import routes  # noqa: E402
from ui.shell import only_app_navigation  # noqa: E402
from ui.warm import freeze_what_is_loaded, preload  # noqa: E402

only_app_navigation()  # every page runs inside app.py (sign-in shell, error boundary), even on the first run
preload()  # no visitor waits for a page's imports after a restart
freeze_what_is_loaded()  # nor for the collector to scan them after every run
app = st.App("app.py", routes=routes(), middleware=[Middleware(SecurityHeaders)])
