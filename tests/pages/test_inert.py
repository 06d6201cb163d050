"""ui.inert.md: typed text keeps its characters and loses every markdown meaning."""

from ui.inert import md


def test_markdown_specials_are_escaped():
    assert md("**王** ![](http://x/p.png)") == r"\*\*王\*\* \!\[\]\(http\:\/\/x\/p\.png\)"


def test_streamlit_directives_and_maths_are_escaped():
    assert md(":red[急] $x$") == r"\:red\[急\] \$x\$"


def test_zero_width_and_control_characters_are_dropped_and_lines_joined():
    assert md("我不\u200b想\x00\n活") == "我不想 活"


def test_long_text_is_shortened_and_none_is_empty():
    assert md("一" * 10, max_chars=5) == "一一一一…"
    assert md(None) == ""
