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
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class ReplyIntent(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
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


def classify_reply(body: str) -> ReplyIntent:
    """The intent of an inbound SMS body; OTHER when it is not exactly one known keyword."""
    return _INTENT_BY_KEYWORD.get(normalize_reply(body), ReplyIntent.OTHER)
