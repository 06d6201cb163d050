"""Vetting steps a volunteer passes before listening: interview, reference, real-name check, code of conduct.

Each step is recorded once, by a coordinator, with its owner and date; the matching gate asks `is_vetted`.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Role, VettingStep, VettingStepKind, Volunteer

STEPS: tuple[VettingStepKind, ...] = tuple(VettingStepKind)  # in the order they are usually done


def record_step(session: Session, *, actor: Account, volunteer_id: int, kind: VettingStepKind, done_on: date,
                owner_id: int | None = None) -> VettingStep:
    """Record one vetting step as done; each step is recorded once per volunteer."""
    require_role(actor, Role.coordinator)
    if session.get(Volunteer, volunteer_id) is None:
        raise NotFound(N_("No such volunteer."))
    if not isinstance(kind, VettingStepKind):
        raise InvalidInput(N_("Unknown vetting step."), field="kind")
    owner_id = actor.id if owner_id is None else owner_id
    owner = session.get(Account, owner_id)
    if owner is None or owner.role != Role.coordinator:
        raise InvalidInput(N_("The step's owner must be a coordinator."), field="owner")
    existing = session.exec(select(VettingStep).where(VettingStep.volunteer_id == volunteer_id,
                                                      VettingStep.kind == kind)).first()
    if existing is not None:
        raise IllegalTransition(N_("This vetting step is already recorded."))
    step = VettingStep(volunteer_id=volunteer_id, kind=kind, done_on=done_on, owner_id=owner_id)
    session.add(step)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_vetting_step_recorded, entity="volunteer",
                 entity_id=volunteer_id, details={"step": kind.value, "done_on": done_on.isoformat(),
                                                  "owner_id": owner_id})
    return step


def missing_steps(session: Session, volunteer_id: int) -> list[VettingStepKind]:
    done = set(session.exec(select(VettingStep.kind).where(VettingStep.volunteer_id == volunteer_id)).all())
    return [kind for kind in STEPS if kind not in done]


def vetted_volunteer_ids(session: Session, volunteer_ids: list[int]) -> set[int]:
    """Those of `volunteer_ids` with every vetting step recorded."""
    if not volunteer_ids:
        return set()
    done: dict[int, set[VettingStepKind]] = {}
    for volunteer_id, kind in session.exec(select(VettingStep.volunteer_id, VettingStep.kind)
                                           .where(col(VettingStep.volunteer_id).in_(volunteer_ids))):
        done.setdefault(volunteer_id, set()).add(kind)
    return {vid for vid, kinds in done.items() if kinds >= set(STEPS)}


def is_vetted(session: Session, volunteer_id: int) -> bool:
    return not missing_steps(session, volunteer_id)
