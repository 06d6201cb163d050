"""Curriculum (kept as data in data/curriculum.json), completions, certification and expiry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session, delete, select

from listening.config import DATA_DIR
from listening.models import Mode, TrainingModule, TrainingModuleMode


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
