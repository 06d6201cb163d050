"""What a coordinator and a volunteer see of the ladder: the overview, next steps, a volunteer's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from listening.core.clock import local_date
from listening.core.errors import NotFound
from listening.core.i18n import N_, format_date, gettext, ngettext
from listening.core.permissions import require_role
from listening.models import (
    Account,
    CompletionMethod,
    Mode,
    QuizAttempt,
    Role,
    ShadowSession,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)
from listening.volunteers.training.curriculum import module_title, valid_through
from listening.volunteers.training.ladder import STAGE_ORDER, Stage, TrainingStatus, training_status, training_statuses


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


@dataclass(frozen=True)
class OverviewRow:
    """One volunteer on the coordinator's training list: plain values (module codes, not objects), so a district's
    list is cheap to keep and to filter."""

    volunteer_id: int
    full_name: str
    phone: str
    stage: Stage
    modes: frozenset[Mode]
    shadow_done: int
    shadow_required: int
    missing: tuple[str, ...]  # module codes
    expiring: tuple[tuple[str, date], ...]  # (module code, valid through)
    expired: tuple[str, ...]


def overview_rows(session: Session, *, actor: Account, on: date) -> list[OverviewRow]:
    """Every volunteer's place on the ladder, in the overview's order (stage, then name)."""
    return [OverviewRow(s.volunteer.id, s.volunteer.full_name, s.volunteer.phone, s.stage, frozenset(s.modes),
                        s.shadow_done, s.shadow_required, tuple(m.module.code for m in s.missing),
                        tuple((m.module.code, m.valid_through) for m in s.expiring),
                        tuple(m.module.code for m in s.expired))
            for s in training_overview(session, actor=actor, on=on)]


def filter_overview(rows: list[OverviewRow], *, search: str | None = None, stages: list[Stage] | None = None,
                    attention_only: bool = False) -> list[OverviewRow]:
    """The rows `training_overview` would keep for the same search, stages and attention filter."""
    needle = (search or "").strip()
    return [r for r in rows
            if (not needle or needle in r.full_name or needle in r.phone)
            and (not stages or r.stage in stages)
            and (not attention_only or r.expiring or r.expired)]


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
        steps.append(ngettext("Observe {n} more session beside a mentor.", "Observe {n} more sessions beside a mentor.",
                              status.shadow_required - status.shadow_done))
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
