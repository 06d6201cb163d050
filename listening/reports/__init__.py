"""Figures and frames for the coordinator's dashboards and exports: the home page's overview and requests per
week (`overview`), and logged sessions over a period (`sessions`): figures aggregated in SQL for the page, the
per-session table for the Excel export; hours shaped for the volunteer platforms (`hours`, CSV or Excel) and a
volunteer's hours certificate (`certificate`, PDF); attrition and time to a first session (`volunteers`); feedback
scores per month, complaints and their handling time, scam reports (`feedback`); residents connected to
activities (`connections`)."""

from listening.reports.certificate import FontMissing, hours_certificate, my_hours_certificate
from listening.reports.connections import ConnectionFigures, connection_figures
from listening.reports.hours import PLATFORM_COLUMNS, platform_csv, platform_hours, with_headers
from listening.reports.overview import Overview, coordinator_overview, requests_by_week
from listening.reports.sessions import (
    COMMUNITY_COLUMNS,
    MAX_REPORT_DAYS,
    SESSION_COLUMNS,
    SessionFigures,
    SessionReport,
    by_community,
    excel_workbook,
    session_figures,
    session_report,
    topic_counts,
)
from listening.reports.volunteers import ATTRITION_COLUMNS, FirstSessionFigures, attrition, time_to_first_session

__all__ = [
    "ATTRITION_COLUMNS",
    "COMMUNITY_COLUMNS",
    "MAX_REPORT_DAYS",
    "PLATFORM_COLUMNS",
    "SESSION_COLUMNS",
    "ConnectionFigures",
    "FirstSessionFigures",
    "FontMissing",
    "Overview",
    "SessionFigures",
    "SessionReport",
    "attrition",
    "by_community",
    "connection_figures",
    "coordinator_overview",
    "excel_workbook",
    "hours_certificate",
    "my_hours_certificate",
    "platform_csv",
    "platform_hours",
    "requests_by_week",
    "session_figures",
    "session_report",
    "time_to_first_session",
    "topic_counts",
    "with_headers",
]
