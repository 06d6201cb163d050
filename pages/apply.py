"""Public: a neighbour applies to become a listening volunteer. No account; a code by SMS proves the number;
every problem is shown at once beside its field; the code of conduct is read before anyone applies."""

import streamlit as st

from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import InvalidForm, InvalidInput, ServiceError
from listening.core.i18n import _, format_date, format_time, get_locale, ngettext
from listening.models import DayKind, Gender, Language, PartOfDay
from listening.residents.communities import all_communities, community_name
from listening.volunteers import applications, phone_codes, vetting
from ui import shell
from ui.format import label
from ui.inert import md
from ui.request_form import PART_OF_DAY_LABELS

PREFIX = "apply"
SENT = "apply_sent"  # the reference of the last application stored, shown after the rerun that clears the form
PROBLEMS = "apply_problems"
CODE_SENT = "apply_code_sent"
FIELDS = {"name": "", "gender": None, "phone": "", "code": "", "community": None, "languages": [], "days": [],
          "parts": [], "motivation": "", "conduct": False, "consent": False}

settings = get_settings()
if st.session_state.pop(f"{PREFIX}_clear", False):  # set before the widgets exist: what the browser then shows
    for name, empty in FIELDS.items():
        st.session_state[f"{PREFIX}_{name}"] = list(empty) if isinstance(empty, list) else empty
    st.session_state.pop(CODE_SENT, None)
problems: dict[str, InvalidInput] = st.session_state.get(PROBLEMS) or {}


def show_problem(field: str) -> None:
    if (problem := problems.get(field)) is not None:
        st.error(problem.translated(escape=md), icon=":material/error:")


st.title(_("Become a listening volunteer"))
st.markdown(_("Listening volunteers give a neighbour an hour of real listening: at the centre, by phone or at "
              "home. You do not need experience: the centre trains you, a trainer watches your first sessions, "
              "and a supervisor meets you regularly. Most volunteers give two to four hours a week."))
st.markdown("**" + _("What happens after you apply") + "**")
st.markdown(_("A coordinator calls you for a short interview. Then a reference from someone who knows you (or your "
              "community), a real-name check at the centre, signing the code of conduct, and the training. Only "
              "then do you listen, first beside an experienced volunteer."))
with st.container(border=True):
    st.markdown("**" + _("The volunteers' code of conduct") + "**")
    st.markdown("\n".join(f"{n}. {_(line)}" for n, line in enumerate(vetting.CODE_OF_CONDUCT, start=1)))

with session_scope() as session:
    communities = all_communities(session)
names = {c.code: community_name(c) for c in communities}

full_name = st.text_input(_("Your full name"), max_chars=applications.NAME_MAX, key=f"{PREFIX}_name")
show_problem("full_name")
gender = st.radio(_("Gender"), list(Gender), format_func=label, index=None, horizontal=True, key=f"{PREFIX}_gender")
show_problem("gender")
phone = st.text_input(_("Mobile number"), key=f"{PREFIX}_phone", placeholder="138 0000 0000")
show_problem("phone")
if st.button(_("Send me a code by text message"), key=f"{PREFIX}_send_code", icon=":material/sms:"):
    try:
        with session_scope() as session:
            sent = phone_codes.send_code(session, phone=phone, client_address=shell.client_address(),
                                         locale=get_locale())
    except ServiceError as error:
        shell.show_error(error)
    else:
        st.session_state[CODE_SENT] = sent
if (sent := st.session_state.get(CODE_SENT)) is not None:
    if sent.sms_blocked:
        st.warning(_("This number has stopped text messages from the centre, so no code can reach it. Please call "
                     "the centre on {phone} to apply.", phone=settings.centre_phone))
    else:
        st.info(_("A code is on its way to {phone}. It works until {time}.", phone=sent.masked_phone,
                  time=format_time(sent.expires_at, settings.tz)), icon=":material/sms:")
code = st.text_input(_("The code from the text message"), max_chars=20, key=f"{PREFIX}_code")
show_problem("code")

community = st.selectbox(_("Your community"), list(names), index=None, format_func=names.get,
                         placeholder=_("Choose"), key=f"{PREFIX}_community")
show_problem("community")
languages = st.multiselect(_("Languages and dialects you speak"), list(Language), format_func=label,
                           placeholder=_("Choose"), key=f"{PREFIX}_languages", select_all=False)
show_problem("languages")
st.markdown("**" + _("When could you listen?") + "**")
days = st.multiselect(_("Days"), list(DayKind), format_func=label, placeholder=_("Choose"), key=f"{PREFIX}_days",
                      select_all=False)
show_problem("days")
parts = st.multiselect(_("Parts of the day"), list(PartOfDay), format_func=lambda p: _(PART_OF_DAY_LABELS[p]),
                       placeholder=_("Choose"), key=f"{PREFIX}_parts", select_all=False)
show_problem("parts_of_day")
motivation = st.text_area(_("Why would you like to listen? (optional)"), max_chars=5000, key=f"{PREFIX}_motivation")
if too_long := applications.motivation_problem(motivation):  # at once, keeping what was typed
    st.error(too_long.translated(), icon=":material/error:")
conduct = st.checkbox(_("I have read the code of conduct and will keep it, including never asking residents for "
                        "money, gifts or private contact."), key=f"{PREFIX}_conduct")
show_problem("code_of_conduct")
consent = st.checkbox(_("I agree that the centre uses these details, including what I wrote, to consider my "
                        "application. They are seen only by the centre's coordinators."), key=f"{PREFIX}_consent")
show_problem("consent")

if st.button(_("Send my application"), type="primary", key=f"{PREFIX}_submit"):
    form = applications.ApplicationForm(full_name=full_name, gender=gender, phone=phone, community_code=community or "",
                                        languages=languages, days=days, parts_of_day=parts, motivation=motivation,
                                        consent=consent, code_of_conduct=conduct, code=code, locale=get_locale())
    try:
        with session_scope() as session:
            submitted = applications.submit(session, form=form)
    except InvalidInput as error:
        st.session_state[PROBLEMS] = error.problems if isinstance(error, InvalidForm) else {error.field or "": error}
        st.session_state.pop(SENT, None)
    except ServiceError as error:
        st.session_state.pop(PROBLEMS, None)
        shell.show_error(error)
        st.stop()
    else:
        st.session_state.pop(PROBLEMS, None)
        st.session_state[SENT] = submitted
        st.session_state[f"{PREFIX}_clear"] = True  # a fresh form: pressing again cannot apply twice
    st.rerun()

if problems:
    show_problem("")  # a problem of no one field
    st.warning(ngettext("Nothing was sent yet. Please correct the field marked above.",
                        "Nothing was sent yet. Please correct the {n} fields marked above.", len(problems)),
               icon="✏️")
if (submitted := st.session_state.get(SENT)) is not None:
    if submitted.already_applied_on is not None:
        st.info(_("You applied on {date} already; your reference is **{reference}**. A coordinator will call you.",
                  date=format_date(submitted.already_applied_on), reference=submitted.reference))
    else:
        st.success(_("Thank you for applying. Your reference is **{reference}**: please note it, and give it if you "
                     "call the centre.", reference=submitted.reference), icon="✅")
    st.markdown(_("A coordinator will call you within a week to arrange the interview. If you have not heard from us "
                  "by then, please call the centre on {phone}.", phone=settings.centre_phone))
