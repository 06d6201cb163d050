"""What a person typed, made safe to store: one function every entry point calls before checking lengths.

Control characters (Unicode category Cc: NUL, escape, backspace, ...) and format characters (Cf: zero-width
spaces and joiners, bidi overrides, the byte-order mark) are removed; a multi-line field keeps its newlines and
tabs, with CR LF and lone CR turned into LF; the result is trimmed. The text is NOT NFKC-normalised: Chinese
full-width punctuation (，。！) is how residents write and is stored as typed. Matching code that wants folded
forms folds its own copy.
"""

from __future__ import annotations

import unicodedata

_REMOVED_CATEGORIES = frozenset({"Cc", "Cf"})
_LINE_SEPARATORS = {"\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


def clean_typed(text: str | None, *, multiline: bool = False) -> str:
    """The text without control and format characters, line endings normalised, trimmed.

    One-line fields (names, addresses, reasons) lose newlines and tabs too (each becomes a space, so two words
    never run together); multi-line fields (notes, topics) keep LF and tab. The zero-width joiner inside an
    emoji sequence goes as well: the family emoji becomes its members, which is still readable.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in text:
        ch = _LINE_SEPARATORS.get(ch, ch)
        if ch in "\n\t":
            out.append(ch if multiline else " ")
        elif unicodedata.category(ch) not in _REMOVED_CATEGORIES:
            out.append(ch)
    return "".join(out).strip()
