import streamlit as st

from listening.core.db import session_scope
from listening.core.i18n import _
from listening.core.phones import mask
from listening.models import Role
from listening.sms import outbox
from ui import actions, shell
from ui.format import label, local_time


def reason(error_message: str | None) -> str | None:
    """The programme's own reasons (quiet hours, opt-out) in the reader's language; a provider's error as is."""
    known = outbox.NOT_SENT_REASONS.get(error_message or "")
    return _(known) if known else error_message


account = shell.require(Role.coordinator)
st.title(_("SMS"))
st.caption(_("Every message the programme sends, failures first. Phone numbers are masked."))

with session_scope() as session:
    workers = outbox.workers(session, actor=account)
    messages = outbox.messages_for_review(session, actor=account)

alive = [w for w in workers if w.alive]
if alive:
    newest = alive[0]
    st.success(_("The SMS worker is running (last heartbeat {when}; {count} sent).",
                 when=local_time(newest.last_beat_at), count=sum(w.messages_sent for w in alive)))
else:
    st.warning(_("No SMS worker is running: messages wait in the outbox until one starts."))

st.dataframe(
    [
        {
            _("Number"): m.id,
            _("Status"): label(m.status),
            _("Kind"): label(m.kind),
            _("To"): mask(m.to_phone),
            _("Due"): local_time(m.due_at),
            _("Segments"): m.segments,
            _("Attempts"): m.attempts,
            _("Error"): " ".join(part for part in (m.error_code, reason(m.error_message)) if part),
        }
        for m in messages
    ],
    hide_index=True,
    width="stretch",
)

resendable = [m for m in messages if m.status in outbox.RESENDABLE_STATUSES]
if resendable:
    with st.form("resend"):
        chosen = st.selectbox(
            _("Send a message again"),
            [m.id for m in resendable],
            format_func=lambda i: next(f"{m.id} · {label(m.kind)} · {mask(m.to_phone)}" for m in resendable if m.id == i),
            key="resend_choice",
            placeholder=_("Choose"),
        )
        if st.form_submit_button(_("Send again")):
            actions.run(outbox.resend, actor=account, message_id=chosen, rerun=False,
                        success=lambda copy: _("Message {id} is queued to be sent again.", id=copy.id))
