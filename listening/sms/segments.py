"""How many SMS segments a body costs, the way carriers (and Twilio) count them.

A body that fits the GSM 03.38 alphabet is sent as GSM-7: 160 septets in a single SMS, 153 per segment once it
is split (7 septets go to the concatenation header). Characters of the extension table (``{ } [ ] ~ | ^ \\ €``
and form feed) are an escape plus a septet, so they count double. Anything else, which includes every Chinese
character, forces UCS-2 for the whole message: 70 UTF-16 code units, 67 per segment when split; characters
outside the Basic Multilingual Plane (most emoji) take a surrogate pair, i.e. two units.

An escape sequence or a surrogate pair is never cut across two segments, so a message is packed greedily
rather than divided by 153 or 67 (this is what Twilio's own segment calculator does).

No maintained PyPI package does this (the candidates are unmaintained since 2011-2020), hence this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet, minus 0x1B (the escape into the extension table, not a character by itself).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE_LIMIT, GSM7_SEGMENT_LIMIT = 160, 153
UCS2_SINGLE_LIMIT, UCS2_SEGMENT_LIMIT = 70, 67


def encoding(body: str) -> Encoding:
    """The encoding a carrier will use for ``body``: GSM-7 if every character is in the GSM alphabet."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in body):
        return "GSM-7"
    return "UCS-2"


def segment_count(body: str) -> int:
    """Number of SMS segments ``body`` is billed and delivered as. An empty body still occupies one SMS."""
    if encoding(body) == "GSM-7":
        septets = (2 if char in GSM7_EXTENSION else 1 for char in body)
        return _pack(septets, GSM7_SINGLE_LIMIT, GSM7_SEGMENT_LIMIT)
    code_units = (2 if ord(char) > 0xFFFF else 1 for char in body)
    return _pack(code_units, UCS2_SINGLE_LIMIT, UCS2_SEGMENT_LIMIT)


def _pack(unit_sizes: Iterable[int], single_limit: int, segment_limit: int) -> int:
    """Segments needed for characters of the given sizes, never splitting one character between segments."""
    sizes = list(unit_sizes)
    if sum(sizes) <= single_limit:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > segment_limit:
            segments, used = segments + 1, 0
        used += size
    return segments
