"""The app's few HTTP routes beside Streamlit (the session cookie, the Twilio webhooks, health): an adapter over
`listening`, like `ui/` and `pages/`, never part of the domain."""
