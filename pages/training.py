import streamlit as st

from listening.core import clock
from listening.core.db import read_scope, session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, get_locale, join_list, ngettext
from listening.core.phones import mask
from listening.models import Gender, Language, Mode, Role
from listening.residents.communities import all_communities, community_name
from listening.volunteers import training
from listening.volunteers.training import MODULE_STATE_LABELS, STAGE_LABELS, Stage, module_title
from ui import actions, pager, shell
from ui.cache import ENTRIES, data_version
from ui.format import label
from ui.inert import md

account = shell.require(Role.coordinator)
st.title(_("Training"))
actions.show_flash()


def stage_label(stage: Stage) -> str:
    return _(STAGE_LABELS[stage])


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def overview(version: str, actor_id: int, on, _account) -> list[training.OverviewRow]:
    """Every volunteer's place on the ladder, cached until the next write (ui/cache.py)."""
    with read_scope() as session:
        return training.overview_rows(session, actor=_account, on=on)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def catalogue(version: str, locale: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    with read_scope() as session:
        return ({m.code: module_title(m) for m in training.training_modules(session)},
                [(c.id, community_name(c)) for c in all_communities(session)])


today = clock.today()
version = data_version()
everyone = overview(version, account.id, today, account)
module_names, communities = catalogue(version, get_locale())
names = {r.volunteer_id: f"{r.full_name} · #{r.volunteer_id}" for r in everyone}


def modules_text(codes) -> str:
    return join_list(module_names.get(code, code) for code in codes)


def expiring_text(pairs) -> str:
    return join_list(f"{module_names.get(code, code)} ({format_date(until)})" for code, until in pairs)


overview_tab, one, record, import_tab, applicant, shadow = st.tabs(
    [_("Volunteers"), _("One volunteer"), _("Record completions"), _("Import CSV"), _("Add applicant"),
     _("Observed sessions")])

with overview_tab:
    left, middle, right = st.columns([2, 2, 1])
    search = left.text_input(_("Search by name or phone"), key="training_search")
    stages = middle.multiselect(_("Stage"), list(Stage), format_func=stage_label, key="training_stages",
                                placeholder=_("Choose"), select_all=False)
    attention = right.checkbox(_("Expired or expiring only"), key="training_attention")
    rows = training.filter_overview(everyone, search=search or None, stages=stages or None, attention_only=attention)
    shown = pager.show(rows, key="training_page")
    st.caption(ngettext("{n} volunteer", "{n} volunteers", len(rows)))
    st.dataframe(
        [
            {
                _("Name"): r.full_name,
                _("Stage"): stage_label(r.stage),
                _("May take"): join_list(label(m) for m in Mode if m in r.modes),
                _("Observed sessions"): f"{r.shadow_done}/{r.shadow_required}",
                _("Not done"): modules_text(r.missing),
                _("Expires soon"): expiring_text(r.expiring),
                _("Expired"): modules_text(r.expired),
                _("Phone"): mask(r.phone),
            }
            for r in shown.items
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
                        completed_on=when, on=today, success=lambda saved: ngettext("{n} completion recorded.", "{n} completions recorded.", len(saved)))

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
            actions.succeed(ngettext("{n} completion imported.", "{n} completions imported.", len(saved)))

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
    mentors = {r.volunteer_id: names[r.volunteer_id] for r in everyone if r.modes}
    learners = {r.volunteer_id: names[r.volunteer_id] for r in everyone if r.stage == Stage.shadowing}
    st.caption(ngettext("Volunteers who finished their modules observe {n} session beside a certified mentor.",
                        "Volunteers who finished their modules observe {n} sessions beside a certified mentor.",
                        training.curriculum().shadow_sessions_required))
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
