"""SMS bodies for every MessageKind, in the recipient's language (zh_CN or en), from the gettext catalogs.

Rules every body keeps (tests/test_templates.py checks each kind in both languages):
* it starts with the programme's signature 【倾听一小时】 (Chinese carriers expect a bracketed signature first);
* it contains no URL (mainland carriers reject messages with links);
* resident and volunteer messages say the service is free (an account invite says instead never to share its code);
* Twilio has no two-way SMS for +86 numbers, so a +86 number is never asked to reply: it is given the centre's
  phone number to confirm or cancel. Other numbers may be asked to reply 1 or 2.
* no resident's words, no emotional content, no address: a lost phone shows only a time and a phone number.
* a resident's text fits one SMS where the language allows: Chinese is UCS-2, 70 characters with the signature
  (tests/sms/test_templates.py renders each with the longest realistic values: 31 Dec 23:30, the longest mode,
  a compound family name, the default centre number; a volunteer with a Latin name costs a second segment).
  English cannot: mainland carriers require a Chinese signature, which makes the whole message UCS-2 too, and
  the time, the centre's number and "free" alone pass 70; an English text takes at most three segments.
* an activity's details (a volunteer suggested it) are one message of up to three Chinese segments: its name,
  time, place and cost are the coordinator's text (connection/activities.py keeps them short and without links).
* a phone visit says who will call (callers.py: "志愿者王女士", "volunteer Anna", or "a volunteer") and when.
* feedback after a visit (listening/feedback/asking.py) asks two questions answered by ONE reply of two digits:
  the first is the score 1-5 ("did you feel listened to"), the second 1 = yes / 2 = no ("did anyone ask you for
  money, gifts, investment, or to talk outside the programme"), e.g. "52", "5 2" or "５，２". Two digits never
  collide with the one-digit confirm/cancel replies. A +86 number is not asked: it is told the centre will phone
  (Twilio cannot receive replies from +86), and the coordinator records the answers (a "feedback call" task).
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, format_time

from listening.core.config import get_settings
from listening.core.i18n import DEFAULT_LOCALE, LOCALES, N_, translations
from listening.core.labels import label_in
from listening.core.phones import is_mainland
from listening.models import MessageKind, Mode

SIGNATURE = "【倾听一小时】"

_FREE_RESIDENT = N_("It is free; volunteers never ask for money.")
_FREE_VOLUNTEER = N_("The service is free for residents; never accept money or gifts.")
_CALL_TO_CONFIRM = N_("To confirm or cancel, call {centre_phone}.")
_REPLY_TO_CONFIRM = N_("Reply 1 to confirm or 2 to cancel.")
_CALL_TO_REBOOK = N_("For another time, call {centre_phone}.")
_CALL_WITH_QUESTIONS = N_("Questions: call {centre_phone}.")
# A resident's visit time, short: "12月31日23:30", "Dec 31, 11:30 PM" (no year: a visit is days away at most).
_RESIDENT_WHEN = N_("{date}, {time}")
# Who will phone a resident for a phone visit (callers.py); never at the start of a sentence.
_CALLER_NAMED = N_("volunteer {name}")
_CALLER_UNNAMED = N_("a volunteer")
# A re-alert (`realert=True`): the same facts, and that nobody has taken the escalation on yet.
_REALERT = N_("Safeguarding alert {reference} is still not acknowledged: a coordinator is needed now. "
              "Please open the app.")

# (main text for a resident, main text for a volunteer or coordinator). None: that recipient never gets the kind.
_MAIN: dict[MessageKind, tuple[str | None, str | None]] = {
    MessageKind.request_received: (
        N_("We have your request for a listening hour and will arrange a time with you soon."),
        None,
    ),
    MessageKind.visit_scheduled: (
        N_("Your listening hour is booked: {when} ({mode})."),
        N_("You have a listening visit on {when} ({mode}). The details are in the app."),
    ),
    MessageKind.reminder_24h: (
        N_("Reminder: your listening hour is tomorrow, {when} ({mode})."),
        N_("Reminder: you have a listening visit tomorrow, {when} ({mode})."),
    ),
    MessageKind.reminder_2h: (
        N_("Reminder: your listening hour starts at {when} ({mode})."),
        N_("Reminder: your listening visit starts in 2 hours, at {when} ({mode})."),
    ),
    MessageKind.cancellation: (
        N_("Your listening hour on {when} is cancelled."),
        N_("The listening visit on {when} has been cancelled. You do not need to go."),
    ),
    MessageKind.no_show_followup: (
        N_("We missed you at your listening hour on {when}; we hope you are well."),
        None,
    ),
    MessageKind.safeguarding_alert: (
        None,
        N_("Safeguarding alert {reference}: a coordinator is needed now. Please open the app."),
    ),
    MessageKind.reply_help: (
        N_("We could not read your message."),
        None,
    ),
    MessageKind.reply_ack: (
        N_("Thank you: your listening hour on {when} is confirmed."),
        None,
    ),
    MessageKind.coordinator_notice: (
        None,
        N_("Request {reference}: the resident cancelled the visit on {when} by SMS. It is back in the queue."),
    ),
    MessageKind.account_invite: (
        None,
        N_("Your volunteer account code: {code}, valid for {hours} hours. On the centre's website, open "
           "“Set your password” and enter username {username} and this code."),
    ),
    MessageKind.application_code: (
        None,
        N_("Your code for the volunteer application: {code}, valid for {minutes} minutes. Type it on the "
           "application page."),
    ),
    MessageKind.supervision_reminder: (
        None,
        N_("It is time for your supervision: please call the centre to book one, {centre_phone}."),
    ),
    MessageKind.activity_suggestion: (
        N_("An activity for you: {activity}, {schedule}, {place}, {cost}."),
        None,
    ),
    MessageKind.feedback_request: (
        # The Chinese is exactly one SMS with the signature and "free" (the English three, UCS-2): keep it short.
        N_("Did you feel listened to (1-5)? Did anyone ask you for money, gifts, investment or private contact "
           "(1 yes, 2 no)? Reply two digits, e.g. 52."),
        None,
    ),
    MessageKind.feedback_thanks: (
        N_("Thank you for your answers."),
        None,
    ),
    MessageKind.complaint_received: (
        N_("We have your complaint {complaint}. A coordinator will look into it and tell you the outcome within "
           "{days} days."),
        None,
    ),
    MessageKind.complaint_outcome: (
        N_("Your complaint {complaint} is closed: {outcome}."),
        None,
    ),
}
# Feedback to a +86 number (no replies from there): the centre phones for the two answers instead.
_FEEDBACK_BY_PHONE = N_("The centre will phone you with two short questions about your listening hour.")
# A reply the feedback parser could not read, while that number has a question open.
_FEEDBACK_NOT_READ = N_("We could not read your answer. Reply two digits: first 1-5, then 1 yes or 2 no, e.g. 52.")
# A complaint's outcome as the resident is told it (ComplaintOutcome codes).
COMPLAINT_OUTCOME_WORDS = {
    "upheld": N_("we agreed with you and have acted on it"),
    "partly_upheld": N_("we agreed in part and have acted on it"),
    "not_upheld": N_("we looked into it and found no fault"),
    "withdrawn": N_("withdrawn at your request"),
}
# An activity's cost, in the activity SMS; and the programme's own "free" said so it is not read as the activity's.
_ACTIVITY_FREE = N_("free of charge")
_ACTIVITY_COST = N_("cost {amount}")
_ACTIVITY_PAID = N_("there is a fee")
_FREE_LISTENING = N_("Listening Hour is free; volunteers never ask for money.")
# A volunteer overdue for a listening session rather than supervision (`overdue="sessions"`).
_SESSIONS_OVERDUE = N_("We have not seen you at a listening session for a while: call the centre for your next "
                       "one, {centre_phone}.")
_NEVER_SHARE_CODE = N_("Never share this code.")

# A volunteer who has no account yet (so no app) gets what they need in the SMS itself: when, how, and where, or
# whom to call. Never the resident's number or address: an SMS outlives the contact window (privacy/access.py).
_VOLUNTEER_BOOKED_NO_APP = N_("You have a listening visit on {when} ({mode}).")
_VOLUNTEER_WHERE = {
    Mode.centre: N_("Place: the community centre."),
    Mode.phone: N_("You call the resident: get their number from the centre, {centre_phone}."),
    Mode.home: N_("Get the address and number from the centre, {centre_phone}."),
}
_VOLUNTEER_VISIT_KINDS = frozenset({MessageKind.visit_scheduled, MessageKind.reminder_24h, MessageKind.reminder_2h})

# A phone visit: the resident is told who will call them, and when (the mode goes without saying).
_PHONE_VISIT: dict[MessageKind, str] = {
    MessageKind.visit_scheduled: N_("Your listening hour is booked: {caller} will call you on {when}."),
    MessageKind.reminder_24h: N_("Reminder: {caller} will call you tomorrow, {when}."),
    MessageKind.reminder_2h: N_("Reminder: {caller} will call you at {when}."),
}

RESIDENT_ONLY = frozenset(kind for kind, (resident, staff) in _MAIN.items() if staff is None)
APPLICANT_ONLY = frozenset({MessageKind.application_code})  # to someone applying, not yet a volunteer
STAFF_ONLY = frozenset(kind for kind, (resident, staff) in _MAIN.items() if resident is None) - APPLICANT_ONLY


def render(kind: MessageKind, *, locale: str, to_phone: str, recipient: str | None = None, **params: object) -> str:
    """The body of one SMS. `recipient` is "resident" (the default), "volunteer" or "coordinator" (the default
    for safeguarding alerts and coordinator notices).

    Params: `complaint` (its reference), `days` (the deadline) and `outcome` (a ComplaintOutcome code) for the
    complaint kinds; `feedback=True` for a help reply to a number with a feedback question open; `starts_at` (aware datetime, shown in settings.tz) and `mode` (Mode) for visit messages, `caller`
    (callers.short_name, or None for "a volunteer") for a resident's phone visit, and `signs_in=False` for a
    volunteer without an account (the SMS then says where, or whom to call);
    `overdue="sessions"` for a supervision reminder to a volunteer who has not listened for a while;
    `activity_name`, `activity_time`, `activity_place`, `activity_free` and `activity_cost` (None or the amount
    as typed) for an activity's details;
    `escalation_id` for a safeguarding alert (`realert=True` when nobody has acknowledged it yet), `request_id`
    for a coordinator notice (shown as #id); `username`, `code` and `hours` for an account invite; `code` and
    `minutes` for an application code (`recipient="applicant"`).
    """
    settings = get_settings()
    if recipient is None:
        recipient = "coordinator" if kind in STAFF_ONLY else "applicant" if kind in APPLICANT_ONLY else "resident"
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    text = translations(locale).gettext
    to_resident = recipient == "resident"
    resident_main, staff_main = _MAIN[kind]
    main = resident_main if to_resident else staff_main
    if kind == MessageKind.safeguarding_alert and params.get("realert"):
        main = _REALERT
    if kind == MessageKind.supervision_reminder and params.get("overdue") == "sessions":
        main = _SESSIONS_OVERDUE
    if main is None:
        raise ValueError(f"{kind} is not a message for a {recipient}")
    if kind == MessageKind.feedback_request and is_mainland(to_phone):
        main = _FEEDBACK_BY_PHONE
    if kind == MessageKind.reply_help and params.get("feedback") and not is_mainland(to_phone):
        main = _FEEDBACK_NOT_READ
    mode = params.get("mode")
    if to_resident and mode is not None and Mode(mode) == Mode.phone and kind in _PHONE_VISIT:
        main = _PHONE_VISIT[kind]

    reference = params.get("escalation_id") or params.get("request_id")
    values: dict[str, object] = {"centre_phone": settings.centre_phone, "reference": f"#{reference}" if reference else ""}
    starts_at = params.get("starts_at")
    if isinstance(starts_at, datetime) and to_resident:
        values["when"] = _resident_when(starts_at.astimezone(settings.tz), locale)
    elif isinstance(starts_at, datetime):
        values["when"] = babel_format_datetime(
            starts_at.astimezone(settings.tz), format="short", tzinfo=settings.tz, locale=locale
        )
    if mode is not None:
        values["mode"] = label_in(Mode(mode), locale)
    if kind == MessageKind.activity_suggestion:
        values.update(activity=params.get("activity_name", ""), schedule=params.get("activity_time", ""),
                      place=params.get("activity_place", ""), cost=_activity_cost(params, text))
    values.update({key: params[key] for key in ("username", "code", "hours", "minutes") if key in params})
    values["complaint"] = params.get("complaint", "")
    values["days"] = params.get("days", get_settings().complaint_days)
    outcome_words = COMPLAINT_OUTCOME_WORDS.get(str(params.get("outcome")))
    values["outcome"] = text(outcome_words) if outcome_words else ""
    caller = params.get("caller")
    values["caller"] = text(_CALLER_NAMED).format(name=caller) if caller else text(_CALLER_UNNAMED)

    without_app = recipient == "volunteer" and params.get("signs_in") is False and kind in _VOLUNTEER_VISIT_KINDS
    if without_app and kind == MessageKind.visit_scheduled:
        main = _VOLUNTEER_BOOKED_NO_APP
    parts = [text(main).format(**values)]
    if without_app and mode is not None:
        parts.append(text(_VOLUNTEER_WHERE[Mode(mode)]).format(**values))
    if to_resident:
        parts.extend(text(p).format(**values) for p in _resident_actions(kind, to_phone,
                                                                            feedback=bool(params.get("feedback"))))
        parts.append(text(_FREE_LISTENING if kind == MessageKind.activity_suggestion else _FREE_RESIDENT))
    elif recipient == "volunteer":
        parts.append(text(_NEVER_SHARE_CODE if kind == MessageKind.account_invite else _FREE_VOLUNTEER))
    elif recipient == "applicant":
        parts.append(text(_NEVER_SHARE_CODE))
    separator = "" if locale == DEFAULT_LOCALE else " "  # Chinese runs sentences together
    return SIGNATURE + separator.join(parts)


def _activity_cost(params: dict, text) -> str:
    if params.get("activity_free", True):
        return text(_ACTIVITY_FREE)
    amount = params.get("activity_cost")
    return text(_ACTIVITY_COST).format(amount=amount) if amount else text(_ACTIVITY_PAID)


def _resident_when(local: datetime, locale: str) -> str:
    """Month, day and time, without the year or the narrow spaces CLDR puts before "PM"."""
    tz = local.tzinfo
    day = format_skeleton("MMMd", local, tzinfo=tz, locale=locale)
    clock = format_time(local, "short", tzinfo=tz, locale=locale)
    when = translations(locale).gettext(_RESIDENT_WHEN).format(date=day, time=clock)
    return when.replace("\u202f", " ").replace("\u00a0", " ")


def _resident_actions(kind: MessageKind, to_phone: str, *, feedback: bool = False) -> list[str]:
    """What the resident can do next. A +86 number is never asked to reply (no two-way SMS there)."""
    mainland = is_mainland(to_phone)
    if kind in (MessageKind.visit_scheduled, MessageKind.reminder_24h, MessageKind.reminder_2h):
        return [_CALL_TO_CONFIRM] if mainland else [_REPLY_TO_CONFIRM, _CALL_TO_CONFIRM]
    if kind == MessageKind.reply_help and feedback and not mainland:
        return []  # the main text says how to answer
    if kind == MessageKind.reply_help:
        return [_CALL_TO_CONFIRM] if mainland else [_REPLY_TO_CONFIRM, _CALL_TO_CONFIRM]
    if kind == MessageKind.complaint_outcome:
        return [_CALL_WITH_QUESTIONS]
    if kind in (MessageKind.cancellation, MessageKind.no_show_followup):
        return [_CALL_TO_REBOOK]
    if kind in (MessageKind.request_received, MessageKind.reply_ack, MessageKind.activity_suggestion):
        return [_CALL_WITH_QUESTIONS]
    return []
