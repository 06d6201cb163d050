"""Public: a resident asks for an hour of listening. No account; consent first; crisis help at once."""

import streamlit as st

from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, get_locale
from listening.residents import intake
from ui import shell
from ui.request_form import crisis_card, form_fields

st.title(_("Ask for a listening hour"))
st.markdown(_("A trained volunteer from your community listens to you for an hour: at the centre, by phone or at "
              "your home. Tell us how to reach you and when it suits you; we will text you to confirm."))
st.info(_("The service is free. No volunteer will ever ask you for money, gifts or investments."), icon="🆓")

form = form_fields("request")
if intake.topic_risks(form.topic):  # crisis help as soon as it is typed, before anything is sent
    crisis_card()

with st.expander(_("How we use your information"), expanded=False):
    st.markdown(_(
        "We use your name, phone number, community, the times that suit you and what you choose to tell us only "
        "to arrange your listening hour. Only the centre's coordinators see your request; the volunteer who "
        "meets you sees your phone number (and your address for a home visit) shortly before the visit. We "
        "never sell or share your information, and you can ask the centre at {phone} to delete it at any time.",
        phone=get_settings().centre_phone))
form.sensitive_consent = st.checkbox(
    _("I agree that the centre uses this information, including what I wrote about how I feel, to arrange my "
      "listening hour (required)."), key="request_sensitive_consent")
form.sms_consent = st.checkbox(
    _("I agree to get text messages about my request and visit (optional; without it the centre will call "
      "you)."), key="request_sms_consent")
form.locale = get_locale()

if st.button(_("Send my request"), type="primary", key="request_send"):
    try:
        with session_scope() as session:
            result = intake.submit(session, form=form, client_address=shell.client_address())
    except ServiceError as error:
        shell.show_error(error)
    else:
        # The same answer whether or not the number was known: the page never tells a stranger that a number
        # has asked for help. It depends only on what this person typed.
        st.success(_("Thank you. We received your request and a coordinator will contact you soon."))
        if not form.sms_consent:
            st.info(_("You chose no text messages: the centre will phone you to arrange the visit and to remind "
                      "you of it."))
        if result.risk_kinds:
            crisis_card()
