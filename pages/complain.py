"""Public: a resident (or anyone) complains. No account; a reference at once; the outcome by SMS or a call."""

import streamlit as st

from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import InvalidForm, InvalidInput, ServiceError
from listening.core.i18n import _, get_locale
from listening.residents import complaints, intake
from listening.residents.references import complaint_reference
from ui import shell
from ui.inert import md
from ui.request_form import crisis_card

SENT = "complaint_sent"  # the reference of the last complaint sent, shown after the rerun that clears the form
KEYS = ("complaint_name", "complaint_phone", "complaint_text", "complaint_sms")

settings = get_settings()
st.title(_("Make a complaint"))
st.markdown(_("Tell us if something went wrong: a visit, a volunteer, or how we handled your request. A "
              "coordinator looks into every complaint and tells you the outcome within {days} days. You can also "
              "text 投诉 or COMPLAINT and your message, or call the centre on {phone}.",
              days=settings.complaint_days, phone=settings.centre_phone))
st.info(_("If someone from the programme asked you for money, gifts or investments, please tell us: the "
          "service is free and no volunteer may ask."), icon="🆓")

if st.session_state.pop("complaint_clear", False):
    for key in KEYS:
        st.session_state[key] = False if key == "complaint_sms" else ""
name = st.text_input(_("Your name (optional)"), max_chars=complaints.NAME_MAX, key="complaint_name")
phone = st.text_input(_("Phone number, for the answer"), key="complaint_phone", placeholder="138 0000 0000")
text = st.text_area(_("What went wrong?"), max_chars=complaints.TEXT_MAX, key="complaint_text")
if intake.topic_risks(text):  # crisis help as soon as it is typed, as on the request page
    crisis_card()
sms = st.checkbox(_("Send me the outcome by text message (without it the centre will call you)."),
                  key="complaint_sms")

if st.button(_("Send my complaint"), type="primary", key="complaint_send"):
    st.session_state.pop(SENT, None)
    form = complaints.ComplaintForm(name=name, phone=phone, text=text, sms_consent=sms, locale=get_locale())
    try:
        with session_scope() as session:
            sent = complaints.submit(session, form=form, client_address=shell.client_address())
    except InvalidInput as error:
        problems = error.problems.values() if isinstance(error, InvalidForm) else [error]
        for problem in problems:
            st.error(problem.translated(escape=md), icon=":material/error:")
    except ServiceError as error:
        shell.show_error(error)
    else:
        st.session_state[SENT] = complaint_reference(sent.id)
        st.session_state["complaint_clear"] = True
        st.rerun()

if (reference := st.session_state.get(SENT)) is not None:
    st.success(_("Thank you. We received your complaint. Your reference is **{reference}**: please give it if you "
                 "call the centre.", reference=reference), icon="✅")
