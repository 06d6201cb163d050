"""A choice from a fixed list, as a page or a form sends it: the enum member, or a clear message on its field."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from listening.core.errors import InvalidInput

E = TypeVar("E", bound=Enum)


def one_of(enum_cls: type[E], value: object, *, field: str, message: str) -> E:
    """`value` (a member, or its value) as a member of `enum_cls`; anything else is an InvalidInput on `field`."""
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidInput(message, field=field) from None
