"""The one way a page runs a service step: one write transaction, a refusal shown beside the button, a message.

    actions.run(safeguarding.acknowledge, actor=account, escalation_id=e.id,
                success=_("Escalation #{id} acknowledged.", id=e.id))

On success the page reruns by default, so every list on it already shows the change, and the message is shown
after the rerun where the page calls `show_flash()`. A step whose result stays on screen (a form's thank-you)
passes `rerun=False` and its message is shown at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

import streamlit as st

from listening.core.db import session_scope
from listening.core.errors import ServiceError
from ui import shell

T = TypeVar("T")
Level = Literal["success", "warning", "info"]
Message = str | tuple[Level, str]  # a bare string is a success
FLASH = "action_flash"


def run(step: Callable[..., T], /, *, success: Message | Callable[[T], Message | None] | None = None,
        rerun: bool = True, **arguments: object) -> T | None:
    """`step(session, **arguments)` in one write transaction; its result, or None after a refusal.

    `success` is the message, or a function of the step's result that makes it (None: no message).
    """
    try:
        with session_scope() as session:
            outcome = step(session, **arguments)
    except ServiceError as error:
        shell.show_error(error)
        return None
    succeed(success(outcome) if callable(success) else success, rerun=rerun)
    return outcome


def succeed(message: Message | None, *, rerun: bool = True) -> None:
    """The end of a step that went through: the message now, or kept for the rerun that follows."""
    if not rerun:
        _show(message)
        return
    if message is not None:
        st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    """Show the message the last step kept for this run (pages call it where the message belongs)."""
    _show(st.session_state.pop(FLASH, None))


def _show(message: Message | None) -> None:
    if message is None:
        return
    level, text = ("success", message) if isinstance(message, str) else message
    getattr(st, level)(text)  # st.success, st.warning or st.info
