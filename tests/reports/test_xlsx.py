"""The reports' own .xlsx writer, read back by openpyxl: every type as its cell type, text never a formula."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd

from listening.reports import xlsx


def read(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def test_each_column_keeps_its_type_and_blanks_stay_blank():
    frame = pd.DataFrame({
        "day": [date(2026, 12, 31), date(2027, 1, 1), None],
        "hours": [1.25, 0.0, float("nan")],
        "mood": pd.array([5, None, 1], dtype="Int64"),
        "follow_up": [True, False, True],
        "text": ["a & b < c > d", "第一行\r\n第二行", None],
        "mixed": [3, "三", datetime(2026, 12, 1, 18, 0)],
    })
    sheet = read(xlsx.workbook({"Sessions": frame}))["Sessions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("day", "hours", "mood", "follow_up", "text", "mixed")
    assert rows[1] == (datetime(2026, 12, 31), 1.25, 5, True, "a & b < c > d", 3)
    assert rows[2] == (datetime(2027, 1, 1), 0, None, False, "第一行\r\n第二行", "三")
    assert rows[3] == (None, None, 1, True, None, datetime(2026, 12, 1, 18, 0))
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["A2"].is_date


def test_text_is_never_a_formula_and_what_xml_cannot_hold_is_dropped():
    frame = pd.DataFrame({"text": ["=1+1", "bell\x07 and nul\x00", "长" * 40_000]})
    sheet = read(xlsx.workbook({"T": frame}))["T"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=1+1"
    assert sheet["A3"].value == "bell and nul"
    assert len(sheet["A4"].value) == xlsx.MAX_TEXT


def test_many_columns_several_sheets_and_an_empty_one():
    wide = pd.DataFrame([list(range(30))], columns=[f"c{i}" for i in range(30)])
    book = read(xlsx.workbook({"Wide": wide, "A name longer than thirty-one characters": pd.DataFrame({"x": []})}))
    assert book.sheetnames == ["Wide", "A name longer than thirty-one c"]
    assert book["Wide"]["AD2"].value == 29 and book["Wide"]["AD1"].value == "c29"
    assert list(book["A name longer than thirty-one c"].iter_rows(values_only=True)) == [("x",)]
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
