from datetime import timedelta

import streamlit as st

from listening import reports
from listening.core import clock
from listening.core.db import read_scope, session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date
from listening.models import Competency, LeaveReason, ObservedIn, PauseReason, Role, SupervisionKind, VolunteerStatus
from listening.supervision import competencies, sessions
from listening.supervision.overview import volunteer_supervision
from listening.volunteers import lifecycle, volunteer_names
from ui import actions, shell
from ui.format import label
from ui.inert import NAME, md

account = shell.require(Role.coordinator)
st.title(_("Supervision"))
st.caption(_("Competencies signed off in practice, supervisors and supervision sessions, pauses and departures."))
actions.show_flash()

try:
    with read_scope() as session:
        names = volunteer_names(session, actor=account)
        supervisors = sessions.supervisors(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()
supervisor_names = {a.id: a.display_name for a in supervisors}
today = clock.today()

tab_volunteer, tab_session, tab_hours = st.tabs([_("One volunteer"), _("Log a supervision session"),
                                                 _("Hours certificate")])

with tab_volunteer:
    chosen = st.selectbox(_("Volunteer"), list(names), format_func=names.get, key="supervision_volunteer", placeholder=_("Choose"))
    if chosen is None:
        st.stop()
    with read_scope() as session:
        view = volunteer_supervision(session, actor=account, volunteer_id=chosen)
    volunteer = view.volunteer
    st.markdown(_("Status: {status}", status=label(volunteer.status)))

    st.subheader(_("Competencies"))
    st.dataframe([{_("Competency"): label(s.competency),
                   _("Observed in"): label(s.signoff.observed_in) if s.signoff else "",
                   _("Observed on"): format_date(s.signoff.observed_on) if s.signoff else "",
                   _("Signed off"): "✓" if s.signoff else ""} for s in view.competencies],
                 hide_index=True, width="stretch")
    unsigned = [s.competency for s in view.competencies if s.signoff is None]
    if unsigned:
        with st.form("sign_off"):
            competency = st.selectbox(_("Competency"), unsigned, format_func=label, key=f"signoff_competency_{chosen}",
                                      placeholder=_("Choose"))
            observed_in = st.radio(_("Observed in"), competencies.SIGNABLE_IN, format_func=label, horizontal=True,
                                   key="signoff_observed_in")
            observed_on = st.date_input(_("Observed on"), value=today, max_value=today, key="signoff_date")
            if st.form_submit_button(_("Sign off")):
                actions.run(competencies.sign_off, actor=account, volunteer_id=chosen, competency=Competency(competency),
                            observed_in=ObservedIn(observed_in), observed_on=observed_on,
                            success=_("{competency} signed off.", competency=label(Competency(competency))))

    st.subheader(_("Supervisor"))
    st.markdown(_("Supervisor: {name}", name=md(view.record.supervisor or _("none"), max_chars=NAME)))
    if supervisors and volunteer.status != VolunteerStatus.left:
        cols = st.columns([3, 1])
        supervisor = cols[0].selectbox(_("New supervisor"), list(supervisor_names), format_func=supervisor_names.get,
                                       key="supervisor_choice", placeholder=_("Choose"))
        if cols[1].button(_("Assign"), key="assign_supervisor"):
            actions.run(sessions.assign_supervisor, actor=account, volunteer_id=chosen, supervisor_id=supervisor,
                        success=_("Supervisor assigned."))
    if view.record.entries:
        st.dataframe([{_("Date"): format_date(e.held_on), _("Kind"): label(e.kind), _("Supervisor"): e.supervisor,
                       _("Attended"): "✓" if e.attended else "✗"} for e in view.record.entries],
                     hide_index=True, width="stretch")

    st.subheader(_("Pause, return or leave"))
    if volunteer.status == VolunteerStatus.active:
        with st.form("pause"):
            reason = st.selectbox(_("Reason for the pause"), list(PauseReason), format_func=label, key="pause_reason", placeholder=_("Choose"))
            until = st.date_input(_("Expected back (optional)"), value=None, min_value=today + timedelta(days=1),
                                  key="pause_until")
            if st.form_submit_button(_("Pause")):
                actions.run(lifecycle.pause, actor=account, volunteer_id=chosen, reason=PauseReason(reason),
                            until=until, success=_("Paused: not offered for visits until they return."))
    elif view.pause is not None:
        st.info(_("Paused since {date} ({reason}).", date=format_date(view.pause.starts_on),
                  reason=label(view.pause.reason))
                + (" " + _("Expected back on {date}.", date=format_date(view.pause.until_on))
                   if view.pause.until_on else ""))
        if st.button(_("Back from the pause"), key="return"):
            actions.run(lifecycle.return_from_pause, actor=account, volunteer_id=chosen, success=_("Welcome back."))
    if view.departure is not None:
        st.info(_("Left on {date} ({reason}).", date=format_date(view.departure.left_on),
                  reason=label(view.departure.reason)))
    else:
        with st.form("leave"):
            leave_reason = st.selectbox(_("Reason for leaving"), list(LeaveReason), format_func=label,
                                        key="leave_reason", placeholder=_("Choose"))
            if st.form_submit_button(_("Record that they left")):
                actions.run(lifecycle.leave, actor=account, volunteer_id=chosen, reason=LeaveReason(leave_reason),
                            success=_("Departure recorded."))

with tab_session, st.form("log_supervision"):
    kind = st.radio(_("Kind"), list(SupervisionKind), format_func=label, horizontal=True, key="supervision_kind")
    held_on = st.date_input(_("Held on"), value=today, max_value=today, key="supervision_date")
    supervisor_id = st.selectbox(_("Supervisor"), list(supervisor_names), format_func=supervisor_names.get,
                                 key="supervision_supervisor", placeholder=_("Choose"))
    attended = st.multiselect(_("Attended"), list(names), format_func=names.get, key="supervision_attended",
                                  placeholder=_("Choose"), select_all=False)
    absent = st.multiselect(_("Expected but absent"), list(names), format_func=names.get,
                            key="supervision_absent", placeholder=_("Choose"), select_all=False)
    if st.form_submit_button(_("Log the session")):
        actions.run(sessions.log_supervision, actor=account, kind=SupervisionKind(kind), held_on=held_on,
                    supervisor_id=supervisor_id, attended=attended, absent=absent,
                    success=_("Supervision session logged."))

with tab_hours:
    who = st.selectbox(_("Volunteer"), list(names), format_func=names.get, key="certificate_volunteer", placeholder=_("Choose"))
    cols = st.columns(2)
    start = cols[0].date_input(_("From"), value=today - timedelta(days=365), key="certificate_start")
    end = cols[1].date_input(_("To"), value=today, max_value=today, key="certificate_end")
    if st.button(_("Prepare the certificate (PDF)"), key="prepare_certificate"):
        try:
            with session_scope() as session:
                st.session_state["certificate_pdf"] = reports.hours_certificate(
                    session, actor=account, volunteer_id=who, start=start, end=end)
        except ServiceError as error:
            shell.show_error(error)
    if "certificate_pdf" in st.session_state:
        st.download_button(_("Download the certificate"), st.session_state["certificate_pdf"],
                           file_name=f"hours-certificate-{who}.pdf", mime="application/pdf",
                           key="download_certificate")
