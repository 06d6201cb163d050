"""Coordinator: the queue of open requests, one request's history, cancelling, and entering on behalf."""

import hashlib
from datetime import timedelta

import streamlit as st

from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import N_, _, format_duration, join_list, ngettext
from listening.models import OPEN_REQUEST_STATUSES, Language, Mode, Role
from listening.residents import duplicates, intake, lifecycle, triage
from listening.residents.communities import all_communities, name_of
from listening.residents.intake import SubmitOutcome
from listening.residents.references import reference
from listening.residents.triage import HISTORY_LABELS, SMS_HELD_LABELS, TriageSort
from ui import actions, inert, shell
from ui.connections import journey_section
from ui.format import label, local_time, urgency_text, visit_time
from ui.inert import NAME, md
from ui.request_form import form_fields, window_text, windows_summary

SORT_LABELS = {
    TriageSort.priority: N_("most urgent first"),
    TriageSort.waiting: N_("longest waiting first"),
    TriageSort.newest: N_("newest first"),
}


def waiting_text(waiting) -> str:
    return format_duration(waiting - timedelta(seconds=waiting.total_seconds() % 3600))  # to the hour


account = shell.require(Role.coordinator)
st.title(_("Requests"))

with session_scope() as session:
    communities = all_communities(session)

columns = st.columns(3)
statuses = columns[0].multiselect(_("Status"), list(OPEN_REQUEST_STATUSES), format_func=label, key="triage_status",
                                  placeholder=_("Choose"), select_all=False)
modes = columns[1].multiselect(_("Mode"), list(Mode), format_func=label, key="triage_mode",
                               placeholder=_("Choose"), select_all=False)
languages = columns[2].multiselect(_("Language"), list(Language), format_func=label, key="triage_language",
                                   placeholder=_("Choose"), select_all=False)
columns = st.columns(3)
community = columns[0].selectbox(_("Community"), [None, *[c.code for c in communities]],
                                 format_func=lambda code: _("all") if code is None else name_of(code),
                                 key="triage_community", placeholder=_("Choose"))
sort = columns[1].selectbox(_("Sort"), list(TriageSort), format_func=lambda s: _(SORT_LABELS[s]), key="triage_sort",
                            placeholder=_("Choose"))
urgent_only = columns[2].checkbox(_("Urgent only"), key="triage_urgent")

search = st.text_input(_("Search by name or phone number"), key="triage_search", max_chars=triage.SEARCH_MAX,
                       placeholder=_("e.g. 王 or 5678"))
with session_scope() as session:
    queue = triage.queue_page(session, actor=account, page=st.session_state.get("triage_page", 1),
                              statuses=statuses or None, modes=modes or None, languages=languages or None,
                              community_code=community, urgent_only=urgent_only, sort=sort, search=search or None)
rows = queue.rows
shown = _("{first}-{last} shown, page {page} of {pages}", first=queue.first, last=queue.first + len(rows) - 1,
          page=queue.page, pages=queue.pages) if queue.pages > 1 else ""
st.caption(" · ".join(filter(None, [ngettext("{n} open request", "{n} open requests", queue.total), shown,
                                    _("Select a row to open the request.")])))
# ?request=12 (the safeguarding page links here, and a selected row sets it) opens that request, even one no
# longer in the open queue; the table is keyed by the rows it shows, so a selection always means this page's rows.
ids = [r.id for r in rows]
wanted = st.query_params.get("request", "")
table_key = "triage_table_" + hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:10]
preselected = [ids.index(int(wanted))] if wanted.isdigit() and int(wanted) in ids else []
event = st.dataframe(
    [
        {
            _("No."): r.id,
            _("Reference"): reference(r.id),  # what the resident was given, for a call that names it
            _("Same number"): _("same number as #{id}", id=r.same_number_as) if r.same_number_as else "",
            _("Urgency"): urgency_text(r.urgency, r.risk_flag),
            _("Waiting"): waiting_text(r.waiting),
            _("Status"): label(r.status),
            _("Name"): r.resident_name,
            _("Phone"): r.phone_masked,
            _("Community"): name_of(r.community_code),
            _("Mode"): label(r.mode),
            _("Language"): label(r.language),
            _("Times"): windows_summary(r.windows),
        }
        for r in rows
    ],
    hide_index=True,
    width="stretch",
    column_config={_("Times"): st.column_config.TextColumn(width=420, help=_("The times the resident wished")),
                   _("Urgency"): st.column_config.TextColumn(width="small"),
                   _("No."): st.column_config.NumberColumn(width=60, format="%d")},
    key=table_key, on_select="rerun", selection_mode="single-row",
    selection_default={"selection": {"rows": preselected}} if preselected else None,
)
selected = event.selection.rows
previous = st.session_state.get("triage_selected")
if selected:
    wanted = str(ids[selected[0]])
    st.query_params["request"] = wanted
elif previous and previous[0] == table_key and previous[1]:  # the coordinator cleared the row they had selected
    st.query_params.pop("request", None)
    wanted = ""
st.session_state["triage_selected"] = (table_key, wanted if selected else None)
chosen = int(wanted) if wanted.isdigit() else None
if queue.pages > 1:
    st.session_state["triage_page"] = queue.page  # the filters may have left fewer pages
    st.number_input(_("Page"), min_value=1, max_value=queue.pages, step=1, key="triage_page")
