"""Reads cached at the edge (st.cache_data), keyed by the data version (listening.core.versions).

A page passes `data_version()` as the first argument of its cached read: any committed write a page could show
moves the version on, so the next run reads afresh; a run that follows no write costs one small query. Each cached
read keeps few entries (`max_entries`), so memory stays flat however often a page is opened. Reads of what
changes while reading (the audit trail, who viewed whom) are not cached.
"""

from __future__ import annotations

from listening.core import db, versions

ENTRIES = 16  # per cached read: a few periods, people and languages at once


def data_version() -> str:
    """The key of the data as it is now: which database, and its version."""
    with db.read_scope() as session:
        number = versions.current(session)
    return f"{db.get_engine().url.render_as_string(hide_password=True)}#{number}"
