"""Public: a resident asks for an hour of listening. No account; consent first; crisis help at once."""

from dataclasses import dataclass

import streamlit as st

from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import InvalidInput, ServiceError
from listening.core.i18n import _, get_locale, ngettext
from listening.residents import intake
from listening.residents.references import reference
from ui import shell
from ui.request_form import FieldProblems, clear, crisis_card, form_fields

SENT = "request_sent"  # what the last press of "send" stored, shown after the rerun that clears the form
PROBLEMS = "request_problems"
CONSENTS = ("request_sensitive_consent", "request_sms_consent")


@dataclass(frozen=True)
class Sent:
    reference: str
    sms_consent: bool
    risk: bool


settings = get_settings()
st.title(_("Ask for a listening hour"))
st.markdown(_("A trained volunteer from your community listens to you for an hour: at the centre, by phone or at "
              "your home. Tell us how to reach you and when it suits you; we will text you to confirm."))
st.info(_("The service is free. No volunteer will ever ask you for money, gifts or investments."), icon="🆓")

problems: FieldProblems = st.session_state.get(PROBLEMS) or FieldProblems()
form = form_fields("request", problems)
if intake.topic_risks(form.topic):  # crisis help as soon as it is typed, before anything is sent
    crisis_card()

with st.expander(_("How we use your information"), expanded=False):
    st.markdown(_(
        "We use your name, phone number, community, the times that suit you and what you choose to tell us only "
        "to arrange your listening hour. Only the centre's coordinators see your request; the volunteer who "
        "meets you sees your phone number (and your address for a home visit) shortly before the visit. We "
        "never sell or share your information, and you can ask the centre at {phone} to delete it at any time.",
        phone=settings.centre_phone))
form.sensitive_consent = st.checkbox(
    _("I agree that the centre uses this information, including what I wrote about how I feel, to arrange my "
      "listening hour (required)."), key=CONSENTS[0])
problems.show("sensitive_consent", form.sensitive_consent)
form.sms_consent = st.checkbox(
    _("I agree to get text messages about my request and visit (optional; without it the centre will call "
      "you)."), key=CONSENTS[1])
form.locale = get_locale()

if st.button(_("Send my request"), type="primary", key="request_send"):
    st.session_state.pop(SENT, None)
    try:
        with session_scope() as session:
            result = intake.submit(session, form=form, client_address=shell.client_address())
    except InvalidInput as error:
        st.session_state[PROBLEMS] = FieldProblems.of(error, form)
    except ServiceError as error:
        st.session_state.pop(PROBLEMS, None)
        shell.show_error(error)
        st.stop()
    else:
        st.session_state.pop(PROBLEMS, None)
        st.session_state[SENT] = Sent(reference(result.request.id), form.sms_consent, bool(result.risk_kinds))
        clear("request", *CONSENTS)  # a fresh form: pressing again cannot send the same request twice
    st.rerun()

if count := problems.still_open(form):
    st.warning(ngettext("Nothing was sent yet. Please correct the field marked above.",
                        "Nothing was sent yet. Please correct the {n} fields marked above.", count), icon="✏️")

if (sent := st.session_state.get(SENT)) is not None:
    # The same answer whether or not the number was known: the page never tells a stranger that a number
    # has asked for help. It depends only on what this person typed.
    days = settings.request_reply_working_days
    st.success(_("Thank you. We received your request. Your reference is **{reference}**: please note it, and "
                 "give it if you call the centre.", reference=sent.reference), icon="✅")
    st.markdown("**" + _("What happens next") + "**")
    st.markdown(ngettext("A coordinator will call or text you within {n} working day to arrange the time and the "
                         "volunteer.",
                         "A coordinator will call or text you within {n} working days to arrange the time and the "
                         "volunteer.", days)
                + " " + _("If you have not heard from us by then, please call the centre on {phone}.",
                          phone=settings.centre_phone))
    if not sent.sms_consent:
        st.info(_("You chose no text messages: the centre will phone you to arrange the visit and to remind "
                  "you of it."))
    if sent.risk:
        crisis_card()
