"""Phone numbers: parsed and stored in E.164 with `phonenumbers`, masked wherever the viewer has no need."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import phonenumbers

from listening.core.config import get_settings
from listening.core.errors import InvalidInput
from listening.core.i18n import N_

DEFAULT_REGION = "CN"


def normalise(raw: str, *, region: str = DEFAULT_REGION, field: str = "phone") -> str:
    """E.164 for a mobile or fixed number typed by a person; full-width digits and spaces are accepted."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InvalidInput(N_("Please enter a phone number."), field=field)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(N_("This is not a phone number we can read: {value}"), field=field, value=text) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(N_("This phone number is not valid: {value}"), field=field, value=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mainland(e164: str) -> bool:
    return e164.startswith("+86")


def mask(e164: str | None) -> str:
    """+8613812345678 -> +86 138****5678: enough to tell numbers apart, not enough to call."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "****"
    national = str(number.national_number)
    if len(national) <= 4:
        return f"+{number.country_code} ****"
    keep_head = 3 if len(national) >= 10 else 1
    hidden = len(national) - keep_head - 4
    return f"+{number.country_code} {national[:keep_head]}{'*' * hidden}{national[-4:]}"


def display(e164: str) -> str:
    """The full number in the national format a person dials."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def opt_out_hash(e164: str) -> str:
    """A keyed HMAC-SHA256 of the E.164 number: what is left of an erased resident's opt-out. The key is
    OPT_OUT_PEPPER (or SECRET_KEY), so the hash cannot be reversed by trying every mobile number without it.
    Changing the key forgets the erased opt-outs: docs/privacy.md says so."""
    settings = get_settings()
    key = (settings.opt_out_pepper or settings.secret_key).encode("utf-8")
    return hmac.new(key, e164.encode("utf-8"), hashlib.sha256).hexdigest()
