"""The curriculum, kept as data in data/curriculum.json, and how long a completion stays valid."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, delete, select

from listening.core.config import DATA_DIR
from listening.core.i18n import DEFAULT_LOCALE, get_locale
from listening.models import (
    Mode,
    TrainingModule,
    TrainingModuleMode,
)


@dataclass(frozen=True)
class Curriculum:
    shadow_sessions_required: int
    modules: tuple[dict, ...]


@lru_cache(maxsize=1)
def curriculum() -> Curriculum:
    raw = json.loads((DATA_DIR / "curriculum.json").read_text(encoding="utf-8"))
    return Curriculum(shadow_sessions_required=raw["shadow_sessions_required"], modules=tuple(raw["modules"]))


def sync_curriculum(session: Session) -> list[TrainingModule]:
    """Make the training_module rows match the curriculum file (codes are stable keys)."""
    existing = {m.code: m for m in session.exec(select(TrainingModule))}
    modules = []
    for position, spec in enumerate(curriculum().modules, start=1):
        module = existing.get(spec["code"]) or TrainingModule(code=spec["code"], position=position, title_zh="",
                                                              title_en="")
        module.position = position
        module.title_zh, module.title_en = spec["title_zh"], spec["title_en"]
        module.summary_zh, module.summary_en = spec["summary_zh"], spec["summary_en"]
        module.requires_quiz, module.requires_signoff = spec["quiz"], spec["signoff"]
        module.valid_months = spec["valid_months"]
        session.add(module)
        session.flush()
        session.exec(delete(TrainingModuleMode).where(TrainingModuleMode.module_id == module.id))
        for mode in spec["unlocks"]:
            session.add(TrainingModuleMode(module_id=module.id, mode=Mode(mode)))
        modules.append(module)
    session.flush()
    return modules


def training_modules(session: Session) -> list[TrainingModule]:
    return list(session.exec(select(TrainingModule).order_by(col(TrainingModule.position))))


def module_title(module: TrainingModule) -> str:
    return module.title_zh if get_locale() == DEFAULT_LOCALE else module.title_en


def module_summary(module: TrainingModule) -> str:
    return module.summary_zh if get_locale() == DEFAULT_LOCALE else module.summary_en


@lru_cache(maxsize=8192)  # a district's completions share a few hundred days; relativedelta is slow
def valid_through(completed_on: date, valid_months: int | None) -> date | None:
    """The last day a completion is valid (see the module docstring); None: it never expires."""
    if valid_months is None:
        return None
    return completed_on + relativedelta(months=valid_months) - timedelta(days=1)
