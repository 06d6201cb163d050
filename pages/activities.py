"""Coordinator: the catalogue of community activities (add, change, retire) and the follow-ups that are due."""

import streamlit as st

from listening.connection import activities, suggestions
from listening.connection.activities import LIMITS, ActivityInput
from listening.core.db import read_scope
from listening.core.i18n import _, get_locale, join_list
from listening.models import ActivityKind, Language, Role
from listening.residents.communities import all_communities, name_of
from ui import actions, shell
from ui.connections import follow_up_list
from ui.format import label
from ui.inert import md

account = shell.require(Role.coordinator)
st.title(_("Activities"))
st.caption(_("Real groups and activities in our communities. A volunteer suggests one in the session log when "
             "the resident is interested; the resident gets its details by SMS."))
actions.show_flash()

with read_scope() as session:
    show_retired = st.session_state.get("activities_retired", False)
    rows = activities.catalogue(session, actor=account, include_retired=show_retired)
    contacts = activities.coordinators(session, actor=account)
    communities = all_communities(session)
    due = suggestions.follow_ups_due(session, actor=account)

catalogue_tab, due_tab = st.tabs([_("Catalogue"), _("Follow-ups due ({n})", n=len(due))])
with catalogue_tab:
    st.checkbox(_("Show retired activities"), key="activities_retired")
    if not rows:
        st.caption(_("No activities yet: add the first one below."))
    else:
        st.dataframe([{
            _("Name"): r.name(get_locale()), _("Kind"): label(r.kind), _("Community"): name_of(r.community_code),
            _("Place"): r.place, _("Time"): r.schedule,
            _("Cost"): _("free") if r.free else (r.cost or _("there is a fee")),
            _("Languages"): join_list(label(language) for language in r.languages),
            _("Contact"): r.contact_name, _("Accessibility"): r.accessibility,
            _("Retired"): "✓" if r.retired else ""} for r in rows], hide_index=True, width="stretch")

    by_id = {r.id: r for r in rows}
    choice = st.selectbox(_("Add or change"), [None, *by_id], key="activities_choice", placeholder=_("Choose"),
                          format_func=lambda i: _("a new activity") if i is None else by_id[i].name(get_locale()))
    current = by_id.get(choice)
    community_ids = {c.id: c.code for c in communities}
    contact_ids = {c.id: c.display_name for c in contacts}
    suffix = choice or "new"
    with st.form(f"activity_{suffix}"):
        columns = st.columns(2)
        name_zh = columns[0].text_input(_("Name (Chinese)"), value=current.name_zh if current else "",
                                        max_chars=LIMITS["name_zh"], key=f"activity_name_zh_{suffix}")
        name_en = columns[1].text_input(_("Name (English, optional)"), value=(current.name_en or "") if current else "",
                                        max_chars=LIMITS["name_en"], key=f"activity_name_en_{suffix}")
        columns = st.columns(2)
        kind = columns[0].selectbox(_("Kind"), list(ActivityKind), format_func=label, key=f"activity_kind_{suffix}",
                                    placeholder=_("Choose"), index=list(ActivityKind).index(current.kind) if current else 0)
        codes = list(community_ids)
        community = columns[1].selectbox(
            _("Community"), codes, format_func=lambda i: name_of(community_ids[i]), key=f"activity_community_{suffix}",
            placeholder=_("Choose"), index=next((n for n, i in enumerate(codes) if community_ids[i] == current.community_code), 0)
            if current else 0)
        columns = st.columns(2)
        place = columns[0].text_input(_("Place"), value=current.place if current else "", max_chars=LIMITS["place"],
                                      key=f"activity_place_{suffix}", placeholder=_("e.g. community centre, 2nd floor"))
        schedule = columns[1].text_input(_("Time"), value=current.schedule if current else "",
                                         max_chars=LIMITS["schedule"], key=f"activity_schedule_{suffix}",
                                         placeholder=_("e.g. every Wednesday 19:00"))
        columns = st.columns(2)
        free = columns[0].checkbox(_("Free"), value=current.free if current else True, key=f"activity_free_{suffix}")
        cost = columns[1].text_input(_("Cost, if not free (optional)"), value=(current.cost or "") if current else "",
                                     max_chars=LIMITS["cost"], key=f"activity_cost_{suffix}")
        people = list(contact_ids)
        contact = st.selectbox(_("Contact at the centre"), people, format_func=contact_ids.get,
                               key=f"activity_contact_{suffix}", placeholder=_("Choose"),
                               index=people.index(current.contact_id) if current and current.contact_id in people
                               else (people.index(account.id) if account.id in people else 0))
        languages = st.multiselect(_("Languages spoken there"), list(Language), format_func=label,
                                   default=list(current.languages) if current else [Language.mandarin],
                                   key=f"activity_languages_{suffix}", placeholder=_("Choose"),
                                   select_all=False)
        accessibility = st.text_area(_("Accessibility (steps, lift, seating, hearing)"),
                                     value=current.accessibility if current else "",
                                     max_chars=LIMITS["accessibility"], key=f"activity_access_{suffix}")
        saved = st.form_submit_button(_("Save the activity"), type="primary")
    if saved:
        entry = ActivityInput(name_zh=name_zh, name_en=name_en, kind=kind, community_id=community, place=place,
                              schedule=schedule, free=free, cost=cost, contact_id=contact, languages=languages,
                              accessibility=accessibility)
        if current is None:
            actions.run(activities.add_activity, actor=account, entry=entry, success=_("Activity added."))
        else:
            actions.run(activities.update_activity, actor=account, activity_id=current.id, entry=entry,
                        success=_("Activity saved."))
    if current is not None and not current.retired:
        if st.button(_("Retire this activity"), key="activity_retire"):
            actions.run(activities.retire_activity, actor=account, activity_id=current.id,
                        success=_("{name} is retired: volunteers can no longer suggest it.", name=md(current.name_zh)))
    elif current is not None and st.button(_("Put it back in the catalogue"), key="activity_restore"):
        actions.run(activities.restore_activity, actor=account, activity_id=current.id,
                    success=_("{name} is back in the catalogue.", name=md(current.name_zh)))

with due_tab:
    follow_up_list(account, due, key="activities_due")
