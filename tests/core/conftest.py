"""Fixtures for the schema tests: an empty database of each kind, made fresh for one test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, _drop_postgres_database, _postgres_database


@pytest.fixture(params=BACKENDS)
def fresh_url(request, tmp_path) -> Iterator[str]:
    """The URL of a database with no tables at all (migrations start from nothing)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = _postgres_database(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    yield url
    _drop_postgres_database(url)
