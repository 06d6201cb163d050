"""Text a person typed, made inert before Streamlit's markdown sees it.

Streamlit renders markdown (GitHub-flavoured, with autolinks, `:red[...]` colours, `:emoji:` shortcodes and
`$...$` maths) in st.markdown, captions, alerts, expander and radio labels. A resident's name or note must never
become a link, an image, a colour or bold text on a coordinator's screen, so every typed value that goes into
such a string passes through `md()` first. Where a whole value stands alone, `st.text` is simpler still.
"""

from __future__ import annotations

import re

from listening.core.text import clean_typed

# Every ASCII punctuation mark that CommonMark lets a backslash escape, plus ':' (Streamlit's colour and emoji
# directives, autolinks) and '$' (maths). Escaping them all is simpler and safer than guessing which matter.
_ESCAPABLE = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
NAME = 80  # characters of a typed name shown in a title, heading or label (a 5,000-character name stays readable)


def md(value: object, *, max_chars: int | None = None) -> str:
    """`value` as markdown that renders exactly as its characters, on one line, optionally shortened."""
    # The same cleaning as at entry (control and format characters can hide or reorder text), for what was
    # stored before it or reaches a page another way; one line, so a typed line cannot start a heading or a list.
    text = clean_typed(str(value if value is not None else ""))
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return _ESCAPABLE.sub(r"\\\1", text)
