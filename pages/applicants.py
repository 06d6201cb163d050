"""Coordinator: applications from the public page (accept, decline), then each applicant's vetting steps, each
with its owner and date: interview (short notes), reference, real-name check (who checked, when: no ID number),
code of conduct signed. Matching offers a volunteer only when every step and the training ladder say so."""

import streamlit as st

from listening.core import clock
from listening.core.config import get_settings
from listening.core.db import read_scope, session_scope
from listening.core.errors import InvalidForm, ServiceError
from listening.core.i18n import _, format_date, format_short_datetime, join_list, ngettext
from listening.models import (
    ApplicationStatus,
    DayKind,
    DeclineReason,
    Gender,
    Language,
    PartOfDay,
    Role,
    VettingStepKind,
)
from listening.residents.communities import all_communities, community_name
from listening.safeguarding import rota
from listening.volunteers import applications, vetting
from ui import actions, shell
from ui.format import label
from ui.inert import md
from ui.request_form import PART_OF_DAY_SHORT

APPLICATIONS_PAGE = 10  # application cards shown at once, each with three buttons and a chooser
account = shell.require(Role.coordinator)
settings = get_settings()
today = clock.today()
st.title(_("Applicants"))
st.caption(_("Applications from the public page, then each applicant's vetting steps. A volunteer is matched only "
             "once every step is recorded and the training allows it."))
actions.show_flash()

page_key = "applicants_page"
try:
    with read_scope() as session:
        waiting = applications.applications(session, actor=account, page=st.session_state.get(page_key, 1),
                                            size=APPLICATIONS_PAGE)
        in_vetting = vetting.in_vetting(session, actor=account, page=st.session_state.get("vetting_page", 1))
        owners = {c.id: c.name for c in rota.coordinators(session, actor=account)}
        communities = {c.id: community_name(c) for c in all_communities(session)}
except ServiceError as error:
    shell.show_error(error)
    st.stop()

new_tab, vetting_tab, decided_tab, resident_tab = st.tabs([
    ngettext("New application ({n})", "New applications ({n})", waiting.total),
    ngettext("Vetting ({n})", "Vetting ({n})", in_vetting.total),
    _("Decided"),
    _("A resident who wants to listen"),
])


def times_text(row: applications.ApplicationRow) -> str:
    by_days: dict = {}
    for days, part in row.times:
        by_days.setdefault(days, []).append(_(PART_OF_DAY_SHORT[part]))
    return _("; ").join(_("{days}: {parts}", days=label(days), parts=join_list(parts)) for days, parts in by_days.items())


with new_tab:
    if not waiting.items:
        st.info(_("No application is waiting. New ones from the public page “Become a volunteer” appear here."))
    for row in waiting.items:
        with st.container(border=True):
            st.markdown(f"**{md(row.full_name)}** · {row.reference} · {label(row.gender)}")
            st.markdown(_("Received {when} · {community} · {languages}",
                          when=format_short_datetime(row.received_at, settings.tz),
                          community=md(communities.get(row.community_id, "")),
                          languages=join_list(label(language) for language in row.languages)))
            st.markdown(_("Could listen: {times}", times=times_text(row)))
            if row.motivation:
                st.caption(_("Why they would like to listen:"))
                st.text(row.motivation)  # their own words: shown as plain text
            number_key = f"applicant_phone_{row.id}"
            if number_key in st.session_state:
                st.markdown(_("Phone: {phone}", phone=st.session_state[number_key]))
            else:
                st.markdown(_("Phone: {phone}", phone=row.masked_phone))
            show, accept, reason_column, decline = st.columns([1, 1, 1.4, 1])
            if number_key not in st.session_state and show.button(_("Show number to call"), key=f"show_{row.id}"):
                shown = actions.run(applications.applicant_phone, actor=account, application_id=row.id, rerun=False)
                if shown:
                    st.session_state[number_key] = shown
                    st.rerun()
            if accept.button(_("Accept"), key=f"accept_{row.id}", type="primary"):
                actions.run(applications.accept, actor=account, application_id=row.id,
                            success=_("{name} is now an applicant volunteer: record the vetting steps next.",
                                      name=md(row.full_name)))
            reason = reason_column.selectbox(_("Reason"), list(DeclineReason), format_func=label, index=None,
                                             placeholder=_("Choose"), key=f"decline_reason_{row.id}",
                                             label_visibility="collapsed")
            if decline.button(_("Decline"), key=f"decline_{row.id}"):
                if reason is None:
                    st.error(_("Choose a reason first."))
                else:
                    actions.run(applications.decline, actor=account, application_id=row.id, reason=reason,
                                success=_("Application {reference} declined.", reference=row.reference))
    if waiting.pages > 1:
        st.number_input(_("Page"), min_value=1, max_value=waiting.pages, key=page_key)

