"""The volunteers' own training page, through the real app with AppTest."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.core import clock
from listening.models import Account, QuizAttempt, TrainingCompletion, TrainingModule
from listening.volunteers import training
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


def my_training(username: str):  # switch_page runs the page alone, in Chinese
    at = sign_in(username)
    at.run()
    at.switch_page("pages/my_training.py")
    at.run()
    assert not at.exception
    return at


def test_a_certified_volunteer_sees_a_full_ladder(demo):
    at = my_training("volunteer")
    assert at.subheader[0].value == "阶段：已获入户探访认证"
    assert len(at.get("progress")) == 3
    assert all(p.value == 100 for p in at.get("progress"))


def test_a_trainee_sees_progress_and_what_to_do_next(demo):
    at = my_training("trainee")
    assert at.subheader[0].value == "阶段：培训中"
    assert "您暂时还不能独立倾听。" in [m.value for m in at.markdown]
    training_bar = at.get("progress")[0]
    assert 0 < training_bar.value < 100
    steps = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert steps and any("参加模块" in s or "签字确认" in s for s in steps)


def test_a_trainee_takes_a_quiz_and_the_module_is_completed(demo, session):
    trainee = session.exec(select(Account).where(Account.username == "trainee")).one()
    module = session.exec(select(TrainingModule).where(TrainingModule.code == "phone_listening")).one()
    at = my_training("trainee")
    at.selectbox(key="quiz_module").set_value("phone_listening").run()
    questions = training.quiz_questions("phone_listening")
    at.radio(key=f"quiz_{questions[0].id}").set_value((questions[0].answer + 1) % 3)
    for question in questions[1:]:
        at.radio(key=f"quiz_{question.id}").set_value(question.answer)
    [submit] = [b for b in at.button if b.label == "提交答案"]
    submit.click().run()
    assert not at.exception
    assert [w.value for w in at.warning][-1].startswith("67%，暂未通过（及格线为 80%）")

    at.radio(key=f"quiz_{questions[0].id}").set_value(questions[0].answer)
    [submit] = [b for b in at.button if b.label == "提交答案"]
    submit.click().run()
    assert "100%，已通过。该模块已记录为完成。" in [s.value for s in at.success]
    session.rollback()  # end the test's read transaction: see what the page wrote
    volunteer_id = training.my_training(session, actor=trainee, on=clock.today()).volunteer.id
    attempts = session.exec(select(QuizAttempt).where(QuizAttempt.volunteer_id == volunteer_id)).all()
    assert sorted(a.score_percent for a in attempts) == [67, 100]
    assert session.exec(select(TrainingCompletion).where(TrainingCompletion.volunteer_id == volunteer_id,
                                                         TrainingCompletion.module_id == module.id)).first()


def test_the_page_refuses_a_coordinator(demo, session):
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    at = app_test("pages/my_training.py")
    at.session_state["account"] = coordinator
    at.run()
    assert not at.exception and at.error
