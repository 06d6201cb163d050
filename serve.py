"""One process serves the Streamlit UI (app.py) and the HTTP routes (sign-in cookie, SMS webhooks).

Run with `streamlit run serve.py`.
"""

import streamlit as st

from listening.web import routes

app = st.App("app.py", routes=routes())
