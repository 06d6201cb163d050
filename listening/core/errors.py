"""Errors the service layer raises. Each carries an English message id, translated where it is shown."""

from __future__ import annotations

from listening.core.i18n import N_, gettext


class ServiceError(Exception):
    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    def translated(self) -> str:
        """The message in the current interface language."""
        return gettext(self.message, **self.params)


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
