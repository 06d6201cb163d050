import streamlit as st

from listening import reports, sessions
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, format_number
from listening.models import Role
from listening.volunteers.recognition import recognition
from ui import shell
from ui.format import local_time

account = shell.require(Role.volunteer)
st.title(_("My hours"))
st.caption(_("Counted from the start and end times in your session logs."))

try:
    with session_scope() as session:
        months = sessions.my_hours_by_month(session, actor=account)
        resting_until = sessions.my_rest_until(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

if resting_until:
    st.info(_("You are resting from new visits until {when}, after a heavy session. Thank you for your care.",
              when=local_time(resting_until, "short")))

total_hours = sum(m.hours for m in months)
row = st.columns(2)
row[0].metric(_("Sessions held"), format_number(sum(m.sessions for m in months)))
row[1].metric(_("Hours listened"), format_number(round(total_hours, 1)))

milestones = recognition(total_hours)
for reached in milestones.reached:
    st.success(_("Milestone reached: {hours} hours of listening. Thank you!", hours=format_number(reached)),
               icon=":material/workspace_premium:")
if milestones.next_milestone is not None:
    st.progress(min(1.0, total_hours / milestones.next_milestone),
                text=_("{left} hours to your {next}-hour milestone", left=format_number(milestones.hours_to_next),
                       next=format_number(milestones.next_milestone)))

if st.button(_("Prepare my hours certificate (PDF)"), key="prepare_certificate"):
    try:
        with session_scope() as session:
            st.session_state["my_certificate"] = reports.my_hours_certificate(session, actor=account)
    except ServiceError as error:
        shell.show_error(error)
if "my_certificate" in st.session_state:
    st.download_button(_("Download the certificate"), st.session_state["my_certificate"],
                       file_name="hours-certificate.pdf", mime="application/pdf", key="download_certificate")

if not months:
    st.caption(_("No sessions logged yet."))
else:
    st.dataframe(
        [
            {
                _("Month"): format_date(m.month, "yyyy-MM"),
                _("Sessions"): m.sessions,
                _("Hours"): m.hours,
            }
            for m in months
        ],
        hide_index=True,
        width="stretch",
    )
