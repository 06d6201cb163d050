"""The error boundary every page runs inside: a friendly message and an incident id, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.errors import FragmentHandledException
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from listening.core import incidents
from listening.core.errors import ServiceError
from listening.core.i18n import _
from ui.inert import md


def show_incident(incident: str) -> None:
    st.error(
        _("Sorry, something went wrong on our side. Please try again in a moment. If it keeps happening, "
          "tell the programme staff this incident number: {incident}", incident=incident),
        icon=":material/error:",
    )


@contextmanager
def boundary(where: str) -> Iterator[None]:
    """Run a page (or the shell around it); an error stops the run with a message instead of a traceback.

    st.stop / st.rerun / st.switch_page raise Streamlit's control-flow exceptions: they pass through untouched,
    as does a fragment's error that Streamlit has already handled. A ServiceError that a page did not catch
    is still a message written for people: it is shown as it is, and nothing is logged.
    """
    try:
        yield
    except (ScriptControlException, FragmentHandledException):
        raise
    except ServiceError as error:
        st.error(error.translated(escape=md))
    except Exception as error:  # noqa: BLE001 - this is the boundary: everything else becomes an incident
        show_incident(incidents.record(error, where=where))
    else:
        return
    st.stop()  # the rest of the script (the page after a failed shell) must not run
