"""Residents and their requests for a listening hour: the public form and entry on a resident's behalf
(`intake`), the request's life from new to completed with one function per transition (`lifecycle`), the
coordinator's triage queue with each request's history (`triage`), and the communities they live in
(`communities`). Pages and other packages call the names below, or the module that holds them."""

from listening.residents.intake import (
    RequestForm,
    SubmitOutcome,
    SubmitResult,
    Window,
    record_on_behalf,
    sms_locale,
    submit,
    topic_risks,
    validate_form,
)
from listening.residents.lifecycle import (
    cancel,
    complete,
    confirm,
    mark_no_show,
    propose,
    reject_proposal,
    requeue,
    schedule,
    withdraw_visit,
)
from listening.residents.triage import (
    HISTORY_LABELS,
    HistoryEntry,
    RequestDetail,
    TriageRow,
    TriageSort,
    open_requests,
    queue_page,
    request_detail,
    request_history,
    reveal_phone,
)

__all__ = [
    "HISTORY_LABELS",
    "HistoryEntry",
    "RequestDetail",
    "RequestForm",
    "SubmitOutcome",
    "SubmitResult",
    "TriageRow",
    "TriageSort",
    "Window",
    "cancel",
    "complete",
    "confirm",
    "mark_no_show",
    "open_requests",
    "queue_page",
    "propose",
    "record_on_behalf",
    "reject_proposal",
    "request_detail",
    "request_history",
    "requeue",
    "reveal_phone",
    "schedule",
    "sms_locale",
    "submit",
    "topic_risks",
    "validate_form",
    "withdraw_visit",
]
