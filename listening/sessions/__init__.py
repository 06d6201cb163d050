"""Listening sessions: the visits that are planned (and their states), the volunteer's session log with its risk ticks
and hours, and saving a log so that a risk is never lost even when the database is busy (log_saving)."""

from listening.sessions.logs import (
    NOTE_MAX,
    TOPIC_LABELS,
    LogResult,
    SessionLogInput,
    booked_hours,
    booked_hours_by_volunteer,
    cooling_off_until,
    cooling_off_volunteer_ids,
    heavy_load,
    hour_totals,
    log_session,
    loggable_visits,
    my_hours_by_month,
    my_rest_until,
    unanswered_run,
    visit_of_volunteer,
    volunteer_of,
)

__all__ = ["NOTE_MAX", "TOPIC_LABELS", "LogResult", "SessionLogInput", "booked_hours", "booked_hours_by_volunteer", "cooling_off_until",
           "cooling_off_volunteer_ids", "heavy_load", "hour_totals", "log_session", "loggable_visits",
           "my_hours_by_month", "my_rest_until", "unanswered_run", "visit_of_volunteer", "volunteer_of"]
