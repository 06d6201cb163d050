"""Figures and frames for the coordinator's dashboards and exports: the home page's overview and requests per
week (`overview`), and logged sessions over a period (`sessions`): figures aggregated in SQL for the page, the
per-session table for the Excel export."""

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

__all__ = ["COMMUNITY_COLUMNS", "MAX_REPORT_DAYS", "SESSION_COLUMNS", "Overview", "SessionFigures", "SessionReport",
           "by_community", "coordinator_overview", "excel_workbook", "requests_by_week", "session_figures",
           "session_report", "topic_counts"]
