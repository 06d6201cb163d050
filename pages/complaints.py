"""Coordinator: complaints from the public page and by SMS. Assign an owner, record the outcome and close (the
resident is told the outcome by SMS); the nearest deadline first."""

import streamlit as st

from listening.core.db import session_scope
from listening.core.i18n import _, format_number
from listening.models import ComplaintOutcome, ComplaintStatus, Role, utcnow
from listening.residents import complaints
from ui import actions, shell
from ui.format import label, local_time
from ui.inert import md

account = shell.require(Role.coordinator)
st.title(_("Complaints"))
actions.show_flash()

now = utcnow()
with session_scope() as session:
    waiting = complaints.complaints(session, actor=account, now=now)
    closed = complaints.complaints(session, actor=account, closed=True, limit=30, now=now)
    owners = {a.id: a.display_name for a in complaints.coordinators(session, actor=account)}

row = st.columns(3)
row[0].metric(_("Open complaints"), format_number(len(waiting)))
row[1].metric(_("Without an owner"), format_number(sum(c.status == ComplaintStatus.open for c in waiting)))
row[2].metric(_("Past their deadline"), format_number(sum(c.overdue for c in waiting)))

if not waiting:
    st.caption(_("No open complaint."))
for c in waiting:
    with st.container(border=True):
        overdue = " · ⏰ " + _("past its deadline") if c.overdue else ""
        st.markdown(f"**{c.reference}** · {label(c.status)} · "
                    + _("due {when}", when=local_time(c.due_at, "short")) + overdue)
        st.caption(_("From {name} ({phone}) by {channel}, {when}", name=md(c.name or "–"), phone=md(c.phone_masked),
                     channel=label(c.channel), when=local_time(c.received_at, "short")))
        st.text(c.text or _("(no text: phone the resident)"))
        columns = st.columns([3, 1, 3, 1], vertical_alignment="bottom")
        owner = columns[0].selectbox(_("Owner"), list(owners), format_func=owners.get, placeholder=_("Choose"),
                                     index=list(owners).index(c.owner_id) if c.owner_id in owners else None,
                                     key=f"owner_{c.id}")
        if columns[1].button(_("Assign"), key=f"assign_{c.id}"):
            actions.run(complaints.assign, actor=account, complaint_id=c.id, owner_id=owner,
                        success=_("Complaint {reference} assigned.", reference=c.reference))
        outcome = columns[2].selectbox(_("Outcome"), list(ComplaintOutcome), format_func=label, index=None,
                                       placeholder=_("Choose"), key=f"outcome_{c.id}")
        if columns[3].button(_("Close"), key=f"close_{c.id}"):
            actions.run(complaints.close, actor=account, complaint_id=c.id, outcome=outcome,
                        success=_("Complaint {reference} closed; the resident is told by SMS if they agreed to "
                                  "texts.", reference=c.reference))

if closed:
    with st.expander(_("Recently closed ({n})", n=len(closed))):
        st.dataframe([{_("Reference"): c.reference, _("Received"): local_time(c.received_at, "short"),
                       _("Closed"): local_time(c.closed_at, "short"), _("Owner"): c.owner_name or "–",
                       _("Outcome"): label(c.outcome)} for c in closed], hide_index=True, width="stretch")
