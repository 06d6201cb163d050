from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from listening.core.cells import neutralise, neutralise_frame


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-x", "@cmd", "\tx", "\rx", "＝1", "＠x"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["王芳", "a=b", " =1", "", 3, -3, -2.5, True, None, date(2026, 12, 1)])
def test_everything_else_is_left_alone(value):
    assert neutralise(value) == value and type(neutralise(value)) is type(value)


def test_a_frame_keeps_its_numbers_and_loses_its_formulas():
    frame = pd.DataFrame({"name": ["=cmd", "王芳", None], "hours": [-1.0, 2.0, 3.0], "=header": [1, 2, 3]})
    safe = neutralise_frame(frame)
    assert list(safe["name"][:2]) == ["'=cmd", "王芳"] and pd.isna(safe["name"][2])
    assert list(safe.columns) == ["name", "hours", "'=header"]
    assert safe["hours"].dtype == frame["hours"].dtype and frame["name"][0] == "=cmd"  # the original is untouched


def test_a_year_of_text_is_neutralised_in_one_pass_exactly_as_cell_by_cell():
    """A district's year is 47,000 rows of text columns: vectorised, and the same cells as `neutralise` one by one,
    beside a column mixing dates and text (cell by cell) and pandas' own string dtype."""
    texts = ["=1+1", "王芳", None, "＋x", "a=b", "-", "", " =1", "\tx"] * 1000
    frame = pd.DataFrame({"text": texts, "mixed": [date(2026, 12, 1), "=x", None] * 3000,
                          "typed": pd.Series(texts, dtype="string")})
    safe = neutralise_frame(frame)
    for name in frame.columns:
        expected = [neutralise(v) if isinstance(v, str) else v for v in frame[name].tolist()]
        got = safe[name].tolist()
        assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected], name
    assert frame["text"][0] == "=1+1"  # the original is untouched
