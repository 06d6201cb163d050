"""The error boundary around every page: a friendly message and an incident id, never a traceback or data."""

from __future__ import annotations

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from listening import reports
from listening.core import incidents
from listening.core.errors import NotAllowed
from listening.core.i18n import N_
from listening.residents import triage
from listening.staff import auth
from tests.incident_helpers import (
    INCIDENT,
    all_logs,
    assert_nothing_leaked,
    incident_records,
    leaky_database_error,
    raise_leaky_error,
)
from tests.pages.conftest import sign_in
from ui import errors

FRIENDLY = {"zh_CN": "抱歉，我们这边出了问题", "en": "Sorry, something went wrong on our side"}


def page_text(at) -> str:
    """Everything the page shows, main area and sidebar, as one string."""
    return repr(at._tree)


def the_incident(at, caplog, *, lang: str = "zh_CN", where: str) -> str:
    """The one friendly message on the page, the one incident record in the log, and their shared id."""
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert message.startswith(FRIENDLY[lang])
    (incident,) = INCIDENT.findall(message)
    (record,) = incident_records(caplog)
    assert record.levelname == "ERROR" and record.incident == incident and record.where == where
    assert record.error_type == "sqlalchemy.exc.OperationalError"
    assert record.exc_info is None  # the traceback is ours, without messages or locals
    assert_nothing_leaked(caplog.text, page_text(at))
    assert "王芳" not in caplog.text  # the coordinator's own name is not logged either
    return incident


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_database_error_on_the_coordinator_home_shows_an_incident_id_and_logs_no_data(demo, monkeypatch,
                                                                                         caplog, lang):
    monkeypatch.setattr(reports, "coordinator_overview", raise_leaky_error)
    with all_logs(caplog):
        at = sign_in("coordinator", lang=lang)  # the home follows the sign-in in the same run
    incident = the_incident(at, caplog, lang=lang, where="home")
    assert not at.metric  # the page stopped where it failed
    assert incident in caplog.text and "tests/incident_helpers.py:" in caplog.text  # frames as file:line


def test_a_database_error_in_the_request_queue_is_an_incident_too(demo, monkeypatch, caplog):
    at = sign_in("coordinator")
    at.run()
    monkeypatch.setattr(triage, "open_requests", raise_leaky_error)
    with all_logs(caplog):
        at.switch_page("pages/triage.py").run()
    the_incident(at, caplog, where="triage")
    assert not at.dataframe


def test_a_database_error_in_the_shell_around_the_page_is_an_incident(demo, monkeypatch, caplog):
    at = sign_in("coordinator")
    monkeypatch.setattr(auth, "resume", raise_leaky_error)
    with all_logs(caplog):
        at.run()
    the_incident(at, caplog, where="shell")
    assert not at.title  # the page did not run after the shell failed


def test_a_service_error_a_page_did_not_catch_is_shown_as_written_and_not_logged(demo, monkeypatch, caplog):
    def refuse(*_args, **_kwargs):
        raise NotAllowed(N_("This page is not available for your role."))

    monkeypatch.setattr(reports, "coordinator_overview", refuse)
    with all_logs(caplog):
        at = sign_in("coordinator")  # the home follows the sign-in in the same run
    assert not at.exception
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert incident_records(caplog) == []


@pytest.mark.parametrize("control", [StopException(), RerunException(None)])
def test_streamlits_own_control_flow_passes_through_untouched(control, caplog):
    with pytest.raises(type(control)) as raised, errors.boundary("test"):
        raise control
    assert raised.value is control
    assert incident_records(caplog) == []


def test_the_logged_traceback_follows_causes_but_keeps_no_message_and_no_locals():
    def save():
        phone = "+8613800138000"  # noqa: F841 - a local a verbose traceback would print
        try:
            raise ValueError("陈秀兰 +8613800138000")
        except ValueError as error:
            raise leaky_database_error() from error

    try:
        save()
    except Exception as error:  # noqa: BLE001
        text = incidents.safe_traceback(error)
    lines = text.splitlines()
    assert lines[0] == "sqlalchemy.exc.OperationalError"
    assert "caused by:" in lines and "ValueError" in lines
    assert any(line.startswith("  tests/pages/test_errors.py:") and line.endswith(" in save") for line in lines)
    assert_nothing_leaked(text)
