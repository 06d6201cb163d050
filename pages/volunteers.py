import streamlit as st

from listening import volunteers
from listening.core.db import session_scope
from listening.core.i18n import _, format_date, join_list, ngettext
from listening.models import Role
from ui import shell
from ui.format import label

account = shell.require(Role.coordinator)
st.title(_("Volunteers"))
search = st.text_input(_("Search by name"), key="volunteer_search")

with session_scope() as session:
    rows = volunteers.list_volunteers(session, actor=account, search=search or None)

st.caption(ngettext("{n} volunteer", "{n} volunteers", len(rows)))
st.dataframe(
    [
        {
            _("Name"): v.full_name,
            _("Gender"): label(v.gender),
            _("Community"): v.community,
            _("Languages"): join_list(label(lang) for lang in v.languages),
            _("Status"): label(v.status),
            _("Phone"): v.phone_masked,
            _("Joined"): format_date(v.joined_on),
        }
        for v in rows
    ],
    hide_index=True,
    width="stretch",
)
