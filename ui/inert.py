"""Text a person typed, made inert before Streamlit's markdown sees it.

Streamlit renders markdown (GitHub-flavoured, with autolinks, `:red[...]` colours, `:emoji:` shortcodes and
`$...$` maths) in st.markdown, captions, alerts, expander and radio labels. A resident's name or note must never
become a link, an image, a colour or bold text on a coordinator's screen, so every typed value that goes into
such a string passes through `md()` first. Where a whole value stands alone, `st.text` is simpler still.
"""

from __future__ import annotations

import re
import unicodedata

# Every ASCII punctuation mark that CommonMark lets a backslash escape, plus ':' (Streamlit's colour and emoji
# directives, autolinks) and '$' (maths). Escaping them all is simpler and safer than guessing which matter.
_ESCAPABLE = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
NAME = 80  # characters of a typed name shown in a title, heading or label (a 5,000-character name stays readable)


def _visible(ch: str) -> bool:
    # Control and format characters (zero-width spaces, bidi overrides) are dropped: they can hide or reorder text.
    return unicodedata.category(ch) not in {"Cc", "Cf"} or ch in "\n\t"


def md(value: object, *, max_chars: int | None = None) -> str:
    """`value` as markdown that renders exactly as its characters, on one line, optionally shortened."""
    text = "".join(ch for ch in str(value if value is not None else "") if _visible(ch))
    text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return _ESCAPABLE.sub(r"\\\1", text)
