"""docs/privacy.md stays true: its table of stored fields names every column of every table that can hold
personal data, and nothing the models do not have."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import SQLModel

import listening.models  # noqa: F401  (registers every table)

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def documented() -> tuple[dict[str, set[str]], set[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Stored fields", 1)[1]
    exempt = set(re.findall(r"`([a-z_]+)`", section.split("Tables without personal data:", 1)[1].split(".")[0]))
    tables: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        assert name not in tables, f"{name} is listed twice"
        tables[name] = set(re.findall(r"`([a-z_0-9]+)`", cells[1]))
    return tables, exempt


def test_every_column_of_every_personal_table_is_in_the_privacy_doc_and_nothing_else():
    tables, exempt = documented()
    models = {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.sorted_tables}
    assert exempt <= set(models), f"not tables: {exempt - set(models)}"
    assert not exempt & set(tables), "a table is both listed and called free of personal data"
    undocumented = set(models) - set(tables) - exempt
    assert not undocumented, f"tables missing from docs/privacy.md: {sorted(undocumented)}"
    for name, columns in tables.items():
        assert name in models, f"docs/privacy.md lists {name}, which is no table"
        assert columns == models[name], (f"{name}: missing from the doc {sorted(models[name] - columns)}, "
                                         f"not in the model {sorted(columns - models[name])}")
