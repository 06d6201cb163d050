"""Curriculum (kept as data in data/curriculum.json), completions, certification and expiry.

The ladder is derived from the records, never typed in: applicant -> in training -> shadowing -> active (phone,
centre) -> home-visit certified. A module needed for a mode must hold a *valid* completion on the day in question:

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

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, delete, select

from listening.core import audit, clock
from listening.core.audit import AuditAction
from listening.core.clock import local_date, today
from listening.core.config import DATA_DIR, get_settings
from listening.core.errors import InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_, format_date, get_locale, gettext
from listening.core.permissions import require_role
from listening.core.phones import normalise
from listening.models import (
    Account,
    Community,
    CompletionMethod,
    Gender,
    Language,
    Mode,
    QuizAttempt,
    Role,
    ShadowSession,
    StrEnum,
    TrainingCompletion,
    TrainingModule,
    TrainingModuleMode,
    Volunteer,
    VolunteerLanguage,
    VolunteerStatus,
)

# Listening alone by phone or at the centre is "active"; home visits are the top of the ladder.
ACTIVE_MODES = (Mode.phone, Mode.centre)


# ----- the curriculum and quizzes as data ---------------------------------------------------------------------


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


def training_modules(session: Session) -> list[TrainingModule]:
    return list(session.exec(select(TrainingModule).order_by(col(TrainingModule.position))))


def module_title(module: TrainingModule) -> str:
    return module.title_zh if get_locale() == DEFAULT_LOCALE else module.title_en


def module_summary(module: TrainingModule) -> str:
    return module.summary_zh if get_locale() == DEFAULT_LOCALE else module.summary_en


# ----- dates --------------------------------------------------------------------------------------------------


def valid_through(completed_on: date, valid_months: int | None) -> date | None:
    """The last day a completion is valid (see the module docstring); None: it never expires."""
    if valid_months is None:
        return None
    return completed_on + relativedelta(months=valid_months) - timedelta(days=1)


# ----- the ladder ---------------------------------------------------------------------------------------------


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


@dataclass
class TrainingStatus:
    """Where one volunteer stands on one day, and why."""

    volunteer: Volunteer
    on: date
    stage: Stage
    modules: list[ModuleStatus]
    shadow_done: int
    shadow_required: int
    modes: set[Mode]
    reasons: dict[Mode, list[str]]  # translated in the locale current when computed; empty list = allowed

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


def _load_records(session: Session, volunteer_ids: list[int] | None) -> _Records:
    modules = list(session.exec(select(TrainingModule).order_by(col(TrainingModule.position))))
    modes_of: dict[int, set[Mode]] = defaultdict(set)
    for row in session.exec(select(TrainingModuleMode)):
        modes_of[row.module_id].add(row.mode)

    def only(query, column):
        return query if volunteer_ids is None else query.where(col(column).in_(volunteer_ids))

    completions: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    for c in session.exec(only(select(TrainingCompletion), TrainingCompletion.volunteer_id)):
        completions[c.volunteer_id][c.module_id].append(c.completed_on)
    passed: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    for q in session.exec(only(select(QuizAttempt).where(QuizAttempt.passed), QuizAttempt.volunteer_id)):
        passed[q.volunteer_id][q.module_id].append(local_date(q.taken_at))
    shadows: dict[int, list[date]] = defaultdict(list)
    for s in session.exec(only(select(ShadowSession), ShadowSession.volunteer_id)):
        shadows[s.volunteer_id].append(s.observed_on)
    return _Records(modules, {k: frozenset(v) for k, v in modes_of.items()}, completions, passed, shadows)


def _assess(volunteer: Volunteer, records: _Records, on: date) -> TrainingStatus:
    warn_from = on + timedelta(days=get_settings().expiry_warning_days)
    statuses = []
    for module in records.modules:
        dates = [d for d in records.completions[volunteer.id][module.id] if d <= on]
        quiz_passed = any(d <= on for d in records.passed_quizzes[volunteer.id][module.id])
        modes = records.modes_of.get(module.id, frozenset())
        if not dates:
            statuses.append(ModuleStatus(module, modes, ModuleState.missing, quiz_passed=quiz_passed))
            continue
        last = max(dates)
        until = valid_through(last, module.valid_months)
        state = (ModuleState.valid if until is None or until >= warn_from
                 else ModuleState.expiring if until >= on else ModuleState.expired)
        statuses.append(ModuleStatus(module, modes, state, last, until, quiz_passed))

    shadow_required = curriculum().shadow_sessions_required
    shadow_done = sum(1 for d in records.shadow_dates[volunteer.id] if d <= on)
    core = [m for m in statuses if m.modes & set(ACTIVE_MODES)]
    home = [m for m in statuses if Mode.home in m.modes]
    ever_started = any(m.state != ModuleState.missing for m in statuses) or shadow_done > 0
    if not ever_started:
        stage = Stage.applicant
    elif not all(m.is_valid for m in core):
        stage = Stage.in_training
    elif shadow_done < shadow_required:
        stage = Stage.shadowing
    elif all(m.is_valid for m in home):
        stage = Stage.home_certified
    else:
        stage = Stage.active

    reasons: dict[Mode, list[str]] = {}
    for mode in Mode:
        why: list[str] = []
        if volunteer.status != VolunteerStatus.active:
            why.append(gettext(N_("The volunteer's status is {status}."), status=gettext(str(volunteer.status))))
        if shadow_done < shadow_required:
            why.append(gettext(N_("Observed sessions with a mentor: {done} of {required}."), done=shadow_done,
                               required=shadow_required))
        for m in statuses:
            if mode not in m.modes or m.is_valid:
                continue
            if m.state == ModuleState.expired:
                why.append(gettext(N_("Module expired on {date}: {title}"),
                                   date=format_date(m.valid_through + timedelta(days=1)),
                                   title=module_title(m.module)))
            else:
                why.append(gettext(N_("Module not completed: {title}"), title=module_title(m.module)))
        reasons[mode] = why
    modes = {mode for mode, why in reasons.items() if not why}
    return TrainingStatus(volunteer=volunteer, on=on, stage=stage, modules=statuses, shadow_done=shadow_done,
                          shadow_required=shadow_required, modes=modes, reasons=reasons)


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


# ----- what a coordinator and a volunteer see -----------------------------------------------------------------


def training_overview(session: Session, *, actor: Account, on: date, search: str | None = None,
                      stages: list[Stage] | None = None, attention_only: bool = False) -> list[TrainingStatus]:
    """The volunteer list with stages; `attention_only` keeps those with expired or soon-expiring modules."""
    require_role(actor, Role.coordinator)
    statuses = training_statuses(session, on=on)
    if search and search.strip():
        needle = search.strip()
        statuses = [s for s in statuses if needle in s.volunteer.full_name or needle in s.volunteer.phone]
    if stages:
        statuses = [s for s in statuses if s.stage in stages]
    if attention_only:
        statuses = [s for s in statuses if s.expiring or s.expired]
    return sorted(statuses, key=lambda s: (STAGE_ORDER.index(s.stage), s.volunteer.full_name))


def my_training(session: Session, *, actor: Account, on: date) -> TrainingStatus:
    require_role(actor, Role.volunteer)
    volunteer = session.exec(select(Volunteer).where(Volunteer.account_id == actor.id)).first()
    if volunteer is None:
        raise NotFound(N_("No volunteer record is linked to this account. Ask a coordinator."))
    return training_status(session, volunteer_id=volunteer.id, on=on)


def next_steps(status: TrainingStatus) -> list[str]:
    """What the volunteer should do next, most pressing first, in the current language."""
    steps = []
    for m in status.expired:
        steps.append(gettext(N_("Renew the module {title}: it expired on {date}."), title=module_title(m.module),
                             date=format_date(m.valid_through + timedelta(days=1))))
    for m in status.expiring:
        steps.append(gettext(N_("Renew the module {title} before {date}."), title=module_title(m.module),
                             date=format_date(m.valid_through + timedelta(days=1))))
    for m in status.missing:
        if m.module.requires_quiz and not m.quiz_passed:
            steps.append(gettext(N_("Attend the module {title} and pass its quiz."), title=module_title(m.module)))
        elif m.module.requires_signoff:
            steps.append(gettext(N_("Ask a coordinator to sign off the module {title}."),
                                 title=module_title(m.module)))
        else:
            steps.append(gettext(N_("Attend the module {title}."), title=module_title(m.module)))
    if all(m.is_valid for m in status.core_modules) and status.shadow_done < status.shadow_required:
        steps.append(gettext(N_("Observe {n} more sessions beside a mentor."),
                             n=status.shadow_required - status.shadow_done))
    return steps


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    text: str  # translated


def volunteer_timeline(session: Session, *, actor: Account, volunteer_id: int, on: date) -> list[TimelineEntry]:
    """Joined, completions, quiz attempts, observed sessions, expiries (past and coming), oldest first."""
    require_role(actor, Role.coordinator)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    modules = {m.id: m for m in session.exec(select(TrainingModule))}
    names = {v.id: v.full_name for v in session.exec(select(Volunteer))}
    entries = [TimelineEntry(volunteer.joined_on, gettext(N_("Joined as an applicant.")))]
    latest: dict[int, date] = {}
    for c in session.exec(select(TrainingCompletion).where(TrainingCompletion.volunteer_id == volunteer_id)):
        module = modules[c.module_id]
        entries.append(TimelineEntry(c.completed_on, gettext(N_("Completed {title} ({method})."),
                                                             title=module_title(module),
                                                             method=gettext(METHOD_LABELS[c.method]))))
        latest[c.module_id] = max(latest.get(c.module_id, c.completed_on), c.completed_on)
    for module_id, completed_on in latest.items():
        until = valid_through(completed_on, modules[module_id].valid_months)
        if until is not None:
            message = N_("{title} expired.") if until < on else N_("{title} expires.")
            entries.append(TimelineEntry(until + timedelta(days=1),
                                         gettext(message, title=module_title(modules[module_id]))))
    for q in session.exec(select(QuizAttempt).where(QuizAttempt.volunteer_id == volunteer_id)):
        message = N_("Quiz {title}: {score}%, passed.") if q.passed else N_("Quiz {title}: {score}%, not passed.")
        entries.append(TimelineEntry(local_date(q.taken_at), gettext(message, title=module_title(modules[q.module_id]),
                                                                     score=q.score_percent)))
    for s in session.exec(select(ShadowSession).where(ShadowSession.volunteer_id == volunteer_id)):
        entries.append(TimelineEntry(s.observed_on, gettext(N_("Observed a session beside {mentor}."),
                                                            mentor=names.get(s.mentor_id, "?"))))
    return sorted(entries, key=lambda e: e.on)


METHOD_LABELS = {
    CompletionMethod.attendance: N_("attendance"),
    CompletionMethod.quiz: N_("quiz"),
    CompletionMethod.signoff: N_("coordinator sign-off"),
    CompletionMethod.csv_import: N_("imported"),
}


# ----- recording training -------------------------------------------------------------------------------------


def _module_by_code(session: Session, code: str) -> TrainingModule | None:
    return session.exec(select(TrainingModule).where(TrainingModule.code == code)).first()


def record_completions(session: Session, *, actor: Account, volunteer_ids: list[int], module_codes: list[str],
                       completed_on: date, method: CompletionMethod = CompletionMethod.signoff,
                       on: date | None = None) -> list[TrainingCompletion]:
    """A coordinator records modules for many volunteers at once (a class, a sign-off). All or nothing."""
    require_role(actor, Role.coordinator)
    on = on or today()
    ids, codes = list(dict.fromkeys(volunteer_ids)), list(dict.fromkeys(module_codes))
    if not ids:
        raise InvalidInput(N_("Choose at least one volunteer."), field="volunteer_ids")
    if not codes:
        raise InvalidInput(N_("Choose at least one module."), field="module_codes")
    modules = {m.code: m for m in session.exec(select(TrainingModule).where(col(TrainingModule.code).in_(codes)))}
    for code in codes:
        if code not in modules:
            raise InvalidInput(N_("There is no training module {code}."), field="module_codes", code=code)
    if completed_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="completed_on",
                           date=format_date(completed_on))
    found = {v.id: v for v in session.exec(select(Volunteer).where(col(Volunteer.id).in_(ids)))}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(N_("There is no volunteer with the number {id}."), field="volunteer_ids", id=unknown[0])
    module_ids = [m.id for m in modules.values()]
    already = session.exec(select(TrainingCompletion).where(
        col(TrainingCompletion.module_id).in_(module_ids), TrainingCompletion.completed_on == completed_on,
        col(TrainingCompletion.volunteer_id).in_(ids))).first()
    if already:
        title = module_title(next(m for m in modules.values() if m.id == already.module_id))
        raise InvalidInput(N_("{name} already has {title} recorded on {date}."), field="volunteer_ids",
                           name=found[already.volunteer_id].full_name, title=title, date=format_date(completed_on))
    rows = [TrainingCompletion(volunteer_id=i, module_id=modules[code].id, completed_on=completed_on, method=method,
                               recorded_by=actor.id) for i in ids for code in codes]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_completions_recorded, entity="training_completion",
                 details={"modules": codes, "completed_on": completed_on.isoformat(), "volunteer_ids": ids,
                          "method": method.value})
    return rows


@dataclass(frozen=True)
class RowProblem:
    line: int  # line number in the file, the header being line 1
    message: str  # English msgid
    params: dict = field(default_factory=dict)

    def translated(self) -> str:
        # module titles are chosen here, so the problem reads in the language current when it is shown
        params = {k: module_title(v) if isinstance(v, TrainingModule) else v for k, v in self.params.items()}
        return gettext(N_("Line {line}: {problem}"), line=self.line, problem=gettext(self.message, **params))


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


def import_completions_csv(session: Session, *, actor: Account, data: bytes | str,
                           on: date | None = None) -> list[TrainingCompletion]:
    """Import completions from a CSV file with the columns volunteer (phone number or volunteer number), module
    (code) and completed_on (YYYY-MM-DD). Every row is checked first; one bad row and nothing is imported."""
    require_role(actor, Role.coordinator)
    on = on or today()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")  # Excel writes a byte-order mark
        except UnicodeDecodeError:
            raise ImportRejected([RowProblem(1, N_("The file is not UTF-8 text. Save it as CSV UTF-8."))]) from None
    reader = csv.reader(io.StringIO(data.lstrip("\ufeff")))
    rows = [(number, row) for number, row in enumerate(reader, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRejected([RowProblem(1, N_("The file is empty."))])
    header_line, header = rows[0]
    columns = {CSV_COLUMNS.get(name.strip().lower()): index for index, name in enumerate(header)}
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
        cell = lambda name: row[columns[name]].strip() if columns[name] < len(row) else ""  # noqa: E731
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


def record_shadow_session(session: Session, *, actor: Account, volunteer_id: int, mentor_id: int, observed_on: date,
                          on: date | None = None) -> ShadowSession:
    """A trainee observed a session beside a mentor, who must be listening on their own on that day."""
    require_role(actor, Role.coordinator)
    on = on or today()
    if observed_on > on:
        raise InvalidInput(N_("The date {date} is in the future."), field="observed_on",
                           date=format_date(observed_on))
    if volunteer_id == mentor_id:
        raise InvalidInput(N_("A volunteer cannot be their own mentor."), field="mentor_id")
    volunteer, mentor = session.get(Volunteer, volunteer_id), session.get(Volunteer, mentor_id)
    if volunteer is None or mentor is None:
        raise NotFound(N_("There is no volunteer with the number {id}."),
                       id=volunteer_id if volunteer is None else mentor_id)
    if not training_status(session, volunteer_id=mentor_id, on=observed_on).modes:
        raise InvalidInput(N_("{name} was not certified to listen on {date}, so cannot be a mentor."),
                           field="mentor_id", name=mentor.full_name, date=format_date(observed_on))
    duplicate = session.exec(select(ShadowSession).where(
        ShadowSession.volunteer_id == volunteer_id, ShadowSession.mentor_id == mentor_id,
        ShadowSession.observed_on == observed_on)).first()
    if duplicate:
        raise InvalidInput(N_("This observed session is already recorded."), field="observed_on")
    row = ShadowSession(volunteer_id=volunteer_id, mentor_id=mentor_id, observed_on=observed_on,
                        signed_off_by=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.training_shadow_recorded, entity="volunteer",
                 entity_id=volunteer_id, details={"mentor_id": mentor_id, "observed_on": observed_on.isoformat()})
    return row


def add_applicant(session: Session, *, actor: Account, full_name: str, gender: Gender, phone: str,
                  community_id: int, languages: list[Language], joined_on: date | None = None) -> Volunteer:
    """A new volunteer at the foot of the ladder."""
    require_role(actor, Role.coordinator)
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 100:
        raise InvalidInput(N_("Enter a name of 1 to 100 characters."), field="full_name")
    e164 = normalise(phone)
    if session.get(Community, community_id) is None:
        raise InvalidInput(N_("Choose a community."), field="community_id")
    if not languages:
        raise InvalidInput(N_("Choose at least one language."), field="languages")
    if session.exec(select(Volunteer).where(Volunteer.phone == e164)).first():
        raise InvalidInput(N_("A volunteer with this phone number is already registered."), field="phone")
    volunteer = Volunteer(full_name=full_name, gender=Gender(gender), phone=e164, community_id=community_id,
                          joined_on=joined_on or today())
    session.add(volunteer)
    session.flush()
    for language in dict.fromkeys(languages):
        session.add(VolunteerLanguage(volunteer_id=volunteer.id, language=Language(language)))
    session.flush()
    audit.record(session, actor_id=actor.id, action=AuditAction.volunteer_applicant_added, entity="volunteer",
                 entity_id=volunteer.id)  # no phone number in the details
    return volunteer


# ----- quizzes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizResult:
    score_percent: int
    passed: bool
    pass_percent: int
    wrong: list[str]  # ids of the questions answered wrongly
    completion_recorded: bool  # False when the module still needs a coordinator's sign-off


def quiz_questions(module_code: str) -> tuple[QuizQuestion, ...]:
    return quizzes().get(module_code, ())


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
