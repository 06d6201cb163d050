"""Safeguarding: risk detection, escalation, the duty rota, debriefs and hotlines. Listening is not crisis care.

Risk phrases in a request or a session note (`detection`, after `normalise`, with the lexicon of `lexicon`), or a risk tick in a session log, open an escalation at
once (`escalation`): an urgent SMS (it ignores quiet hours) goes to the coordinator on duty (`rota`), or to every
coordinator with a phone when nobody is on the rota. The SMS only says that escalation #id needs the duty
coordinator; the resident's words stay in the app. Volunteers may ask for a debrief afterwards (`debriefs`), and
are shown the crisis numbers (`hotlines`). Callers use the names re-exported here (`safeguarding.detect_risk`).
"""

from listening.safeguarding.debriefs import DebriefView, handle_debrief, offer_debrief, open_debriefs, request_debrief
from listening.safeguarding.detection import (
    RISK_KINDS,
    RISK_LABELS,
    UNANSWERED_RISK,
    detect_risk,
    explain_risk,
    normalise_text,
    risk_label_ids,
    risk_words,
)
from listening.safeguarding.escalation import (
    ACTION_MAX,
    SOURCE_LABELS,
    EscalationView,
    ResponseTimes,
    acknowledge,
    alert_recipients,
    close,
    open_escalations,
    raise_escalation,
    record_action,
    response_times,
)
from listening.safeguarding.hotlines import CRISIS_STEPS, Hotline, hotlines
from listening.safeguarding.rota import (
    MAX_SHIFT,
    CoordinatorChoice,
    ShiftView,
    add_duty_shift,
    coordinators,
    coordinators_on_duty,
    duty_rota,
)

__all__ = [
    "ACTION_MAX",
    "CRISIS_STEPS",
    "MAX_SHIFT",
    "RISK_KINDS",
    "RISK_LABELS",
    "SOURCE_LABELS",
    "UNANSWERED_RISK",
    "CoordinatorChoice",
    "DebriefView",
    "EscalationView",
    "Hotline",
    "ResponseTimes",
    "ShiftView",
    "acknowledge",
    "add_duty_shift",
    "alert_recipients",
    "close",
    "coordinators",
    "coordinators_on_duty",
    "detect_risk",
    "explain_risk",
    "duty_rota",
    "handle_debrief",
    "hotlines",
    "normalise_text",
    "offer_debrief",
    "open_debriefs",
    "open_escalations",
    "raise_escalation",
    "record_action",
    "request_debrief",
    "response_times",
    "risk_label_ids",
    "risk_words",
]
