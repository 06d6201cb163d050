"""What a service read: every result list that `session.exec(...).all()` returned while the block ran."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class _Rows(list):
    def all(self):
        return self


@contextmanager
def rows_fetched(session) -> Iterator[list[list]]:
    """Yield a list that collects, in order, the rows of each `session.exec` call inside the block."""
    real = session.exec
    fetched: list[list] = []

    def spy(statement, *args, **kwargs):
        rows = _Rows(real(statement, *args, **kwargs).all())
        fetched.append(rows)
        return rows

    session.exec = spy
    try:
        yield fetched
    finally:
        del session.exec
