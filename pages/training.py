import streamlit as st

from listening.core import clock
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date
from listening.core.phones import mask
from listening.models import Gender, Language, Mode, Role
from listening.residents.communities import all_communities, community_name
from listening.volunteers import training
from listening.volunteers.training import MODULE_STATE_LABELS, STAGE_LABELS, Stage, module_title
from ui import actions, shell
from ui.format import label
from ui.inert import md

account = shell.require(Role.coordinator)
st.title(_("Training"))
actions.show_flash()


def stage_label(stage: Stage) -> str:
    return _(STAGE_LABELS[stage])


def modules_text(statuses, with_date: bool = False) -> str:
    return "、".join(module_title(m.module) + (f" ({format_date(m.valid_through)})" if with_date else "")
                    for m in statuses)


today = clock.today()
with session_scope() as session:
    everyone = training.training_overview(session, actor=account, on=today)
    modules = training.training_modules(session)
    communities = [(c.id, community_name(c)) for c in all_communities(session)]
names = {s.volunteer.id: f"{s.volunteer.full_name} · #{s.volunteer.id}" for s in everyone}
module_names = {m.code: module_title(m) for m in modules}

overview, one, record, import_tab, applicant, shadow = st.tabs(
    [_("Volunteers"), _("One volunteer"), _("Record completions"), _("Import CSV"), _("Add applicant"),
     _("Observed sessions")])

with overview:
    left, middle, right = st.columns([2, 2, 1])
    search = left.text_input(_("Search by name or phone"), key="training_search")
    stages = middle.multiselect(_("Stage"), list(Stage), format_func=stage_label, key="training_stages",
                                placeholder=_("Choose"), select_all=False)
    attention = right.checkbox(_("Expired or expiring only"), key="training_attention")
    with session_scope() as session:
        rows = training.training_overview(session, actor=account, on=today, search=search or None,
                                          stages=stages or None, attention_only=attention)
    st.caption(_("{n} volunteers", n=len(rows)))
    st.dataframe(
        [
            {
                _("Name"): s.volunteer.full_name,
                _("Stage"): stage_label(s.stage),
                _("May take"): "、".join(label(m) for m in Mode if m in s.modes),
                _("Observed sessions"): f"{s.shadow_done}/{s.shadow_required}",
                _("Not done"): modules_text(s.missing),
                _("Expires soon"): modules_text(s.expiring, with_date=True),
                _("Expired"): modules_text(s.expired),
                _("Phone"): mask(s.volunteer.phone),
            }
            for s in rows
        ],
        hide_index=True,
        width="stretch",
    )

with one:
    chosen = st.selectbox(_("Volunteer"), list(names), format_func=names.get, index=None, key="timeline_volunteer",
                          placeholder=_("Choose"))
    if chosen is not None:
        with session_scope() as session:
            status = training.training_status(session, volunteer_id=chosen, on=today)
            timeline = training.volunteer_timeline(session, actor=account, volunteer_id=chosen, on=today)
        st.subheader(stage_label(status.stage))
        for mode in Mode:
            reasons = status.reasons[mode]
            if reasons:
                st.markdown(f"✗ **{label(mode)}**: " + "; ".join(md(r) for r in reasons))
            else:
                st.markdown(f"✓ **{label(mode)}**")
        st.dataframe(
            [
                {
                    _("Module"): module_title(m.module),
                    _("State"): _(MODULE_STATE_LABELS[m.state]),
                    _("Completed"): format_date(m.completed_on) if m.completed_on else "",
                    _("Valid through"): format_date(m.valid_through) if m.valid_through else "",
                }
                for m in status.modules
            ],
            hide_index=True,
            width="stretch",
        )
        st.markdown("#### " + _("Timeline"))
        for entry in timeline:
            st.markdown(f"- {format_date(entry.on)} · {md(entry.text)}")

