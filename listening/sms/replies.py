"""What a resident meant by an SMS reply: confirm, cancel, opt out, opt back in, ask for help, or something else.

A reply is a keyword only when the whole message is that keyword, once folded: NFKC (full-width ``ＹＥＳ`` and
``１`` become ``YES`` and ``1``, circled ``①`` becomes ``1``), case-folded, with whitespace, punctuation and
invisible format characters removed anywhere in it (``"确认。"``, ``" Y! "``, ``"【1】"``). Longer text such as
``"yes please"`` is OTHER: a person should read it. Twilio matches its own keywords the same whole-body way.

Two choices agree with Twilio rather than with our own wording, because on numbers where Twilio applies its
default opt-out handling it acts on these words before our app sees them:

* English ``CANCEL`` is an OPT_OUT, not a visit cancellation. Twilio treats it as an opt-out keyword and blocks
  further messages to that resident, so calling it a visit cancellation would promise a follow-up SMS that can
  no longer be delivered. Our cancel words are ``2``, ``N``, ``NO`` and ``取消``.
* ``YES`` is CONFIRM. Twilio also counts ``YES`` as an opt-in; we do not, so a resident who opted out is only
  written to again after START/UNSTOP. (Being stricter than the carrier is the safe side of that difference.)

Two more intents are not a single keyword:

* FEEDBACK is exactly two digits once folded: the score 1-5, then 1 (yes, someone asked for money or private
  contact) or 2 (no). ``"52"``, ``"5 2"``, ``"5,2"`` and full-width ``"５，２"`` all read as (5, no). Two digits are
  never a confirm/cancel reply (those are one digit), so one reply is unambiguous. Any other two digits ("62",
  "53") are OTHER: the resident is asked again.
* COMPLAINT is a message that starts with 投诉 or COMPLAINT (any case, full-width too); the rest is its text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ReplyIntent(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    FEEDBACK = "feedback"
    COMPLAINT = "complaint"
    OTHER = "other"


# Twilio's default opt-out, opt-in and help keywords (Advanced Opt-Out defaults).
TWILIO_OPT_OUT_KEYWORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
TWILIO_OPT_IN_KEYWORDS = ("START", "UNSTOP")  # Twilio's list also has YES; for us YES confirms a visit.
TWILIO_HELP_KEYWORDS = ("HELP", "INFO")

KEYWORDS: dict[ReplyIntent, tuple[str, ...]] = {
    ReplyIntent.CONFIRM: ("1", "Y", "YES", "确认", "是"),
    ReplyIntent.CANCEL: ("2", "N", "NO", "取消"),
    ReplyIntent.OPT_OUT: (*TWILIO_OPT_OUT_KEYWORDS, "TD", "退订"),
    ReplyIntent.OPT_IN: TWILIO_OPT_IN_KEYWORDS,
    ReplyIntent.HELP: (*TWILIO_HELP_KEYWORDS, "帮助"),
}

# Unicode categories removed before matching: punctuation (P*), separators (Z*), control characters (Cc: tabs,
# newlines) and format characters (Cf: zero-width spaces and the BOM some handsets prepend).
_IGNORED_CATEGORY_PREFIXES = ("P", "Z", "Cc", "Cf")


def normalize_reply(body: str) -> str:
    """The folded form of a reply that keywords are compared against."""
    folded = unicodedata.normalize("NFKC", body).casefold()
    return "".join(
        char for char in folded if not unicodedata.category(char).startswith(_IGNORED_CATEGORY_PREFIXES)
    )


_INTENT_BY_KEYWORD: dict[str, ReplyIntent] = {
    normalize_reply(keyword): intent for intent, keywords in KEYWORDS.items() for keyword in keywords
}


_FEEDBACK = re.compile(r"^([1-5])([12])$")
COMPLAINT_KEYWORDS = ("投诉", "COMPLAINT")
# The keyword, not a longer word that starts with it ("complaints" is a complaint too; "complainant" is not).
_COMPLAINT_PREFIX = re.compile(r"^[\s\W_]*(?:投诉|complaints?(?![a-z]))[\s\W_]*")


@dataclass(frozen=True)
class FeedbackAnswer:
    score: int  # 1-5
    asked_for_money_or_contact: bool


def feedback_answer(body: str) -> FeedbackAnswer | None:
    """The two answers in a feedback reply ("52", "5 2", "５，２"), or None when it is not exactly that."""
    found = _FEEDBACK.match(normalize_reply(body))
    if found is None:
        return None
    return FeedbackAnswer(score=int(found.group(1)), asked_for_money_or_contact=found.group(2) == "1")


def complaint_text(body: str) -> str | None:
    """The text after 投诉 / COMPLAINT at the start of a message ("" when there is none), or None if the message
    does not start with the keyword."""
    folded = unicodedata.normalize("NFKC", body)
    found = _COMPLAINT_PREFIX.match(folded.casefold())
    if found is None:
        return None
    return folded[found.end():].strip()


def classify_reply(body: str) -> ReplyIntent:
    """The intent of an inbound SMS body; OTHER when it is not exactly one known keyword (or feedback digits, or
    a complaint)."""
    intent = _INTENT_BY_KEYWORD.get(normalize_reply(body))
    if intent is not None:
        return intent
    if feedback_answer(body) is not None:
        return ReplyIntent.FEEDBACK
    if complaint_text(body) is not None:
        return ReplyIntent.COMPLAINT
    return ReplyIntent.OTHER
