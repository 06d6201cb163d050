"""A resident's copy (PIPL right of access): everything the programme holds about one resident, as a readable
UTF-8 Markdown file, labelled in the coordinator's language (enum codes become words through core.labels).
Making the copy is audited (the audit names the resident's id, never the content)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from babel.dates import get_day_names
from sqlmodel import Session, col, select

from listening.connection import journeys, suggestions
from listening.core import audit, phones
from listening.core.audit import AuditAction
from listening.core.config import get_settings
from listening.core.errors import NotFound
from listening.core.i18n import LANGUAGE_NAMES, N_, format_date, format_datetime, get_locale, join_list
from listening.core.i18n import gettext as _
from listening.core.labels import label
from listening.core.permissions import require_role
from listening.models import (
    Account,
    Community,
    DoNotMatch,
    Escalation,
    InboundMessage,
    ListeningRequest,
    OutboundMessage,
    RequestReason,
    RequestTimeWindow,
    Resident,
    Role,
    SessionLog,
    SmsOptOut,
    Visit,
    utcnow,
)
from listening.privacy import views
from listening.safeguarding.detection import risk_label_ids
from listening.sessions.logs import TOPIC_LABELS

PART_OF_DAY = {"morning": N_("morning"), "afternoon": N_("afternoon"), "evening": N_("evening")}


@dataclass(frozen=True)
class ResidentCopy:
    filename: str
    text: str

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _when(value: datetime | None) -> str:
    return format_datetime(value, get_settings().tz) if value else "—"


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _lines(title: str, fields: list[tuple[str, object]]) -> list[str]:
    out = [f"### {title}", ""]
    out += [f"- {name}: {value if value not in (None, '') else '—'}" for name, value in fields]
    return [*out, ""]


def _connections(session: Session, *, actor: Account, resident_id: int) -> list[str]:
    """The activities suggested to the resident with what they said, and their journey plan with its goals."""
    given = suggestions.resident_suggestions(session, actor=actor, resident_id=resident_id)
    plan = journeys.plan_for(session, actor=actor, resident_id=resident_id)
    if not given and plan is None:
        return []
    text = ["## " + _("Activities and journey"), ""]
    for g in given:
        text += _lines(_("Activity suggested on {date}", date=format_date(g.suggested_on)), [
            (_("Activity"), g.activity_name),
            *[(_("After {n} weeks", n=weeks), label(answer)) for weeks, answer in sorted(g.answers.items())]])
    if plan is not None:
        text += _lines(_("Journey plan"), [
            *[(_("Goal"), goal) for goal in plan.goals], (_("Review after this many sessions"), plan.review_after),
            (_("Planned number of sessions"), plan.planned_sessions),
            (_("Planned last session"), format_date(plan.planned_last_on) if plan.planned_last_on else None)])
    return text


def resident_copy(session: Session, *, actor: Account, resident_id: int) -> ResidentCopy:
    require_role(actor, Role.coordinator)
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(N_("This resident does not exist (perhaps already erased)."))
    community = session.get(Community, resident.community_id)
    now = utcnow()
    text = ["# " + _("What Listening Hour holds about {name}", name=resident.display_name), "",
            _("Made on {when} by {who}.", when=_when(now), who=actor.display_name), ""]
    text += ["## " + _("Personal details"), ""]
    text += _lines(_("Resident"), [
        (_("Name"), resident.display_name), (_("Phone"), phones.display(resident.phone)),
        (_("Community"), community.name_zh if get_locale().startswith("zh") else community.name_en),
        (_("Address"), resident.address), (_("Language of SMS"), LANGUAGE_NAMES.get(resident.locale, resident.locale)),
        (_("Consent to sensitive information"), _when(resident.sensitive_consent_at)),
        (_("Consent to SMS"), _when(resident.sms_consent_at)), (_("Consent given verbally"), _yes(resident.consent_verbal)),
        (_("Opted out of SMS"), _yes(session.get(SmsOptOut, resident.phone) is not None)),
        (_("First recorded"), _when(resident.created_at)),
    ])
    requests = session.exec(select(ListeningRequest).where(ListeningRequest.resident_id == resident.id)
                            .order_by(col(ListeningRequest.created_at))).all()
    text += ["## " + _("Requests"), ""]
    days = get_day_names("wide", locale=get_locale())
    for request in requests:
        windows = session.exec(select(RequestTimeWindow).where(RequestTimeWindow.request_id == request.id)
                               .order_by(col(RequestTimeWindow.id))).all()
        times = "; ".join(f"{days[w.weekday] if w.weekday is not None else format_date(w.on_date)} "
                          f"{_(PART_OF_DAY[w.part_of_day.value])}" for w in windows)
        reasons = session.exec(select(RequestReason).where(RequestReason.request_id == request.id)).all()
        text += _lines(_("Request #{id}", id=request.id), [
            (_("Received"), _when(request.created_at)), (_("Status"), label(request.status)),
            (_("Mode"), label(request.mode)), (_("Language"), label(request.language)),
            (_("Volunteer's gender"), label(request.gender_wish) if request.gender_wish else None),
            (_("Same volunteer as last time"), _yes(request.wants_same_volunteer)),
            (_("Would like to talk about"), request.topic), (_("Urgency"), request.urgency),
            (_("When"), times), (_("Reason for cancelling"), request.cancel_reason),
            *[(_("Reason given"), r.reason) for r in reasons if r.reason],
        ])
        log_ids: list[int] = []
        for visit in session.exec(select(Visit).where(Visit.request_id == request.id).order_by(col(Visit.starts_at))):
            text += _lines(_("Visit on {when}", when=_when(visit.starts_at)),
                           [(_("Mode"), label(visit.mode)), (_("Status"), label(visit.status))])
            for log in session.exec(select(SessionLog).where(SessionLog.visit_id == visit.id)):
                log_ids.append(log.id)
                topics = join_list(_(TOPIC_LABELS[t]) for t in log.topics.split(",") if t in TOPIC_LABELS)
                text += _lines(_("Session log"), [
                    (_("Outcome"), label(log.outcome)), (_("Mood before"), log.mood_before),
                    (_("Mood after"), log.mood_after), (_("Topics"), topics),
                    (_("Would like another session"), _yes(log.follow_up_wanted)), (_("Note"), log.note),
                ])
        about = sa.or_(col(Escalation.request_id) == request.id, col(Escalation.session_log_id).in_(log_ids or [-1]))
        for escalation in session.exec(select(Escalation).where(about).order_by(col(Escalation.raised_at))):
            text += _lines(_("Safeguarding escalation"), [
                (_("Raised"), _when(escalation.raised_at)), (_("Status"), label(escalation.status)),
                (_("Risk"), join_list(_(r) for r in risk_label_ids(escalation.risk_kinds))),
                (_("What was done"), escalation.action_taken)])
    text += _connections(session, actor=actor, resident_id=resident.id)
    text += ["## " + _("Text messages"), ""]
    for message in session.exec(select(OutboundMessage).where(OutboundMessage.to_phone == resident.phone)
                                .order_by(col(OutboundMessage.created_at))):
        text += _lines(_("Sent on {when}", when=_when(message.created_at)), [
            (_("Kind"), label(message.kind)), (_("Status"), label(message.status)), (_("Text"), message.body)])
    for message in session.exec(select(InboundMessage).where(InboundMessage.from_phone == resident.phone)
                                .order_by(col(InboundMessage.received_at))):
        text += _lines(_("Received on {when}", when=_when(message.received_at)), [
            (_("Understood as"), label(message.intent)), (_("Text"), message.body)])
    never = session.exec(select(DoNotMatch).where(DoNotMatch.resident_id == resident.id)).all()
    if never:
        text += ["## " + _("Volunteers who will not be matched again"), "",
                 *[f"- {r.reason or '—'}" for r in never], ""]
    text += ["## " + _("Who viewed these details"), ""]
    text += [f"- {_when(v.at)} · {v.name} · {_(views.CONTEXT_LABELS[v.context])}"
             for v in views.viewers_of(session, actor=actor, resident_id=resident.id)] or ["—"]
    audit.record(session, actor_id=actor.id, action=AuditAction.resident_copy_exported, entity="resident",
                 entity_id=resident.id, at=now)
    views.record_view(session, viewer=actor, resident_ids=[resident.id], context=views.ViewContext.resident_copy,
                      contact=True, now=now)
    return ResidentCopy(filename=f"resident-{resident.id}-{now.astimezone(get_settings().tz).date().isoformat()}.md",
                        text="\n".join(text) + "\n")
