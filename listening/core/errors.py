"""Errors the service layer raises. Each carries an English message id, translated where it is shown."""

from __future__ import annotations

from collections.abc import Callable

from listening.core.i18n import N_, gettext


class ServiceError(Exception):
    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    def translated(self, escape: Callable[[str], str] | None = None) -> str:
        """The message in the current interface language.

        A parameter may be something a person typed (a phone number, a CSV cell): a page that renders markdown
        passes `escape` (ui.inert.md) so that only the parameters, never the sentence around them, are escaped.
        """
        return gettext(self.message, **escaped(self.params, escape))


def escaped(params: dict, escape: Callable[[str], str] | None) -> dict:
    """`params` with every text value passed through `escape` (unchanged without one)."""
    if escape is None:
        return params
    return {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}


class InvalidInput(ServiceError):
    """Bad input from a person; nothing was stored."""

    def __init__(self, message: str, /, *, field: str | None = None, **params: object) -> None:
        super().__init__(message, **params)
        self.field = field


class NotAllowed(ServiceError):
    """The signed-in person's role or relation to the record does not permit this."""


class IllegalTransition(ServiceError):
    """The record is not in a state that permits this move."""


class NotFound(ServiceError):
    pass


class AuthError(ServiceError):
    pass


class Busy(ServiceError):
    """Another person's change held the database longer than we wait; nothing was stored."""

    def __init__(self) -> None:
        super().__init__(N_("The system is busy right now and nothing was saved. Please try again in a moment."))


class InvalidForm(InvalidInput):
    """Every problem of a form at once, one per field in the form's order (`problems`). Where one message is
    shown it reads as its first problem."""

    def __init__(self, problems: dict[str, InvalidInput]) -> None:
        first = next(iter(problems.values()))
        super().__init__(first.message, field=first.field, **first.params)
        self.problems = problems
