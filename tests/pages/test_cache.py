"""Reads cached at the edge (ui/cache.py): a rerun that follows no write reads almost nothing, and a write made
anywhere (another coordinator, the SMS worker) shows up on the very next run."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import select

from listening.core import db
from listening.models import Account, Community, Gender, Language
from listening.volunteers import training
from tests.pages.conftest import sign_in


class Statements:
    def __init__(self) -> None:
        self.count = 0
        self.texts: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        self.count += 1
        self.texts.append(statement)


def volunteers_counted(at) -> int:
    """The number in the overview's "{n} volunteers" caption (the page is in Chinese)."""
    [caption] = [c.value for c in at.caption if re.fullmatch(r"共 \d+ 名志愿者", c.value)]
    return int(re.search(r"\d+", caption).group())


def test_a_write_elsewhere_shows_on_the_next_run_and_a_plain_rerun_reads_from_the_cache(demo, session):
    at = sign_in("coordinator")
    at.run()  # the signed-in navigation registers its pages
    at.switch_page("pages/training.py").run()
    assert not at.exception
    before = volunteers_counted(at)

    counted = Statements()
    sa.event.listen(db.get_engine(), "before_cursor_execute", counted)
    try:
        at.run()
        plain_rerun = counted.count
        # Another coordinator adds an applicant, outside this browser's session.
        with db.session_scope() as other:
            coordinator = other.exec(select(Account).where(Account.username == "coordinator")).one()
            community = other.exec(select(Community)).first()
            training.add_applicant(other, actor=coordinator, full_name="缓存测试", gender=Gender.female,
                                   phone="139 0000 1999", community_id=community.id, languages=[Language.mandarin])
        counted.count = 0
        at.run()
        after_write = counted.count
    finally:
        sa.event.remove(db.get_engine(), "before_cursor_execute", counted)
    assert not at.exception
    assert volunteers_counted(at) == before + 1
    assert after_write > plain_rerun  # the ladder was read again, and only after the write


def test_the_reports_figures_follow_a_write_too(demo, session):
    from datetime import timedelta

    from listening.core import clock
    from listening.models import SessionLog

    at = sign_in("coordinator", lang="en")
    at.run()  # the signed-in navigation registers its pages
    at.switch_page("pages/reports.py").run()
    held = next(m.value for m in at.metric if m.label == "Sessions held")
    with db.session_scope() as other:  # a held session logged elsewhere is withdrawn as not held
        log = other.exec(select(SessionLog).where(SessionLog.outcome == "held")
                         .where(SessionLog.actual_start >= clock.now() - timedelta(days=60))).first()
        log.outcome, log.actual_start, log.actual_end = "no_show", None, None
        other.add(log)
    at.run()
    assert not at.exception
    assert next(m.value for m in at.metric if m.label == "Sessions held") == str(int(held.replace(",", "")) - 1)


def test_the_lower_reports_figures_follow_a_write_and_a_plain_rerun_reads_none_of_them(demo, session):
    from listening.models import LeaveReason, Volunteer, VolunteerStatus
    from listening.volunteers import lifecycle

    at = sign_in("coordinator", lang="en")
    at.run()  # the signed-in navigation registers its pages
    at.switch_page("pages/reports.py").run()
    left_before = next(m.value for m in at.metric if m.label == "Volunteers who left")

    counted = Statements()
    sa.event.listen(db.get_engine(), "before_cursor_execute", counted)
    try:
        at.run()
        plain_rerun = list(counted.texts)
        with db.session_scope() as other:  # another coordinator records a volunteer leaving today
            coordinator = other.exec(select(Account).where(Account.username == "coordinator")).one()
            volunteer = other.exec(select(Volunteer).where(Volunteer.status == VolunteerStatus.active)).first()
            lifecycle.leave(other, actor=coordinator, volunteer_id=volunteer.id, reason=LeaveReason.moved_away)
        counted.texts.clear()
        at.run()
        after_write = list(counted.texts)
    finally:
        sa.event.remove(db.get_engine(), "before_cursor_execute", counted)
    assert not at.exception
    assert next(m.value for m in at.metric if m.label == "Volunteers who left") == str(int(left_before) + 1)
    # The period's aggregates (sessions, connections, feedback, joining and leaving) are read again only after the
    # write; the plain rerun reads the session, the safeguarding banner's count and the data version.
    period_tables = ("session_log", "activity_suggestion", "feedback", "volunteer_departure", "complaint")
    assert not [text for text in plain_rerun if any(table in text for table in period_tables)]
    for table in ("session_log", "volunteer_departure", "feedback"):
        assert any(table in text for text in after_write), table
