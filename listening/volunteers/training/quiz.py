"""Module quizzes, kept as data in data/quizzes.json, and a volunteer's attempts at them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlmodel import Session, select

from listening.core import audit, clock
from listening.core.audit import AuditAction
from listening.core.clock import local_date
from listening.core.config import DATA_DIR, get_settings
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_, get_locale
from listening.core.permissions import require_role
from listening.models import (
    Account,
    CompletionMethod,
    QuizAttempt,
    Role,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    question_zh: str
    question_en: str
    choices_zh: tuple[str, ...]
    choices_en: tuple[str, ...]
    answer: int  # index of the right choice

    @property
    def question(self) -> str:
        return self.question_zh if get_locale() == DEFAULT_LOCALE else self.question_en

    @property
    def choices(self) -> tuple[str, ...]:
        return self.choices_zh if get_locale() == DEFAULT_LOCALE else self.choices_en


@lru_cache(maxsize=1)
def quizzes() -> dict[str, tuple[QuizQuestion, ...]]:
    raw = json.loads((DATA_DIR / "quizzes.json").read_text(encoding="utf-8"))
    return {
        code: tuple(QuizQuestion(id=q["id"], question_zh=q["question_zh"], question_en=q["question_en"],
                                 choices_zh=tuple(q["choices_zh"]), choices_en=tuple(q["choices_en"]),
                                 answer=q["answer"]) for q in questions)
        for code, questions in raw.items()
    }


@dataclass(frozen=True)
class QuizResult:
    score_percent: int
    passed: bool
    pass_percent: int
    wrong: list[str]  # ids of the questions answered wrongly
    completion_recorded: bool  # False when the module still needs a coordinator's sign-off


def quiz_questions(module_code: str) -> tuple[QuizQuestion, ...]:
    return quizzes().get(module_code, ())


def _module_by_code(session: Session, code: str) -> TrainingModule | None:
    return session.exec(select(TrainingModule).where(TrainingModule.code == code)).first()


def submit_quiz(session: Session, *, actor: Account, module_code: str, answers: dict[str, int],
                now: datetime | None = None) -> QuizResult:
    """A volunteer answers a module's quiz. Every attempt is kept; passing records the completion unless the module
    also needs a coordinator's sign-off (then the coordinator records it, seeing the passed quiz)."""
    require_role(actor, Role.volunteer)
    now = now or clock.now()
    volunteer = session.exec(select(Volunteer).where(Volunteer.account_id == actor.id)).first()
    if volunteer is None:
        raise NotFound(N_("No volunteer record is linked to this account. Ask a coordinator."))
    module = _module_by_code(session, module_code)
    questions = quiz_questions(module_code)
    if module is None or not module.requires_quiz or not questions:
        raise InvalidInput(N_("There is no quiz for this module."), field="module")
    if any(answers.get(q.id) is None for q in questions):
        raise InvalidInput(N_("Please answer every question."), field="answers")
    wrong = [q.id for q in questions if answers[q.id] != q.answer]
    score = round(100 * (len(questions) - len(wrong)) / len(questions))
    pass_percent = get_settings().quiz_pass_percent
    passed = score >= pass_percent
    session.add(QuizAttempt(volunteer_id=volunteer.id, module_id=module.id, score_percent=score, passed=passed,
                            taken_at=now))
    recorded = False
    day = local_date(now)
    if passed and not module.requires_signoff:
        exists = session.exec(select(TrainingCompletion).where(
            TrainingCompletion.volunteer_id == volunteer.id, TrainingCompletion.module_id == module.id,
            TrainingCompletion.completed_on == day)).first()
        if not exists:
            session.add(TrainingCompletion(volunteer_id=volunteer.id, module_id=module.id, completed_on=day,
                                           method=CompletionMethod.quiz, recorded_by=actor.id))
        recorded = True
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_quiz_taken, entity="volunteer",
                 entity_id=volunteer.id, details={"module": module.code, "score": score, "passed": passed})
    return QuizResult(score, passed, pass_percent, wrong, recorded)