if chosen is not None:
    try:
        with session_scope() as session:
            detail = triage.request_detail(session, actor=account, request_id=chosen)
    except ServiceError as error:
        shell.show_error(error)
        st.stop()
    request = detail.request
    st.subheader(_("Request #{id} · {name}", id=request.id, name=md(detail.resident_name, max_chars=NAME)))
    st.caption(_("The resident's reference: {reference}", reference=reference(request.id)))
    if request.risk_flag:
        st.error(_("Risk words in this request: a safeguarding escalation was raised. Call the resident first."),
                 icon="🆘")
    if detail.same_number_as:
        st.warning(_("Same number as request #{id}. It was sent from the public form by someone who has not "
                     "proved the number is theirs, so nothing stored for the resident was changed. Call the "
                     "number, then merge it into #{id} or keep it as a request of its own.",
                     id=detail.same_number_as), icon="☎️")
    if detail.given:
        st.markdown(_("**What this request gave:** name {name} · community {community} · address {address} · "
                      "SMS consent {sms}", name=inert.md(detail.given.display_name),
                      community=name_of(detail.given_community_code or ""),
                      address=inert.md(detail.given.address or "-"),
                      sms=_("yes") if detail.given.sms_consent else _("no")))
    if request.sms_held:
        st.info(_(SMS_HELD_LABELS[request.sms_held]), icon="✉️")
    facts = st.columns(4)
    facts[0].metric(_("Status"), label(request.status))
    facts[1].metric(_("Urgency"), urgency_text(request.urgency, False))
    facts[2].metric(_("Mode"), label(request.mode))
    facts[3].metric(_("Language"), label(request.language))
    st.markdown(_("**Phone:** {phone} · **Community:** {community} · **SMS consent:** {sms}",
                  phone=detail.phone_masked, community=name_of(detail.community_code),
                  sms=_("yes") if detail.sms_consent else _("no")))
    if st.button(_("Show the full number to call"), key="triage_reveal"):
        with session_scope() as session:
            st.code(triage.reveal_phone(session, actor=account, request_id=request.id))
    if detail.consent_verbal:
        st.caption(_("Consent given verbally, recorded by {name}.", name=md(detail.consent_recorded_by or "?")))
    st.markdown(_("**When:** {times}", times=join_list(window_text(w) for w in detail.windows)))
    if request.gender_wish:
        st.markdown(_("**Volunteer's gender:** {gender}", gender=label(request.gender_wish)))
    if request.wants_same_volunteer:
        st.markdown(_("Would like the same volunteer as last time."))
    if detail.address:
        st.markdown(_("**Address:** {address}", address=md(detail.address)))
    if request.topic:
        st.markdown(_("**Would like to talk about:** {topic}", topic=md(request.topic)))
    if detail.visit:
        st.markdown(_("**Visit:** {when}, {status}", when=visit_time(detail.visit.starts_at),
                      status=label(detail.visit.status)))

    st.markdown(_("**History**"))
    st.dataframe(
        [
            {
                _("When"): local_time(h.at),
                _("What"): _(HISTORY_LABELS[h.action]) if h.action in HISTORY_LABELS else h.action,
                _("Who"): h.actor_name or _("resident or system"),
            }
            for h in detail.history
        ],
        hide_index=True,
        width="stretch",
    )

    journey_section(account, resident_id=request.resident_id)

    if detail.same_number_as:
        with st.expander(_("Merge or keep this same-number request"), expanded=True):
            st.caption(_("Merging closes this request; request #{id} stays as it is and nothing is copied into "
                         "it (only a risk flag carries over).", id=detail.same_number_as))
            if st.button(_("Merge into #{id}", id=detail.same_number_as), key="triage_merge"):
                actions.run(duplicates.merge, actor=account, request_id=request.id,
                            success=_("Request #{id} was merged into #{into}.", id=request.id,
                                      into=detail.same_number_as))
            use_given = st.checkbox(_("I spoke to the number's owner: also use the name, community, address and "
                                      "SMS choice this request gave"), key="triage_use_given")
            if st.button(_("Keep as a request of its own"), key="triage_keep"):
                actions.run(duplicates.keep_separate, actor=account, request_id=request.id,
                            use_given_details=use_given, success=_("Request #{id} is kept as a request of its own.",
                                                                   id=request.id))

    with st.expander(_("Cancel this request")):
        by = st.radio(_("Who cancels?"), ["coordinator", "resident"], horizontal=True, key="triage_cancel_by",
                      format_func=lambda b: _("the centre") if b == "coordinator" else _("the resident"))
        reason = st.text_input(_("Reason"), max_chars=lifecycle.REASON_MAX, key="triage_cancel_reason")
        if st.button(_("Cancel the request"), key="triage_cancel"):
            actions.run(lifecycle.cancel, actor=account, request_id=request.id, reason=reason, by=by, rerun=False,
                        success=_("Request #{id} was cancelled.", id=request.id))

st.divider()
with st.expander(_("Enter a request on a resident's behalf")):
    st.caption(_("For a resident who phoned or walked in. Read them the privacy notice and ask for their "
                 "consent first."))
    form = form_fields("behalf")
    form.sms_consent = st.checkbox(_("The resident agrees to get text messages"), key="behalf_sms")
    form.locale = intake.sms_locale(form.language)
    urgency = st.radio(_("Urgency"), [1, 2, 3], horizontal=True, key="behalf_urgency",
                   format_func=lambda u: urgency_text(u, False))
    verbal = st.checkbox(_("The resident gave their consent verbally (recorded under your name)"), key="behalf_consent")
    if st.button(_("Save the request"), key="behalf_save"):
        def saved(result):
            if result.outcome == SubmitOutcome.created:
                return _("Request #{id} was saved.", id=result.request.id)
            return "info", _("This resident already had open request #{id}; it was updated.", id=result.request.id)

        actions.run(intake.record_on_behalf, actor=account, form=form, consent_verbal=verbal, urgency=urgency,
                    rerun=False, success=saved)
