import streamlit as st

from listening import volunteers
from listening.core.config import get_settings
from listening.core.db import read_scope
from listening.core.i18n import _, format_date, format_datetime, join_list, ngettext
from listening.models import Role
from listening.staff import invites
from ui import actions, pager, shell
from ui.cache import ENTRIES, data_version
from ui.format import label

account = shell.require(Role.coordinator)
st.title(_("Volunteers"))
search = st.text_input(_("Search by name"), key="volunteer_search")


PAGE_KEY = "volunteers_page"


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def listed(version: str, actor_id: int, search: str | None, number: int, _account):
    """One page of the volunteer list and the chooser's names, cached until the next write (ui/cache.py)."""
    with read_scope() as session:
        return (volunteers.volunteer_page(session, actor=_account, search=search, page=number),
                volunteers.volunteer_names(session, actor=_account, search=search))


shown, names = listed(data_version(), account.id, search or None, int(st.session_state.get(PAGE_KEY, 1)), account)
chosen_now = st.session_state.get("account_volunteer")
with read_scope() as session:  # not cached: a code lapses with time, not with a write; only the rows shown
    accounts = invites.account_states(session, actor=account, volunteer_ids=[
        *(v.id for v in shown.items), *([chosen_now] if chosen_now in names else [])])


def account_text(volunteer_id: int) -> str:
    state = accounts[volunteer_id]
    text = _(invites.STATE_LABELS[state.state])
    return f"{text} · {state.username}" if state.username else text

st.caption(ngettext("{n} volunteer", "{n} volunteers", shown.total))
pager.choose(shown.total, key=PAGE_KEY)
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
            _("Account"): account_text(v.id),
        }
        for v in shown.items
    ],
    hide_index=True,
    width="stretch",
)

# ----- accounts: invite, or a new one-time code -----------------------------------------------------------------
st.subheader(_("Accounts"))
st.caption(_("A volunteer without an account gets every visit's details by SMS. With an account they see their "
             "visits, log sessions and set their availability. A one-time code lets them set their password."))
actions.show_flash()


def issued_message(issued: invites.IssuedCode):
    until = format_datetime(issued.expires_at, get_settings().tz, "short")
    if not issued.show_code:
        return _("An SMS with a one-time code is on its way to {username} (valid until {until}).",
                 username=issued.username, until=until)
    note = [_("The number has opted out of SMS, so no SMS was sent.")] if issued.sms_blocked else []
    return ("info", " ".join([*note, _("One-time code for {username}: **{code}** (valid until {until}). It is shown only "
                             "now: print it or hand it over in person.", username=issued.username,
                             code=issued.code, until=until)]))


if names:
    chosen = st.selectbox(_("Volunteer"), list(names), key="account_volunteer", format_func=names.get,
                          placeholder=_("Choose"))
    if chosen not in accounts:  # chosen in this very run (the rows above were read before the choice)
        with read_scope() as session:
            accounts.update(invites.account_states(session, actor=account, volunteer_ids=[chosen]))
    st.caption(account_text(chosen))  # beside, not in the option: an option's text stays as first drawn
    by_sms = st.radio(_("How the code reaches them"), [True, False], horizontal=True, key="code_by_sms",
                      format_func=lambda sms: _("By SMS") if sms else _("Shown here, to print or hand over"))
    state = accounts[chosen]
    if state.state == invites.AccountState.none:
        username = st.text_input(_("Username for the new account"), value=f"volunteer{chosen}",
                                 key=f"invite_username_{chosen}")  # one box per volunteer: each its own default
        if st.button(_("Invite to an account"), key="invite_button", type="primary"):
            actions.run(invites.invite_volunteer, actor=account, volunteer_id=chosen, username=username,
                        by_sms=by_sms, success=issued_message)
    else:
        if state.code_expires_at:
            st.caption(_("A code is waiting to be used until {until}; a new code replaces it.",
                         until=format_datetime(state.code_expires_at, get_settings().tz, "short")))
        if state.state in (invites.AccountState.active, invites.AccountState.reset_pending):
            st.caption(_("Their password keeps working until they set a new one with the code; then every browser "
                         "they use is signed out."))
        if st.button(_("Send a new code"), key="code_button"):
            actions.run(invites.issue_code, actor=account, volunteer_id=chosen, by_sms=by_sms,
                        success=issued_message)
