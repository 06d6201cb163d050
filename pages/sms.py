"""Coordinator: every SMS, one page at a time (listening/sms/review.py), with its text and recipient; numbers masked.
Bodies and names are shown in a dataframe, so nothing is rendered as markdown."""

import streamlit as st

from listening.core.db import session_scope
from listening.core.i18n import _, ngettext
from listening.models import MessageKind, MessageStatus, Role
from listening.sms import outbox, review
from ui import actions, shell
from ui.format import label, local_time

account = shell.require(Role.coordinator)
st.title(_("SMS"))
st.caption(_("Every message the programme sends, those that need you first. Phone numbers are masked."))

columns = st.columns(3)
kinds = columns[0].multiselect(_("Kind"), list(MessageKind), format_func=label, key="sms_kinds", placeholder=_("any"),
                               select_all=False)
statuses = columns[1].multiselect(_("Status"), list(MessageStatus), format_func=label, key="sms_statuses", select_all=False,
                                  placeholder=_("any"))
days = columns[2].date_input(_("Dates"), value=(), key="sms_dates")
first_day, last_day = (days[0], days[-1]) if isinstance(days, tuple) and days else (None, None)
page = st.number_input(_("Page"), min_value=1, value=1, step=1, key="sms_page")
filters = review.MessageFilter(kinds=tuple(kinds), statuses=tuple(statuses), first_day=first_day, last_day=last_day)

with session_scope() as session:
    workers = outbox.workers(session, actor=account)
    shown = review.review_page(session, actor=account, filters=filters, page=int(page))

alive = [w for w in workers if w.alive]
if alive:
    newest = alive[0]
    st.success(_("The SMS worker is running (last heartbeat {when}; {count} sent).",
                 when=local_time(newest.last_beat_at), count=sum(w.messages_sent for w in alive)))
else:
    st.warning(_("No SMS worker is running: messages wait in the outbox until one starts."))

emptied, days_kept = review.emptied_note()


def recipient(row: review.MessageRow) -> str:
    role = label(row.recipient_kind)
    return f"{row.recipient_name} ({role})" if row.recipient_name else role


st.caption(ngettext("Page {page} of {pages}; {total} message.", "Page {page} of {pages}; {total} messages.",
                    shown.total, page=shown.page, pages=shown.pages, total=shown.total))
st.dataframe(
    [
        {
            _("Number"): r.id,
            _("Status"): label(r.status),
            _("Kind"): label(r.kind),
            _("Recipient"): recipient(r),
            _("To"): r.masked_phone,
            _("Text"): _(emptied, days=days_kept) if r.emptied else r.body,
            _("Due"): local_time(r.due_at),
            _("Sent"): local_time(r.sent_at) if r.sent_at else "",
            _("Segments"): r.segments,
            _("Attempts"): r.attempts,
            _("Error"): " ".join(part for part in (r.error_code, _(r.reason) if r.reason_known else r.reason)
                                 if part),
        }
        for r in shown.rows
    ],
    hide_index=True,
    width="stretch",
)

resendable = [r for r in shown.rows if r.resendable]
if resendable:
    with st.form("resend"):
        chosen = st.selectbox(
            _("Send a message again"),
            [r.id for r in resendable],
            format_func=lambda i: next(f"{r.id} · {label(r.kind)} · {r.masked_phone}" for r in resendable if r.id == i),
            key="resend_choice",
            placeholder=_("Choose"),
        )
        if st.form_submit_button(_("Send again")):
            actions.run(outbox.resend, actor=account, message_id=chosen, rerun=False,
                        success=lambda copy: _("Message {id} is queued to be sent again.", id=copy.id))
