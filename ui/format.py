"""Display helpers: translated enum labels and local times."""

from __future__ import annotations

from datetime import datetime

from listening.core.config import get_settings
from listening.core.i18n import N_, _, format_datetime
from listening.models import Gender, Language, MessageKind, Mode, Outcome, RequestStatus, VisitStatus, VolunteerStatus

LABELS = {
    Mode.centre: N_("at the centre"),
    Mode.phone: N_("by phone"),
    Mode.home: N_("home visit"),
    Language.mandarin: N_("Mandarin"),
    Language.cantonese: N_("Cantonese"),
    Language.hakka: N_("Hakka"),
    Language.teochew: N_("Teochew"),
    Language.english: N_("English"),
    Gender.female: N_("female"),
    Gender.male: N_("male"),
    Gender.other: N_("other"),
    VolunteerStatus.active: N_("active"),
    VolunteerStatus.paused: N_("paused"),
    VolunteerStatus.left: N_("left"),
    VisitStatus.proposed: N_("proposed"),
    VisitStatus.scheduled: N_("scheduled"),
    VisitStatus.confirmed: N_("confirmed"),
    VisitStatus.completed: N_("completed"),
    VisitStatus.cancelled: N_("cancelled"),
    VisitStatus.no_show: N_("no-show"),
    RequestStatus.new: N_("new"),
    Outcome.held: N_("held"),
    Outcome.no_answer: N_("no answer"),
    MessageKind.request_received: N_("request received"),
    MessageKind.visit_scheduled: N_("visit booked"),
    MessageKind.reminder_24h: N_("reminder 24 h before"),
    MessageKind.reminder_2h: N_("reminder 2 h before"),
    MessageKind.cancellation: N_("cancellation"),
    MessageKind.no_show_followup: N_("no-show follow-up"),
    MessageKind.safeguarding_alert: N_("safeguarding alert"),
    MessageKind.reply_help: N_("help reply"),
    MessageKind.reply_ack: N_("reply acknowledgement"),
    MessageKind.coordinator_notice: N_("notice to the coordinator"),
    RequestStatus.matched: N_("matched"),
}


def label(value) -> str:
    """The translated name of an enum value."""
    message = LABELS.get(value)
    return _(message) if message else str(value)


def local_time(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, get_settings().tz, fmt)
