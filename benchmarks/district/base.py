"""What every part of the district shares: sizes, fictional phone numbers, and the bulk writer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

DISTRICT_PASSWORD = "listening-district"
CHUNK = 5000
BASE = {"volunteers": 2000, "residents": 50000, "requests": 100000, "inbound": 40000, "applications": 3000,
        "complaints": 300, "activities": 150, "suggestions": 8000, "journeys": 5000}
COORDINATORS = 20
DAYS = 730  # two years of requests
OPEN_DAYS = 9  # requests younger than this are still open (about 2,200 at scale 1)
AUDIT_EVENTS = 571000  # at scale 1: the triage list's "details viewed" fill the trail up to this


def phone(index: int) -> str:
    """Fictional, distinct, valid in format: +86 13x 0000 xxxx."""
    return f"+8613{index // 10000}0000{index % 10000:04d}"


def chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def at(day: date, hour: int, tz, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


class Writer:
    """Rows gathered per table (parents first), then bulk inserted through one connection, counting rows per
    table. Parts of the district share what they need through its attributes (pools, held visits, ...)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}
        self.rows: dict[type, list[dict]] = {}
        self.events: list[dict] = []
        self.ids: dict[str, int] = {}

    def add(self, model, rows: Iterable[dict]) -> list[dict]:
        """Gather rows of a table; a table's place in the insert order is where it was first added."""
        gathered = self.rows.setdefault(model, [])
        gathered.extend(rows)
        return gathered

    def next_id(self, name: str) -> int:
        self.ids[name] = self.ids.get(name, 0) + 1
        return self.ids[name]

    def event(self, when, actor, action, entity, entity_id, details=None) -> None:
        self.events.append({"id": 0, "at": when, "actor_id": actor, "action": getattr(action, "value", action),
                            "entity": entity, "entity_id": str(entity_id), "details": details})

    def write(self) -> None:
        for model, rows in self.rows.items():
            table = model.__table__
            for part in chunks(rows):
                self.conn.execute(table.insert(), part)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        self.rows = {}
