"""Cells that leave the program in a spreadsheet: text a spreadsheet would run as a formula is neutralised.

Excel, LibreOffice and Google Sheets treat a cell starting with =, +, - or @ (and a tab or carriage return in front
of one) as a formula, so a volunteer named `=HYPERLINK("http://x", "click")` would become a live link, or worse, in
the coordinator's export. Every export goes through `neutralise_frame` (reports.excel_workbook; a CSV export must
too): such text gets a leading apostrophe and is shown as the text it is. Numbers, dates and booleans stay as they are.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# The ASCII starts of a formula (OWASP's list) and their full-width forms, which a Chinese input method types and a
# spreadsheet may fold to ASCII.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """`value` as it may safely go into a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and every column name neutralised; other cells keep their type."""
    text_columns = [name for name in frame.columns if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name])]
    safe = frame.copy()
    for name in text_columns:
        column = safe[name]
        if pd.api.types.infer_dtype(column, skipna=True) == "string":  # a year's export: one vectorised pass
            starts = column.str.startswith(FORMULA_STARTS, na=False)
            if starts.any():
                column = column.astype(object).where(~starts, "'" + column.where(starts, ""))
            safe[name] = column
        else:  # text beside dates or numbers: cell by cell
            safe[name] = column.map(neutralise)
    return safe.rename(columns=lambda name: neutralise(str(name)) if isinstance(name, str) else name)
