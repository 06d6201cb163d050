import streamlit as st

from listening import volunteers
from listening.core.db import read_scope
from listening.core.i18n import _, format_date
from listening.models import Role
from ui import pager, shell
from ui.cache import ENTRIES, data_version
from ui.format import label

account = shell.require(Role.coordinator)
st.title(_("Volunteers"))
search = st.text_input(_("Search by name"), key="volunteer_search")


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def listed(version: str, actor_id: int, search: str | None, _account):
    """The volunteer list, cached until the next write (ui/cache.py)."""
    with read_scope() as session:
        return volunteers.list_volunteers(session, actor=_account, search=search)


rows = listed(data_version(), account.id, search or None, account)
st.caption(_("{n} volunteers", n=len(rows)))
shown = pager.show(rows, key="volunteers_page")
st.dataframe(
    [
        {
            _("Name"): v.full_name,
            _("Gender"): label(v.gender),
            _("Community"): v.community_code,
            _("Languages"): "、".join(label(lang) for lang in v.languages),
            _("Status"): label(v.status),
            _("Phone"): v.phone_masked,
            _("Joined"): format_date(v.joined_on),
        }
        for v in shown.items
    ],
    hide_index=True,
    width="stretch",
)
