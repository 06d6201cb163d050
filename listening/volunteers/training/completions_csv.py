"""Importing training completions from a CSV file: every row is checked first, then all or nothing.

A file is refused whole, with one clear message, when it is larger than MAX_FILE_BYTES, has more than MAX_ROWS
rows or a cell longer than MAX_FIELD_CHARS (the csv module's own limit, 128 KiB, would otherwise raise). The
problems of a file that passes those limits are all kept; the page shows the first PROBLEMS_SHOWN in one table.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import InvalidInput, escaped
from listening.core.i18n import N_, gettext
from listening.core.permissions import require_role
from listening.core.phones import normalise
from listening.core.text import clean_typed
from listening.models import (
    Account,
    CompletionMethod,
    Role,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)
from listening.volunteers.training.curriculum import module_title


@dataclass(frozen=True)
class RowProblem:
    line: int  # line number in the file, the header being line 1
    message: str  # English msgid
    params: dict = field(default_factory=dict)

    def problem(self, escape: Callable[[str], str] | None = None) -> str:
        """The problem alone, in the current language; `escape` (ui.inert.md) for the cell values and titles in it
        (module titles are chosen here, so it reads in the language current when it is shown)."""
        params = {k: module_title(v) if isinstance(v, TrainingModule) else v for k, v in self.params.items()}
        return gettext(self.message, **escaped(params, escape))

    def translated(self, escape: Callable[[str], str] | None = None) -> str:
        return gettext(N_("Line {line}: {problem}"), line=self.line, problem=self.problem(escape))


class ImportRejected(InvalidInput):
    """The CSV file has bad rows; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(N_("Nothing was imported: {n} rows need correcting."), field="file", n=len(problems))
        self.problems = problems


CSV_COLUMNS = {  # accepted header names -> column
    "volunteer": "volunteer", "志愿者": "volunteer", "module": "module", "模块": "module",
    "completed_on": "completed_on", "完成日期": "completed_on",
}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_FILE_BYTES = 1024 * 1024  # a year of a large centre's completions is far below this
MAX_ROWS = 5000
MAX_FIELD_CHARS = 200  # a phone number, a module code or a date
PROBLEMS_SHOWN = 100  # the page's table of problems; the rest are counted


