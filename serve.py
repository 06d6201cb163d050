"""One process serves the Streamlit UI (app.py) and the HTTP routes (sign-in cookie, SMS webhooks).

Run with `streamlit run serve.py`.
"""

import streamlit as st

from api.routes import routes
from ui.shell import only_app_navigation

only_app_navigation()  # every page runs inside app.py (sign-in shell, error boundary), even on the first run
app = st.App("app.py", routes=routes())
