"""ServiceError.translated: a page that renders markdown escapes the parameters, never the sentence."""

from listening.core.errors import InvalidInput
from listening.core.i18n import N_
from listening.volunteers.training.completions_csv import RowProblem
from ui.inert import md


def test_typed_parameters_are_escaped_and_the_sentence_is_kept():
    error = InvalidInput(N_("This is not a phone number we can read: {value}"), field="phone",
                         value="![](http://x.test/p.png)")
    assert error.translated() == "无法识别这个电话号码：![](http://x.test/p.png)"
    assert error.translated(escape=md) == r"无法识别这个电话号码：\!\[\]\(http\:\/\/x\.test\/p\.png\)"


def test_numbers_pass_through_and_a_csv_problem_escapes_its_cell():
    problem = RowProblem(2, N_("{value} is not a date written YYYY-MM-DD."), {"value": "**2026**"})
    assert problem.translated(escape=md) == r"第 2 行：\*\*2026\*\* 不是 YYYY-MM-DD 格式的日期。"
    error = InvalidInput(N_("Please choose at most {n} dates."), n=5)
    assert error.translated(escape=md) == error.translated()