def _limited_rows(data: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows with their line numbers, or ImportRejected when the file breaks a limit."""
    reader = csv.reader(io.StringIO(data))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows are allowed
                raise ImportRejected([RowProblem(reader.line_num, N_("The file has more than {n} rows: split it into "
                                                                     "smaller files."), {"n": MAX_ROWS})])
            if any(len(cell) > MAX_FIELD_CHARS for cell in row):
                raise ImportRejected([RowProblem(reader.line_num, N_("A cell is longer than {n} characters: this is "
                                                                     "not a completions file."), {"n": MAX_FIELD_CHARS})])
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error:  # a cell beyond the csv module's own limit, or a NUL byte: not a completions file either
        raise ImportRejected([RowProblem(reader.line_num, N_("A cell is longer than {n} characters: this is not "
                                                                 "a completions file."), {"n": MAX_FIELD_CHARS})]) from None
    return rows


def import_completions_csv(session: Session, *, actor: Account, data: bytes | str,
                           on: date | None = None) -> list[TrainingCompletion]:
    """Import completions from a CSV file with the columns volunteer (phone number or volunteer number), module
    (code) and completed_on (YYYY-MM-DD). Every row is checked first; one bad row and nothing is imported."""
    require_role(actor, Role.coordinator)
    on = on or today()
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise ImportRejected([RowProblem(1, N_("The file is larger than {n} KiB: split it into smaller files."),
                                         {"n": MAX_FILE_BYTES // 1024})])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")  # Excel writes a byte-order mark
        except UnicodeDecodeError:
            raise ImportRejected([RowProblem(1, N_("The file is not UTF-8 text. Save it as CSV UTF-8."))]) from None
    rows = _limited_rows(data.lstrip("\ufeff"))
    if not rows:
        raise ImportRejected([RowProblem(1, N_("The file is empty."))])
    header_line, header = rows[0]
    columns = {CSV_COLUMNS.get(clean_typed(name).lower()): index for index, name in enumerate(header)}
    missing = [name for name in ("volunteer", "module", "completed_on") if name not in columns]
    if missing:
        raise ImportRejected([RowProblem(header_line, N_("The header must name the columns volunteer, module and "
                                                         "completed_on; missing: {missing}."),
                                         {"missing": ", ".join(missing)})])
    if len(rows) == 1:
        raise ImportRejected([RowProblem(header_line, N_("The file has a header but no rows."))])

    modules = {m.code: m for m in session.exec(select(TrainingModule))}
    volunteers = list(session.exec(select(Volunteer)))
    by_id = {v.id: v for v in volunteers}
    by_phone: dict[str, list[Volunteer]] = defaultdict(list)
    for v in volunteers:
        by_phone[v.phone].append(v)
    recorded = set(session.exec(select(TrainingCompletion.volunteer_id, TrainingCompletion.module_id,
                                       TrainingCompletion.completed_on)).all())
    problems: list[RowProblem] = []
    seen: dict[tuple, int] = {}
    good: list[tuple[Volunteer, TrainingModule, date]] = []
    for line, row in rows[1:]:
        cell = lambda name: clean_typed(row[columns[name]]) if columns[name] < len(row) else ""  # noqa: E731
        before = len(problems)
        volunteer = _volunteer_from_cell(cell("volunteer"), by_id, by_phone, line, problems)
        module = modules.get(cell("module"))
        if module is None:
            problems.append(RowProblem(line, N_("There is no training module {code}."), {"code": cell("module")}))
        completed_on = None
        text = cell("completed_on")
        try:
            if not _ISO_DAY.fullmatch(text):
                raise ValueError
            completed_on = date.fromisoformat(text)
        except ValueError:
            problems.append(RowProblem(line, N_("{value} is not a date written YYYY-MM-DD."), {"value": text}))
        if completed_on and completed_on > on:
            problems.append(RowProblem(line, N_("The date {date} is in the future."), {"date": text}))
        if len(problems) > before:
            continue
        key = (volunteer.id, module.id, completed_on)
        if key in seen:
            problems.append(RowProblem(line, N_("The same completion is already on line {first}."),
                                       {"first": seen[key]}))
        elif key in recorded:
            problems.append(RowProblem(line, N_("{name} already has {title} recorded on {date}."),
                                       {"name": volunteer.full_name, "title": module, "date": text}))
        else:
            seen[key] = line
            good.append((volunteer, module, completed_on))
    if problems:
        raise ImportRejected(problems)
    completions = [TrainingCompletion(volunteer_id=v.id, module_id=m.id, completed_on=d,
                                      method=CompletionMethod.csv_import, recorded_by=actor.id) for v, m, d in good]
    session.add_all(completions)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_csv_imported, entity="training_completion",
                 details={"rows": len(completions)})
    return completions


def _volunteer_from_cell(value: str, by_id: dict[int, Volunteer], by_phone: dict[str, list[Volunteer]], line: int,
                         problems: list[RowProblem]) -> Volunteer | None:
    """A phone number (any way a person writes it) or a volunteer number."""
    if not value:
        problems.append(RowProblem(line, N_("The volunteer is missing.")))
        return None
    try:
        matches = by_phone.get(normalise(value), [])
    except InvalidInput:
        matches = [by_id[int(value)]] if value.isdigit() and int(value) in by_id else []
    if len(matches) > 1:
        problems.append(RowProblem(line, N_("Several volunteers have the phone number {value}; use the volunteer "
                                            "number."), {"value": value}))
        return None
    if not matches:
        problems.append(RowProblem(line, N_("There is no volunteer {value}."), {"value": value}))
        return None
    return matches[0]