with vetting_tab:
    if not in_vetting.items:
        st.info(_("Every volunteer has all vetting steps recorded."))
    else:
        def step_cell(row: vetting.VettingRow, kind: VettingStepKind) -> str:
            done = next((s for s in row.done if s.kind == kind), None)
            if done is None:
                return "—"
            return _("✓ {date}, {owner}", date=format_date(done.done_on), owner=done.owner_name or "?")

        st.dataframe([{_("Volunteer"): row.full_name, _("Status"): label(row.status),
                       _("Joined"): format_date(row.joined_on),
                       **{label(kind): step_cell(row, kind) for kind in vetting.STEPS}}
                      for row in in_vetting.items], hide_index=True, width="stretch")
        if in_vetting.pages > 1:
            st.number_input(_("Page"), min_value=1, max_value=in_vetting.pages, key="vetting_page")
        rows = {row.volunteer_id: row for row in in_vetting.items}
        chosen = st.selectbox(_("Record a step for"), list(rows), format_func=lambda vid: rows[vid].full_name,
                              index=None, placeholder=_("Choose"), key="vetting_volunteer")
        if chosen is not None:
            row = rows[chosen]
            for step in row.done:
                if step.kind == VettingStepKind.interview and step.notes:
                    st.caption(_("Interview notes of {date}:", date=format_date(step.done_on)))
                    st.text(step.notes)
            kind = st.selectbox(_("Step"), row.missing, format_func=label, key=f"vetting_kind_{chosen}")
            if kind == VettingStepKind.code_of_conduct:
                st.markdown(_("The volunteer signs this on paper at the centre; record it once it is signed:"))
                st.markdown("\n".join(f"{n}. {_(line)}" for n, line in enumerate(vetting.CODE_OF_CONDUCT, start=1)))
            if kind == VettingStepKind.real_name_check:
                st.caption(_("Record who checked the identity document and when. Never write down its number."))
            done_on = st.date_input(_("Done on"), value=today, max_value=today, key=f"vetting_date_{chosen}")
            owner = st.selectbox(_("Owner"), list(owners), format_func=owners.get,
                                 index=list(owners).index(account.id) if account.id in owners else 0,
                                 key=f"vetting_owner_{chosen}")
            notes = ""
            if kind == VettingStepKind.interview:
                notes = st.text_area(_("Interview notes (short; emptied after {days} days)",
                                       days=settings.retention_text_days), max_chars=vetting.NOTES_MAX,
                                     key=f"vetting_notes_{chosen}")
            if st.button(_("Record step"), type="primary", key=f"vetting_record_{chosen}"):
                actions.run(vetting.record_step, actor=account, volunteer_id=chosen, kind=kind, done_on=done_on,
                            owner_id=owner, notes=notes,
                            success=_("{step} recorded for {name}.", step=label(kind), name=md(row.full_name)))

with decided_tab:
    status = st.radio(_("Show"), [ApplicationStatus.accepted, ApplicationStatus.declined], format_func=label,
                      horizontal=True, key="applicants_decided")
    with read_scope() as session:
        decided = applications.applications(session, actor=account, status=status)
    if not decided.items:
        st.info(_("No application has been decided this way yet."))
    else:
        st.dataframe([{_("Reference"): row.reference, _("Name"): row.full_name,
                       _("Received"): format_short_datetime(row.received_at, settings.tz),
                       _("Decided"): format_short_datetime(row.decided_at, settings.tz) if row.decided_at else "",
                       _("Reason"): label(row.decline_reason) if row.decline_reason else ""}
                      for row in decided.items], hide_index=True, width="stretch")

with resident_tab:
    st.markdown(_("Someone who was listened to and would now like to listen to others: take their application "
                  "down on the phone. Their number is the one the centre already has."))
    problems = st.session_state.get("resident_apply_problems") or {}

    def problem(field: str) -> None:
        if field in problems:
            st.error(problems[field].translated(escape=md), icon=":material/error:")

    with st.form("resident_apply", clear_on_submit=False):
        ref = st.text_input(_("Their request's reference (e.g. LH-0141)"), key="resident_apply_reference")
        problem("request_reference")
        full_name = st.text_input(_("Full name"), max_chars=applications.NAME_MAX, key="resident_apply_name")
        problem("full_name")
        gender = st.radio(_("Gender"), list(Gender), format_func=label, index=None, horizontal=True,
                          key="resident_apply_gender")
        problem("gender")
        languages = st.multiselect(_("Languages and dialects"), list(Language), format_func=label,
                                   placeholder=_("Choose"), key="resident_apply_languages", select_all=False)
        problem("languages")
        days = st.multiselect(_("Days"), list(DayKind), format_func=label, placeholder=_("Choose"),
                              key="resident_apply_days", select_all=False)
        problem("days")
        parts = st.multiselect(_("Parts of the day"), list(PartOfDay), format_func=lambda p: _(PART_OF_DAY_SHORT[p]),
                               placeholder=_("Choose"), key="resident_apply_parts", select_all=False)
        problem("parts_of_day")
        consent = st.checkbox(_("They agreed on the phone that the centre uses these details for their application, "
                                "and heard the code of conduct."), key="resident_apply_consent")
        problem("consent_verbal")
        if st.form_submit_button(_("Add to the applications"), type="primary"):
            form = applications.ResidentApplication(request_reference=ref, full_name=full_name, gender=gender,
                                                    languages=languages, days=days, parts_of_day=parts,
                                                    consent_verbal=consent)
            try:
                with session_scope() as session:
                    added = applications.from_resident(session, actor=account, form=form)
            except InvalidForm as error:
                st.session_state["resident_apply_problems"] = error.problems
                st.rerun()
            except ServiceError as error:
                st.session_state.pop("resident_apply_problems", None)
                shell.show_error(error)
            else:
                st.session_state.pop("resident_apply_problems", None)
                actions.succeed(_("Application {reference} added to the queue.", reference=added.reference))
