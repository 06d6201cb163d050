"""Vetting steps a volunteer passes before listening: interview, reference, real-name check, code of conduct.

Each step is recorded once, by a coordinator, with its owner and date; the matching gate asks `is_vetted`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import N_
from listening.core.paging import PAGE_SIZE, Page, page_number
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import Account, Role, VettingStep, VettingStepKind, Volunteer, VolunteerStatus

STEPS: tuple[VettingStepKind, ...] = tuple(VettingStepKind)  # in the order they are usually done
NOTES_MAX = 300  # the interview's notes: a few lines, not a transcript

# What a volunteer signs (on paper, at the centre) before the code-of-conduct step is recorded; the public
# application page shows it too, so nobody applies without knowing it.
CODE_OF_CONDUCT: tuple[str, ...] = (
    N_("I listen without judging, and I do not try to solve a resident's life for them."),
    N_("I never ask a resident for money, gifts, loans or investments, and I never accept them."),
    N_("I never ask for or give private contact (phone, WeChat, address), and I do not meet a resident outside the "
       "programme."),
    N_("What a resident tells me stays with the centre: I share it only with the coordinator or my supervisor."),
    N_("If a resident may be in danger, I tell the coordinator at once."),
    N_("I come to supervision, and I say when a session weighs on me."),
)


def record_step(session: Session, *, actor: Account, volunteer_id: int, kind: VettingStepKind, done_on: date,
                owner_id: int | None = None, notes: str = "") -> VettingStep:
    """Record one vetting step as done; each step is recorded once per volunteer. Only an interview has notes."""
    require_role(actor, Role.coordinator)
    notes = clean_typed(notes, multiline=True)
    if notes and kind != VettingStepKind.interview:
        raise InvalidInput(N_("Only an interview has notes."), field="notes")
    if len(notes) > NOTES_MAX:
        raise InvalidInput(N_("Please keep the interview notes under {n} characters."), field="notes", n=NOTES_MAX)
    if done_on > today():
        raise InvalidInput(N_("A step cannot be recorded as done on a day still to come."), field="done_on")
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
    step = VettingStep(volunteer_id=volunteer_id, kind=kind, done_on=done_on, owner_id=owner_id, notes=notes)
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


@dataclass(frozen=True)
class DoneStep:
    kind: VettingStepKind
    done_on: date
    owner_name: str | None
    notes: str  # empty once the retention period has passed


@dataclass(frozen=True)
class VettingRow:
    volunteer_id: int
    full_name: str
    status: VolunteerStatus
    joined_on: date
    done: tuple[DoneStep, ...]

    @property
    def missing(self) -> tuple[VettingStepKind, ...]:
        done = {step.kind for step in self.done}
        return tuple(kind for kind in STEPS if kind not in done)


def in_vetting(session: Session, *, actor: Account, page: int = 1, size: int = PAGE_SIZE) -> Page[VettingRow]:
    """The volunteers (not left) with a vetting step still to record, those who joined first first; one page."""
    require_role(actor, Role.coordinator)
    done_count = (select(func.count()).select_from(VettingStep)
                  .where(VettingStep.volunteer_id == Volunteer.id).scalar_subquery())
    waiting = (col(Volunteer.status) != VolunteerStatus.left, done_count < len(STEPS))
    total = session.exec(select(func.count()).select_from(Volunteer).where(*waiting)).one()
    number = page_number(page, total, size)
    volunteers = list(session.exec(select(Volunteer).where(*waiting)
                                   .order_by(col(Volunteer.joined_on), col(Volunteer.id))
                                   .offset((number - 1) * size).limit(size)))
    steps: dict[int, list[DoneStep]] = {}
    for step, owner_name in session.exec(
            select(VettingStep, Account.display_name).join(Account, col(Account.id) == col(VettingStep.owner_id),
                                                          isouter=True)
            .where(col(VettingStep.volunteer_id).in_([v.id for v in volunteers]))):
        steps.setdefault(step.volunteer_id, []).append(DoneStep(step.kind, step.done_on, owner_name, step.notes))
    items = tuple(VettingRow(volunteer_id=v.id, full_name=v.full_name, status=v.status, joined_on=v.joined_on,
                             done=tuple(sorted(steps.get(v.id, []), key=lambda s: STEPS.index(s.kind))))
                  for v in volunteers)
    return Page(items, total, number, size)
