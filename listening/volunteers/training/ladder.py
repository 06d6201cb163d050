"""The ladder: certification and expiry, derived from completions, passed quizzes and observed sessions.

The ladder is derived from the records, never typed in: applicant -> in training -> shadowing -> active (phone,
centre) -> home-visit certified. Shadowing ends when the observed sessions are done *and* a trainer has signed off
every competency (supervision/competencies.py); one not signed keeps the volunteer shadowing, so matching, which
reads the ladder, does not offer them. A module needed for a mode must hold a *valid* completion on the day in question:

    A module completed on day D with `valid_months` M is valid from D through the day before D + M months
    (calendar months, dateutil's relativedelta: completed 2025-03-31 with M = 12 -> valid through 2026-03-30;
    completed 2024-01-31 with M = 1 -> D + 1 month is 2024-02-29 -> valid through 2024-02-28).

Days are days in the programme's timezone (settings.timezone, Asia/Shanghai): `local_date(at)` turns an instant
into that day, so a visit at 00:30 Shanghai time on the first day after expiry is already refused even though it
is still the day before in UTC. The most recent completion of a module counts. Expired modules take the volunteer
back down the ladder for the modes they unlock; settings.expiry_warning_days before expiry the module is
"expiring" and the volunteer and coordinators are warned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from sqlmodel import Session, col, select

from listening.core.clock import local_date
from listening.core.config import get_settings
from listening.core.errors import NotFound
from listening.core.i18n import N_, format_date, gettext
from listening.core.labels import label
from listening.models import (
    Competency,
    Mode,
    QuizAttempt,
    ShadowSession,
    StrEnum,
    TrainingCompletion,
    TrainingModule,
    TrainingModuleMode,
    Volunteer,
    VolunteerStatus,
)
from listening.supervision import competencies
from listening.volunteers.training.curriculum import curriculum, module_title, valid_through

# Listening alone by phone or at the centre is "active"; home visits are the top of the ladder.
ACTIVE_MODES = (Mode.phone, Mode.centre)


class Stage(StrEnum):
    applicant = "applicant"
    in_training = "in_training"
    shadowing = "shadowing"
    active = "active"
    home_certified = "home_certified"


STAGE_ORDER = tuple(Stage)
STAGE_LABELS = {
    Stage.applicant: N_("applicant"),
    Stage.in_training: N_("in training"),
    Stage.shadowing: N_("shadowing"),
    Stage.active: N_("active (phone, centre)"),
    Stage.home_certified: N_("home-visit certified"),
}


class ModuleState(StrEnum):
    missing = "missing"
    valid = "valid"
    expiring = "expiring"  # valid, but inside the warning window
    expired = "expired"


MODULE_STATE_LABELS = {
    ModuleState.missing: N_("not done"),
    ModuleState.valid: N_("valid"),
    ModuleState.expiring: N_("expires soon"),
    ModuleState.expired: N_("expired"),
}


@dataclass(frozen=True)
class ModuleStatus:
    module: TrainingModule
    modes: frozenset[Mode]
    state: ModuleState
    completed_on: date | None = None  # the most recent completion on or before the day
    valid_through: date | None = None
    quiz_passed: bool = False  # a passed quiz attempt on or before the day

    @property
    def is_valid(self) -> bool:
        return self.state in (ModuleState.valid, ModuleState.expiring)


# How a value in a reason is written; the others (counts) go in as they are.
_WRITTEN = {"status": label, "competency": label, "date": format_date, "title": module_title}


@dataclass
class TrainingStatus:
    """Where one volunteer stands on one day, and why."""

    volunteer: Volunteer
    on: date
    stage: Stage
    modules: list[ModuleStatus]
    shadow_done: int
    shadow_required: int
    competencies_missing: list[Competency]

    def _obstacles(self, mode: Mode) -> Iterator[tuple[str, dict]]:
        """What stands against the mode, as message ids and their values, not yet written out: `modes` needs only
        whether there is one (for thousands of volunteers on a district's home and in matching), `reasons` the
        sentences (for the few a page explains)."""
        if self.volunteer.status != VolunteerStatus.active:
            yield N_("The volunteer's status is {status}."), {"status": self.volunteer.status}
        if self.shadow_done < self.shadow_required:
            yield (N_("Observed sessions with a mentor: {done} of {required}."),
                   {"done": self.shadow_done, "required": self.shadow_required})
        for competency in self.competencies_missing:
            yield N_("Competency not signed off: {competency}"), {"competency": competency}
        for m in self.modules:
            if m.is_valid or mode not in m.modes:
                continue
            if m.state == ModuleState.expired:
                yield N_("Module expired on {date}: {title}"), {"date": m.valid_through + timedelta(days=1),
                                                                "title": m.module}
            else:
                yield N_("Module not completed: {title}"), {"title": m.module}

    @cached_property
    def modes(self) -> set[Mode]:
        """The modes the volunteer may take on the day."""
        return {mode for mode in Mode if next(self._obstacles(mode), None) is None}

    @cached_property
    def reasons(self) -> dict[Mode, list[str]]:
        """Mode -> why the volunteer may not take it (an empty list: allowed), translated in the locale current
        when first read."""
        return {mode: [gettext(text, **{name: _WRITTEN[name](value) if name in _WRITTEN else value
                                        for name, value in values.items()})
                       for text, values in self._obstacles(mode)] for mode in Mode}

    def _of(self, *modes: Mode) -> list[ModuleStatus]:
        return [m for m in self.modules if m.modes & set(modes)]

    @property
    def core_modules(self) -> list[ModuleStatus]:
        return self._of(*ACTIVE_MODES)

    @property
    def home_only_modules(self) -> list[ModuleStatus]:
        return [m for m in self._of(Mode.home) if not m.modes & set(ACTIVE_MODES)]

    @property
    def missing(self) -> list[ModuleStatus]:
        return [m for m in self.modules if m.state == ModuleState.missing]

    @property
    def expiring(self) -> list[ModuleStatus]:
        return [m for m in self.modules if m.state == ModuleState.expiring]

    @property
    def expired(self) -> list[ModuleStatus]:
        return [m for m in self.modules if m.state == ModuleState.expired]


@dataclass
class _Records:
    modules: list[TrainingModule]
    modes_of: dict[int, frozenset[Mode]]
    completions: dict[int, dict[int, list[date]]]  # volunteer -> module -> dates
    passed_quizzes: dict[int, dict[int, list[date]]]
    shadow_dates: dict[int, list[date]]
    competencies: dict[int, dict[Competency, date]]  # volunteer -> competency -> observed on


def _load_records(session: Session, volunteer_ids: list[int] | None) -> _Records:
    modules = list(session.exec(select(TrainingModule).order_by(col(TrainingModule.position))))
    modes_of: dict[int, set[Mode]] = defaultdict(set)
    for row in session.exec(select(TrainingModuleMode)):
        modes_of[row.module_id].add(row.mode)

    def only(query, column):
        return query if volunteer_ids is None else query.where(col(column).in_(volunteer_ids))

    # Only the columns the ladder needs, never ORM objects: a district has tens of thousands of records.
    completions: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    query = select(TrainingCompletion.volunteer_id, TrainingCompletion.module_id, TrainingCompletion.completed_on)
    for volunteer_id, module_id, completed_on in session.exec(only(query, TrainingCompletion.volunteer_id)):
        completions[volunteer_id][module_id].append(completed_on)
    passed: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    query = select(QuizAttempt.volunteer_id, QuizAttempt.module_id, QuizAttempt.taken_at).where(QuizAttempt.passed)
    for volunteer_id, module_id, taken_at in session.exec(only(query, QuizAttempt.volunteer_id)):
        passed[volunteer_id][module_id].append(local_date(taken_at))
    shadows: dict[int, list[date]] = defaultdict(list)
    query = select(ShadowSession.volunteer_id, ShadowSession.observed_on)
    for volunteer_id, observed_on in session.exec(only(query, ShadowSession.volunteer_id)):
        shadows[volunteer_id].append(observed_on)
    signed = competencies.signed_on_by_volunteer(session, volunteer_ids)
    return _Records(modules, {k: frozenset(v) for k, v in modes_of.items()}, completions, passed, shadows, signed)


_ACTIVE = frozenset(ACTIVE_MODES)


def _assess(volunteer: Volunteer, records: _Records, on: date) -> TrainingStatus:
    warn_from = on + timedelta(days=get_settings().expiry_warning_days)
    statuses = []
    volunteer_id = volunteer.id
    completions, quizzes = records.completions[volunteer_id], records.passed_quizzes[volunteer_id]
    # the modules' columns read once per list, not once per volunteer (ORM attributes are slow in a loop)
    for module, module_id, valid_months in [(m, m.id, m.valid_months) for m in records.modules]:
        dates = [d for d in completions[module_id] if d <= on]
        quiz_passed = any(d <= on for d in quizzes[module_id])
        modes = records.modes_of.get(module_id, frozenset())
        if not dates:
            statuses.append(ModuleStatus(module, modes, ModuleState.missing, quiz_passed=quiz_passed))
            continue
        last = max(dates)
        until = valid_through(last, valid_months)
        state = (ModuleState.valid if until is None or until >= warn_from
                 else ModuleState.expiring if until >= on else ModuleState.expired)
        statuses.append(ModuleStatus(module, modes, state, last, until, quiz_passed))

    shadow_required = curriculum().shadow_sessions_required
    shadow_done = sum(1 for d in records.shadow_dates[volunteer.id] if d <= on)
    core = [m for m in statuses if m.modes & _ACTIVE]
    home = [m for m in statuses if Mode.home in m.modes]
    signed = records.competencies.get(volunteer.id, {})
    unsigned = [c for c in competencies.COMPETENCIES if c not in signed or signed[c] > on]
    ever_started = any(m.state != ModuleState.missing for m in statuses) or shadow_done > 0 or len(unsigned) < len(Competency)
    if not ever_started:
        stage = Stage.applicant
    elif not all(m.is_valid for m in core):
        stage = Stage.in_training
    elif shadow_done < shadow_required or unsigned:
        stage = Stage.shadowing
    elif all(m.is_valid for m in home):
        stage = Stage.home_certified
    else:
        stage = Stage.active

    return TrainingStatus(volunteer=volunteer, on=on, stage=stage, modules=statuses, shadow_done=shadow_done,
                          shadow_required=shadow_required, competencies_missing=unsigned)


def training_statuses(session: Session, *, on: date, volunteer_ids: list[int] | None = None) -> list[TrainingStatus]:
    """The ladder for many volunteers at once (a handful of queries, whatever the number of volunteers)."""
    query = select(Volunteer).order_by(col(Volunteer.id))
    if volunteer_ids is not None:
        query = query.where(col(Volunteer.id).in_(volunteer_ids))
    volunteers = list(session.exec(query))
    records = _load_records(session, volunteer_ids)
    return [_assess(v, records, on) for v in volunteers]


def eligible_modes(session: Session, *, on: date, volunteer_ids: list[int] | None = None) -> dict[int, set[Mode]]:
    """Which modes each volunteer may take on that day (for matching). Applicants, trainees, volunteers still
    shadowing, and volunteers who are paused or left get an empty set; an expired module removes its modes."""
    return {s.volunteer.id: s.modes for s in training_statuses(session, on=on, volunteer_ids=volunteer_ids)}


def mode_eligibility(session: Session, *, volunteer_id: int, on: date) -> dict[Mode, list[str]]:
    """Mode -> why the volunteer may not take it on that day (translated into the current language); an empty
    list means allowed."""
    return training_status(session, volunteer_id=volunteer_id, on=on).reasons


def training_status(session: Session, *, volunteer_id: int, on: date) -> TrainingStatus:
    statuses = training_statuses(session, on=on, volunteer_ids=[volunteer_id])
    if not statuses:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    return statuses[0]
