"""Coordinator: a resident's privacy rights. Who viewed their details, a copy of everything held (PIPL right of
access), and erasure on request. The services are in listening/privacy/; typed values are shown inertly."""

import streamlit as st

from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.i18n import _
from listening.models import Role
from listening.privacy import copy, erasure, lookup, views
from ui import actions, shell
from ui.format import local_time

account = shell.require(Role.coordinator)
st.title(_("Privacy"))
settings = get_settings()
st.caption(_("Residents' rights under PIPL: who has seen their details, a copy of what we hold, erasure on "
             "request. What residents told us (session notes, a closed request's topic, reasons) is emptied after "
             "{text_days} days, SMS texts after {sms_days} days.",
             text_days=settings.retention_text_days, sms_days=settings.retention_sms_days))
actions.show_flash()

text = st.text_input(_("Find a resident: name, last digits of the number, or request number"), key="privacy_find",
                     max_chars=50)
with session_scope() as session:
    found = lookup.find_residents(session, actor=account, text=text)
if text and not found:
    st.info(_("No resident found."))
if not found:
    st.stop()

names = {r.id: f"#{r.id} · {r.name} · {r.phone_masked}" for r in found}
resident_id = st.selectbox(_("Resident"), list(names), format_func=names.get, key="privacy_resident",
                           placeholder=_("Choose"))
chosen = next(r for r in found if r.id == resident_id)

viewed, download, erase = st.tabs([_("Who viewed"), _("Copy for the resident"), _("Erase")])
with viewed:
    with session_scope() as session:
        viewers = views.viewers_of(session, actor=account, resident_id=resident_id)
    st.dataframe(
        [{_("When"): local_time(v.at), _("Who"): v.name, _("Role"): shell.role_label(v.role),
          _("Where"): _(views.CONTEXT_LABELS[v.context]), _("Full number or address"): "✓" if v.contact else ""}
         for v in viewers],
        hide_index=True,
        width="stretch",
    )

with download:
    st.caption(_("Everything held about this resident, as a text file in your language. Making it is audited."))
    if st.button(_("Prepare the copy"), key="privacy_copy"):
        made = actions.run(copy.resident_copy, actor=account, resident_id=resident_id, rerun=False)
        if made is not None:
            st.session_state["privacy_copy_file"] = (resident_id, made.filename, made.data)
    prepared = st.session_state.get("privacy_copy_file")
    if prepared and prepared[0] == resident_id:
        st.download_button(_("Download the copy"), data=prepared[2], file_name=prepared[1],
                           mime="text/markdown", key="privacy_download")

with erase:
    st.warning(_("Erasure removes the resident, their requests, visits, session logs, escalations and SMS. It "
                 "cannot be undone. A number that opted out of SMS stays blocked (only a hash is kept)."))
    reason = st.selectbox(_("Reason"), list(erasure.ErasureReason), key="privacy_reason",
                          format_func=lambda r: _(erasure.REASON_LABELS[r]), placeholder=_("Choose"))
    st.text(_("Type the resident's name to confirm:"))
    st.code(chosen.name, language=None)
    confirm_name = st.text_input(_("Name"), key="privacy_confirm_name", max_chars=50)
    sure = st.checkbox(_("I understand that this cannot be undone"), key="privacy_sure")
    if st.button(_("Erase this resident"), key="privacy_erase", type="primary", disabled=not sure):
        actions.run(erasure.erase_resident, actor=account, resident_id=resident_id, reason=reason,
                    confirm_name=confirm_name,
                    success=_("The resident was erased. The audit keeps that it happened, not what was erased."))
