"""The account's SMS send schedule: one slot per message, shared by every worker and every sender thread.

The provider limits messages per second for the account, counted where its API receives them. Each send first
reserves the next free slot, at or after now, in one atomic statement on the one `sms_send_slot` row (PostgreSQL
locks the row for the upsert; on SQLite the write transaction begins IMMEDIATE, so reservations queue), then
sleeps until the slot and only then sends. A reservation is made by a sender that is free, so what is reserved
ahead, and what is in flight, is bounded by the number of senders: a slow provider makes senders wait for their
answer, it cannot make requests pile up and arrive together.

Why slots are a little wider than 1/limit: a request reaches the provider some time after its slot (the sleep
wakes late, the thread waits for the interpreter lock, the request is built and written). If every request
arrives within `LATENESS` of its slot, the requests arriving in any 1-second window had their slots in a window
of 1 + LATENESS seconds; at spacing (1 + LATENESS) / limit that holds at most `limit` slots. A sender that wakes
later than `LATE_START` after its slot leaves the slot unused and reserves another, which keeps the lateness that
is up to this code bounded; LATENESS - LATE_START is left for the way from here to the provider.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.engine import Engine

LATENESS = 0.060  # seconds a request may reach the provider after its slot, with the limit still exact
LATE_START = 0.020  # a sender that wakes later than this after its slot does not use it
# A schedule further ahead than this was written by a clock that is not ours (a test pinned to another day,
# a host whose clock jumped): start again from now. Real reservations are at most one per sender ahead.
STALE_AHEAD = 60.0

_RESERVE = sa.text(
    "INSERT INTO sms_send_slot (id, next_at) VALUES (1, CAST(:now AS DOUBLE PRECISION) + :spacing) "
    "ON CONFLICT (id) DO UPDATE SET next_at = "
    "(CASE WHEN sms_send_slot.next_at < :now OR sms_send_slot.next_at > :stale THEN :now "
    "ELSE sms_send_slot.next_at END) + :spacing "
    "RETURNING next_at"
).bindparams(sa.bindparam("now", type_=sa.Double), sa.bindparam("spacing", type_=sa.Double),
             sa.bindparam("stale", type_=sa.Double))


def spacing(rate_per_second: float, *, lateness: float = LATENESS) -> float:
    """Seconds between two slots so that no 1-second window at the provider holds more than the limit
    (floor(rate) messages; a rate under 1 is one message per 1/rate seconds)."""
    if rate_per_second <= 0:
        raise ValueError("the SMS rate must be positive")
    per_window = max(1, math.floor(rate_per_second))
    return max(1.0 / rate_per_second, (1.0 + lateness) / per_window)


def reserve(engine: Engine, *, now: float, spacing_seconds: float) -> float:
    """The next free slot at or after `now` (epoch seconds), taken for the caller in its own committed
    transaction. `engine` must begin write transactions IMMEDIATE on SQLite (`core.db.for_writing`)."""
    with engine.begin() as conn:
        next_at = conn.execute(_RESERVE, {"now": now, "spacing": spacing_seconds,
                                          "stale": now + STALE_AHEAD}).scalar_one()
    return next_at - spacing_seconds
