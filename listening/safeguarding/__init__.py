"""Safeguarding: risk detection, escalation, the duty rota, debriefs and hotlines. Listening is not crisis care.

Risk phrases in a request or a session note (`detection`, after `normalise`, with
the lexicon of `lexicon`), or a risk tick in a session log, open an escalation at
once (`escalation`): an urgent SMS (it ignores quiet hours) goes to the coordinator on duty (`rota`); when they
cannot receive it, or it fails, to every other coordinator who can; and again every 15 minutes until somebody
acknowledges (`alerts`, moved on by the SMS worker). The SMS only says that escalation #id needs a coordinator;
the resident's words stay in the app. The page shows each escalation's people with their numbers masked until
revealed (`contacts`) and what came of it (`outcomes`). Volunteers may ask for a debrief afterwards (`debriefs`), and
are shown the crisis numbers (`hotlines`). Callers use the names re-exported here (`safeguarding.detect_risk`).
"""

from listening.safeguarding.alerts import AlertStep, Coverage, advance, advance_all, coverage
from listening.safeguarding.contacts import Contact, reveal_phone
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
    SEVERITY,
    SOURCE_LABELS,
    EscalationView,
    ResponseTimes,
    acknowledge,
    alert_recipients,
    close,
    open_escalations,
    raise_escalation,
    recently_closed,
    record_action,
    response_times,
    severity,
    unacknowledged_count,
)
from listening.safeguarding.hotlines import CRISIS_STEPS, Hotline, hotlines
from listening.safeguarding.outcomes import OUTCOME_LABELS, OutcomeView, record_outcome
from listening.safeguarding.rota import (
    MAX_SHIFT,
    SKIP_LABELS,
    CoordinatorChoice,
    ShiftView,
    add_duty_shift,
    coordinators,
    coordinators_on_duty,
    duty_rota,
    sms_problem,
)

__all__ = [
    "ACTION_MAX",
    "CRISIS_STEPS",
    "MAX_SHIFT",
    "OUTCOME_LABELS",
    "RISK_KINDS",
    "RISK_LABELS",
    "SEVERITY",
    "SKIP_LABELS",
    "SOURCE_LABELS",
    "UNANSWERED_RISK",
    "AlertStep",
    "Contact",
    "CoordinatorChoice",
    "Coverage",
    "DebriefView",
    "EscalationView",
    "Hotline",
    "OutcomeView",
    "ResponseTimes",
    "ShiftView",
    "acknowledge",
    "add_duty_shift",
    "advance",
    "advance_all",
    "alert_recipients",
    "close",
    "coordinators",
    "coordinators_on_duty",
    "coverage",
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
    "recently_closed",
    "record_action",
    "record_outcome",
    "request_debrief",
    "response_times",
    "reveal_phone",
    "risk_label_ids",
    "risk_words",
    "severity",
    "sms_problem",
    "unacknowledged_count",
]
