"""The training import's limits: size, rows and cell length, each refused whole with one clear, translated line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from listening.core.i18n import set_locale
from listening.models import TrainingCompletion
from listening.volunteers import training
from listening.volunteers.training import completions_csv
from tests import factories

DAY = date(2026, 3, 2)
HEADER = "volunteer,module,completed_on"


@pytest.fixture
def coord(session):
    training.sync_curriculum(session)
    return factories.coordinator(session)


def refusal(session, coord, data) -> tuple[list[int], str, str]:
    """(lines, Chinese problem, English problem) of a refused file; nothing was imported."""
    with pytest.raises(training.ImportRejected) as error:
        training.import_completions_csv(session, actor=coord, data=data, on=DAY)
    assert session.exec(select(func.count()).select_from(TrainingCompletion)).one() == 0
    problems = error.value.problems
    zh = problems[0].problem()
    set_locale("en")
    en = problems[0].problem()
    set_locale("zh_CN")
    return [p.line for p in problems], zh, en


@pytest.mark.parametrize("as_bytes", [True, False])
def test_a_cell_of_128_kib_is_refused_with_a_message_not_a_crash(session, coord, as_bytes):
    data = f"{HEADER}\n13900000001,self_care,2026-01-01\n{'x' * (128 * 1024 + 1)},self_care,2026-01-01\n"
    lines, zh, en = refusal(session, coord, data.encode() if as_bytes else data)
    assert lines == [3] and en == "A cell is longer than 200 characters: this is not a completions file."
    assert zh == "有一个单元格超过 200 个字符：这不是培训完成记录文件。"


def test_a_long_cell_below_the_csv_modules_own_limit_is_refused_too(session, coord):
    lines, _, en = refusal(session, coord, f"{HEADER}\n{'1' * 500},self_care,2026-01-01\n")
    assert lines == [2] and en.startswith("A cell is longer than 200 characters")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(session, coord):
    data = (HEADER + "\n" + "13900000001,self_care,2026-01-01\n" * 40_000).encode()
    assert len(data) > completions_csv.MAX_FILE_BYTES
    lines, zh, en = refusal(session, coord, data)
    assert lines == [1] and en == "The file is larger than 1024 KiB: split it into smaller files."
    assert "1024 KiB" in zh


def test_a_file_over_the_row_limit_is_refused_with_one_line(session, coord):
    rows = [f"1390000{n % 10000:04d},self_care,2026-01-01" for n in range(completions_csv.MAX_ROWS + 1)]
    lines, _, en = refusal(session, coord, "\n".join([HEADER, *rows]))
    assert lines == [completions_csv.MAX_ROWS + 2]
    assert en == f"The file has more than {completions_csv.MAX_ROWS} rows: split it into smaller files."


def test_exactly_the_row_limit_is_checked_row_by_row(session, coord):
    rows = [f"1390000{n:04d},self_care,2026-01-01" for n in range(completions_csv.MAX_ROWS)]
    with pytest.raises(training.ImportRejected) as error:
        training.import_completions_csv(session, actor=coord, data="\n".join([HEADER, *rows]), on=DAY)
    assert len(error.value.problems) == completions_csv.MAX_ROWS  # every unknown volunteer named, none dropped
