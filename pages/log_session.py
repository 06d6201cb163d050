import streamlit as st

from listening import safeguarding, sessions
from listening.connection import activities
from listening.core import clock
from listening.core.config import get_settings
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, get_locale, join_list, ngettext
from listening.models import Mode, Outcome, Role
from listening.sessions import log_saving
from listening.sessions.logs import OUTCOME_LABELS, TOPIC_LABELS, TOPICS, SessionLogInput
from ui import actions, shell
from ui.format import label, local_time

account = shell.require(Role.volunteer)
st.title(_("Log a session"))
CARD = "log_session_card"  # what the last log raised, shown after the rerun that refreshes the list


def crisis_card(card: dict) -> None:
    with st.container(border=True):
        st.error(_("Safety first: escalation #{id} has been raised ({risks}).", id=card["escalation_id"],
                   risks=join_list(_(r) for r in safeguarding.risk_label_ids(set(card["risks"])))))
        st.markdown("**" + _("What to do now") + "**")
        st.markdown("\n".join(f"{n}. {_(step)}" for n, step in enumerate(safeguarding.CRISIS_STEPS, start=1)))
        st.markdown("**" + _("Hotlines") + "**")
        for line in safeguarding.hotlines():
            st.markdown(f"📞 **{line.number}** · {line.name} · {line.hours}")
        if card.get("debrief"):
            st.info(ngettext("A debrief with a coordinator has been arranged for you. You will not be matched for "
                             "new visits for the next {n} hour. Look after yourself too.",
                             "A debrief with a coordinator has been arranged for you. You will not be matched for "
                             "new visits for the next {n} hours. Look after yourself too.", card["rest_hours"]))


def debrief_button() -> None:
    st.divider()
    if st.button(_("I would like to talk a session through with a coordinator"), key="ask_debrief"):
        actions.run(safeguarding.request_debrief, actor=account, rerun=False,
                    success=_("A coordinator will contact you for a debrief."))


ACTIVITY_NOTES = {
    "sms": _("The activity's details are on their way to the resident by SMS."),
    "no_sms": _("The resident has not agreed to text messages: please give them the activity's details yourself."),
    "retired": _("Nothing was sent about the activity: it was retired meanwhile, or the other volunteer on this "
                 "visit suggested it already."),
}

card = st.session_state.get(CARD)
if card:
    if card.get("unanswered"):
        st.warning(_("The resident has not answered several calls in a row. The coordinator has been alerted."))
    if card.get("escalation_id"):
        # The crisis card stays until the volunteer says they have read it.
        crisis_card(card)
        if st.button(_("I have read this"), key="dismiss_card"):
            st.session_state.pop(CARD, None)
            st.rerun()
    else:
        st.success(_("Thank you. The session is logged."))
        st.session_state.pop(CARD, None)
    if card.get("activity"):
        st.info(ACTIVITY_NOTES[card["activity"]])


try:
    with session_scope() as session:
        choices = sessions.loggable_visits(session, actor=account)
        offered = activities.catalogue(session, actor=account)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

if not choices:
    st.caption(_("Every visit you have held is logged. Thank you."))
    debrief_button()
    st.stop()

by_id = {c.visit_id: c for c in choices}
# Labels are made once, in this run's language (the format function may be called again later).
visit_labels = {c.visit_id: f"{local_time(c.starts_at, 'short')} · {label(c.mode)} · {c.resident_name}"
                for c in choices}
wanted = st.query_params.get("visit", "")  # the volunteer's home links here with ?visit=ID
preselected = list(by_id).index(int(wanted)) if wanted.isdigit() and int(wanted) in by_id else 0
visit_id = st.selectbox(_("Visit"), list(by_id), key="log_visit", format_func=visit_labels.get, index=preselected,
                        placeholder=_("Choose"))
chosen = by_id[visit_id]
tz = get_settings().tz
local_start, local_end = chosen.starts_at.astimezone(tz), chosen.ends_at.astimezone(tz)

with st.form(f"log_{visit_id}"):
    outcome_labels = {o: _(OUTCOME_LABELS[o]) for o in Outcome}
    outcome = st.radio(_("Did the session take place?"), list(Outcome), format_func=outcome_labels.get,
                       key="log_outcome", horizontal=True)
    mode_labels = {m: label(m) for m in Mode}
    mode = st.selectbox(_("How it took place"), list(Mode), index=list(Mode).index(chosen.mode),
                        format_func=mode_labels.get, key="log_mode", placeholder=_("Choose"))
    columns = st.columns(3)
    day = columns[0].date_input(_("Date"), value=local_start.date(), key="log_date")
    start = columns[1].time_input(_("Started"), value=local_start.time(), key="log_start", step=300)
    end = columns[2].time_input(_("Ended"), value=local_end.time(), key="log_end", step=300)
    columns = st.columns(2)
    mood_before = columns[0].select_slider(_("Resident's mood before (1 low - 5 good)"), options=[1, 2, 3, 4, 5],
                                           value=3, key="log_mood_before")
    mood_after = columns[1].select_slider(_("Resident's mood after (1 low - 5 good)"), options=[1, 2, 3, 4, 5],
                                          value=3, key="log_mood_after")
    st.markdown(_("Topics"))
    topic_columns = st.columns(4)
    topics = [t for n, t in enumerate(TOPICS)
              if topic_columns[n % 4].checkbox(_(TOPIC_LABELS[t]), key=f"log_topic_{t}")]
    follow_up = st.checkbox(_("The resident would like another session"), key="log_follow_up")
    note = st.text_area(_("Short note (your own words, no quotes, at most {n} characters)", n=sessions.NOTE_MAX),
                        key="log_note", max_chars=sessions.NOTE_MAX)
    st.markdown("**" + _("Risk checklist: tick anything you noticed") + "**")
    risks = {code for code in safeguarding.RISK_KINDS
             if st.checkbox(_(safeguarding.RISK_LABELS[code]), key=f"log_risk_{code}")}
    # Only when the resident is interested: a suggestion texts them the details once (no link, no reply asked).
    activity_labels = {a.id: f"{a.name(get_locale())} · {a.schedule} · {a.place}" for a in offered}
    activity = st.selectbox(_("Suggest an activity the resident is interested in (optional)"),
                            [None, *activity_labels], key="log_activity", placeholder=_("Choose"),
                            format_func=lambda i: _("none") if i is None else activity_labels[i],
                            help=_("Only for a session that took place. The resident gets the activity's name, time, "
                                   "place and cost by SMS, and a follow-up is due after two and six weeks."))
    submitted = st.form_submit_button(_("Save the log"), type="primary")

if submitted:
    entry = SessionLogInput(
        outcome=outcome, mode=mode, actual_start=clock.local_datetime(day, start),
        actual_end=clock.local_datetime(day, end), mood_before=mood_before, mood_after=mood_after,
        topics=topics, follow_up_wanted=follow_up, note=note, risks=risks, activity_id=activity,
    )
    try:
        result = log_saving.save_log(actor=account, visit_id=visit_id, entry=entry)
    except ServiceError as error:
        shell.show_error(error)
    else:
        st.session_state[CARD] = {
            "escalation_id": result.escalation.id if result.escalation else None,
            "risks": sorted(result.escalation.risk_kinds.split(",")) if result.escalation else [],
            "debrief": result.debrief is not None,
            "rest_hours": get_settings().cooling_off_hours,
            "unanswered": result.unanswered_alert is not None,
            "activity": None if activity is None or outcome != Outcome.held else "retired" if result.suggestion is None
            else "sms" if result.suggestion.message is not None else "no_sms",
        }
        st.rerun()

debrief_button()
