import streamlit as st

from listening.core import audit
from listening.core.db import session_scope
from listening.core.i18n import _
from listening.models import Role
from ui import shell
from ui.format import local_time

account = shell.require(Role.coordinator)
st.title(_("Audit log"))
st.caption(_("Who did what, and who read residents' details. The newest first."))

with session_scope() as session:
    events = audit.recent_events(session, actor=account, limit=300)

st.dataframe(
    [
        {
            _("When"): local_time(e.at),
            _("Who"): e.actor_id if e.actor_id is not None else _("system"),
            _("Action"): e.action,
            _("Record"): f"{e.entity} {e.entity_id or ''}".strip(),
            _("Details"): e.details or "",
        }
        for e in events
    ],
    hide_index=True,
    width="stretch",
)