with record:
    with st.form("record_completions"):
        who = st.multiselect(_("Volunteers"), list(names), format_func=names.get, key="record_volunteers",
                             placeholder=_("Choose"), select_all=False)
        which = st.multiselect(_("Modules"), list(module_names), format_func=module_names.get, key="record_modules",
                               placeholder=_("Choose"), select_all=False)
        when = st.date_input(_("Completed on"), value=today, max_value=today, key="record_date")
        if st.form_submit_button(_("Record completions")):
            actions.run(training.record_completions, actor=account, volunteer_ids=who, module_codes=which,
                        completed_on=when, on=today, success=lambda saved: _("{n} completions recorded.", n=len(saved)))

with import_tab:
    st.caption(_("Columns: volunteer (phone number or volunteer number), module (code), completed_on (YYYY-MM-DD). "
                 "Every row is checked; if one is wrong, nothing is imported."))
    st.caption(_("Module codes: {codes}", codes=", ".join(module_names)))
    uploaded = st.file_uploader(_("CSV file"), type=["csv"], key="import_file")
    pasted = st.text_area(_("Or paste the CSV here"), key="import_text")
    if st.button(_("Import"), key="import_button"):
        data = uploaded.getvalue() if uploaded is not None else pasted
        try:
            with session_scope() as session:
                saved = training.import_completions_csv(session, actor=account, data=data, on=today)
        except training.ImportRejected as error:
            st.error(error.translated(escape=md))
            shown = error.problems[:training.PROBLEMS_SHOWN]
            st.dataframe([{_("Line"): p.line, _("Problem"): p.problem()} for p in shown], hide_index=True,
                         width="stretch")
            if len(error.problems) > len(shown):
                st.caption(_("and {n} more", n=len(error.problems) - len(shown)))
        except ServiceError as error:
            shell.show_error(error)
        else:
            actions.succeed(_("{n} completions imported.", n=len(saved)))

with applicant:
    with st.form("add_applicant"):
        full_name = st.text_input(_("Name"), key="applicant_name")
        gender = st.selectbox(_("Gender"), list(Gender), format_func=label, key="applicant_gender",
                              placeholder=_("Choose"))
        phone = st.text_input(_("Phone"), key="applicant_phone")
        community = st.selectbox(_("Community"), [c for c, _name in communities],
                                 format_func=dict(communities).get, key="applicant_community", placeholder=_("Choose"))
        languages = st.multiselect(_("Languages"), list(Language), default=[Language.mandarin], format_func=label,
                                   key="applicant_languages", placeholder=_("Choose"), select_all=False)
        if st.form_submit_button(_("Add applicant")):
            actions.run(training.add_applicant, actor=account, full_name=full_name, gender=gender, phone=phone,
                        community_id=community, languages=languages,
                        success=lambda volunteer: _("{name} was added as an applicant.", name=md(volunteer.full_name)))

with shadow:
    mentors = {s.volunteer.id: names[s.volunteer.id] for s in everyone if s.modes}
    learners = {s.volunteer.id: names[s.volunteer.id] for s in everyone if s.stage == Stage.shadowing}
    st.caption(_("Volunteers who finished their modules observe {n} sessions beside a certified mentor.",
                 n=training.curriculum().shadow_sessions_required))
    with st.form("record_shadow"):
        learner = st.selectbox(_("Volunteer"), list(learners), format_func=learners.get, index=None,
                               key="shadow_volunteer", placeholder=_("Choose"))
        mentor = st.selectbox(_("Mentor"), list(mentors), format_func=mentors.get, index=None, key="shadow_mentor",
                              placeholder=_("Choose"))
        observed_on = st.date_input(_("Observed on"), value=today, max_value=today, key="shadow_date")
        if st.form_submit_button(_("Record observed session")):
            if learner is None or mentor is None:
                st.error(_("Choose the volunteer and the mentor."))
            else:
                actions.run(training.record_shadow_session, actor=account, volunteer_id=learner, mentor_id=mentor,
                            observed_on=observed_on, on=today,
                            success=_("Observed session recorded for {name}.", name=md(learners[learner])))
