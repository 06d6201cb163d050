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
