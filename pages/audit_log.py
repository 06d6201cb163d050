"""Coordinator: the audit trail, searchable; people and records by name, actions and details in words
(listening/privacy/audit_view.py, audit_details.py). Every value is shown in a dataframe, so nothing typed is
rendered as markdown."""

import streamlit as st

from listening.core.audit import AuditAction
from listening.core.db import session_scope
from listening.core.i18n import _, ngettext
from listening.models import Role
from listening.privacy import audit_view
from listening.privacy.audit_view import ENTITY_LABELS
from ui import shell
from ui.format import local_time

account = shell.require(Role.coordinator)
st.title(_("Audit log"))
st.caption(_("Who did what, and who read residents' details. The newest first. The trail cannot be changed "
             "or deleted, not even by the app."))

with session_scope() as session:
    people = audit_view.people(session, actor=account)

columns = st.columns(4)
person = columns[0].selectbox(_("Person"), [None, *people], key="audit_person",
                              format_func=lambda i: _("anyone") if i is None else people[i], placeholder=_("Choose"))
chosen_actions = columns[1].multiselect(_("Action"), list(AuditAction), key="audit_action", placeholder=_("any"),
                                        format_func=lambda a: audit_view.action_label(a.value), select_all=False)
entity = columns[2].selectbox(_("Record"), [None, *ENTITY_LABELS], key="audit_entity",
                              format_func=lambda e: _("any") if e is None else _(ENTITY_LABELS[e]),
                              placeholder=_("Choose"))
entity_id = columns[3].text_input(_("Record number"), key="audit_entity_id", max_chars=64)
days = st.date_input(_("Dates"), value=(), key="audit_dates")
start, end = (days[0], days[-1]) if isinstance(days, tuple) and days else (None, None)

with session_scope() as session:
    rows = audit_view.search(session, actor=account, person_id=person, actions=chosen_actions or None,
                             entity=entity, entity_id=entity_id or None, start=start, end=end)

st.caption(ngettext("{n} event shown (at most 300).", "{n} events shown (at most 300).", len(rows)))
st.dataframe(
    [{_("When"): local_time(r.at), _("Who"): r.who, _("Action"): r.action, _("Record"): r.record,
      _("Details"): r.details} for r in rows],
    hide_index=True,
    width="stretch",
)
