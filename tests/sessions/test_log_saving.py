"""A risk-ticked or risk-worded session log is never lost, even when the database cannot take the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from listening.core.errors import Busy, InvalidInput
from listening.models import Escalation, EscalationSource, MessageKind, OutboundMessage, Outcome, SessionLog
from listening.sessions import log_saving, logs
from listening.sessions.log_saving import LogNotSaved
from listening.sessions.logs import SessionLogInput
from tests import factories
from tests.factories.session_factories import NOW, coordinator, visit

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants


@pytest.fixture
def ready(session):
    duty = coordinator(session, "duty", phone="+8613800000001")
    account, volunteer = factories.volunteer(session)
    v = visit(session, volunteers=[volunteer], starts_at=NOW - timedelta(hours=2))
    session.commit()
    return duty, account, v


def entry(v, *, note="聊了家里的事。", risks=frozenset()) -> SessionLogInput:
    return SessionLogInput(actual_start=v.starts_at, actual_end=v.starts_at + timedelta(minutes=50), mood_before=2,
                           mood_after=3, topics=["family"], note=note, risks=set(risks), outcome=Outcome.held)


def locked(*_args, **_kwargs):
    raise sa.exc.OperationalError("INSERT INTO session_log ...", {}, Exception("database is locked"))


def count(engine, model, *where) -> int:
    with Session(engine) as check:
        return check.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_risk_tick_still_raises_its_escalation_when_the_log_cannot_be_saved(engine, ready, monkeypatch):
    duty, account, v = ready
    monkeypatch.setattr(logs, "log_session", locked)
    monkeypatch.setattr(log_saving.db.time, "sleep", lambda _s: None)
    with pytest.raises(LogNotSaved) as caught:
        log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v, risks={"suicide"}), now=NOW)
    assert caught.value.alerted
    assert "再按一次保存" in caught.value.translated() and f"#{caught.value.escalation_id}" in caught.value.translated()
    assert count(engine, SessionLog) == 0
    with Session(engine) as check:
        escalation = check.get(Escalation, caught.value.escalation_id)
        assert (escalation.source, escalation.risk_kinds, escalation.request_id, escalation.session_log_id) == (
            EscalationSource.session_log, "suicide", v.request_id, None)
        [alert] = check.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.safeguarding_alert))
        assert alert.to_phone == duty.phone and alert.urgent


def test_risk_words_alone_are_enough_to_raise_it(engine, ready, monkeypatch):
    _duty, account, v = ready
    monkeypatch.setattr(logs, "log_session", locked)
    monkeypatch.setattr(log_saving.db.time, "sleep", lambda _s: None)
    with pytest.raises(LogNotSaved):
        log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v, note="她说不想活了"), now=NOW)
    assert count(engine, Escalation) == 1


def test_saving_again_later_links_the_escalation_instead_of_raising_a_second(engine, ready, monkeypatch):
    _duty, account, v = ready
    with monkeypatch.context() as patched:
        patched.setattr(logs, "log_session", locked)
        patched.setattr(log_saving.db.time, "sleep", lambda _s: None)
        with pytest.raises(LogNotSaved) as caught:
            log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v, risks={"abuse"}), now=NOW)
    result = log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v, risks={"abuse"}), now=NOW)
    assert result.escalation.id == caught.value.escalation_id
    assert count(engine, Escalation) == 1
    with Session(engine) as check:
        assert check.get(Escalation, caught.value.escalation_id).session_log_id == result.log.id
        assert count(engine, OutboundMessage, OutboundMessage.kind == MessageKind.safeguarding_alert) == 1


def test_without_a_risk_a_busy_database_is_just_busy(engine, ready, monkeypatch):
    _duty, account, v = ready
    monkeypatch.setattr(logs, "log_session", locked)
    monkeypatch.setattr(log_saving.db.time, "sleep", lambda _s: None)
    with pytest.raises(Busy):
        log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v), now=NOW)
    assert count(engine, Escalation) == 0


def test_when_even_the_alert_cannot_be_stored_the_volunteer_is_told_to_phone(engine, ready, monkeypatch):
    _duty, account, v = ready
    monkeypatch.setattr(logs, "log_session", locked)
    monkeypatch.setattr(log_saving.safeguarding, "raise_escalation", locked)
    monkeypatch.setattr(log_saving.db.time, "sleep", lambda _s: None)
    with pytest.raises(LogNotSaved) as caught:
        log_saving.save_log(actor=account, visit_id=v.id, entry=entry(v, risks={"medical"}), now=NOW)
    assert not caught.value.alerted and "电话" in caught.value.translated()


def test_a_refusal_the_volunteer_can_fix_raises_nothing(engine, ready):
    _duty, account, v = ready
    bad = entry(v, risks={"suicide"})
    bad.actual_end = bad.actual_start - timedelta(minutes=5)
    with pytest.raises(InvalidInput):
        log_saving.save_log(actor=account, visit_id=v.id, entry=bad, now=NOW)
    assert count(engine, Escalation) == 0  # the form is still in front of them, with the tick


def test_a_failing_suggestion_loses_neither_the_risk_nor_the_suggestion(engine, ready, monkeypatch):
    """The suggestion and its SMS are part of the log's transaction: if writing them fails, the risk is still
    raised on its own and nothing is half-written; saving again writes the log and one suggestion."""
    from listening.connection import suggestions
    from listening.models import ActivitySuggestion
    from tests.factories.connection_factories import activity

    duty, account, v = ready
    with Session(engine, expire_on_commit=False) as setup:
        chess = activity(setup, duty)
        setup.commit()
    picked = SessionLogInput(**{**entry(v, risks={"suicide"}).__dict__, "activity_id": chess.id})
    with monkeypatch.context() as patched:
        def failing(*_args, **_kwargs):
            raise sa.exc.OperationalError("INSERT INTO activity_suggestion ...", {}, Exception("disk I/O error"))

        patched.setattr(suggestions, "suggest_in_log", failing)
        patched.setattr(log_saving.db.time, "sleep", lambda _s: None)
        with pytest.raises(LogNotSaved) as caught:
            log_saving.save_log(actor=account, visit_id=v.id, entry=picked, now=NOW)
    assert caught.value.alerted
    assert (count(engine, SessionLog), count(engine, ActivitySuggestion)) == (0, 0)
    result = log_saving.save_log(actor=account, visit_id=v.id, entry=picked, now=NOW)
    assert result.escalation.id == caught.value.escalation_id and result.suggestion is not None
    assert count(engine, ActivitySuggestion) == 1
    assert count(engine, OutboundMessage, OutboundMessage.kind == MessageKind.activity_suggestion) == 0  # no consent
