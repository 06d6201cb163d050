"""A generated district, seeded, into any database: the data bench_pages.py measures the pages on.

    DATABASE_URL=sqlite:///data/district.db python benchmarks/gen_district.py [--scale 1] [--seed 16]
    python benchmarks/gen_district.py --database-url postgresql+psycopg://postgres@127.0.0.1/district

At scale 1: 2,000 volunteers (all with accounts), 20 coordinators, 50,000 residents, 100,000 requests over two
years (about 2,200 of them still open), about 99,000 visits, 92,000 session logs, 370,000 outbound and 40,000
inbound SMS, every volunteer's training, shadowing and availability; 3,000 volunteer applications (about 40
waiting) with the vetting steps, competency sign-offs, supervisors, supervision sessions and attendance; feedback
asked after most visits held (about 60% answered; a few low scores, "yes" answers and the holds they opened, two
pending), 300 complaints (10 open), 150 activities (some retired), 8,000 suggestions with their follow-ups,
5,000 journey plans; and about 570,000 audit events. `--scale 0.1` is a small district. The database is migrated
first and must hold no accounts. Rows go in through SQLAlchemy Core executemany in chunks, with ids chosen here
(PostgreSQL's sequences are moved past them at the end), so a district takes minutes, not hours. Phone numbers are
fictional (the middle block is 0000). The parts are in benchmarks/district/.

Every account's password is DISTRICT_PASSWORD; the coordinators are coord01..coord20, the volunteers v00001...
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time as timer
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from district.base import AUDIT_EVENTS, BASE, DAYS, DISTRICT_PASSWORD, Writer  # noqa: E402
from district.people import people  # noqa: E402
from district.programme import programme  # noqa: E402
from district.requests import requests  # noqa: E402
from district.volunteering import volunteering  # noqa: E402
from sqlmodel import Session  # noqa: E402

from listening.core import clock, db  # noqa: E402
from listening.core.config import get_settings  # noqa: E402
from listening.models import Account, AuditEvent  # noqa: E402
from listening.residents.communities import sync_communities  # noqa: E402
from listening.volunteers.training import sync_curriculum  # noqa: E402

__all__ = ["DISTRICT_PASSWORD", "generate"]


def generate(url: str, *, scale: float = 1.0, seed: int = 16, now: datetime | None = None) -> dict[str, int]:
    db.migrate(url)
    engine = db.make_engine(url)
    rng = random.Random(seed)
    tz = get_settings().tz
    now = now or clock.now()
    today = clock.today(now)
    n = {key: max(10, int(value * scale)) for key, value in BASE.items()}
    try:
        with Session(engine) as session:
            if session.exec(sa.select(sa.func.count()).select_from(Account)).one()[0]:
                raise SystemExit("the database already has accounts; a district goes only into an empty database")
            communities = [c.id for c in sync_communities(session)]
            modules = sync_curriculum(session)
            session.commit()
            module_rows = [(m.id, m.code, m.valid_months, m.requires_quiz, m.requires_signoff) for m in modules]
        with engine.begin() as conn:
            writer = Writer(conn)
            writer.communities = communities
            people(writer, rng, n, communities, module_rows, now=now, today=today, tz=tz)
            requests(writer, rng, n, now=now, today=today, tz=tz)
            volunteering(writer, rng, n, now=now, today=today, tz=tz)
            programme(writer, rng, n, now=now, today=today, tz=tz)
            _audit_trail(writer, rng, n, now=now, scale_of_requests=n["requests"] / BASE["requests"])
            writer.write()
            if engine.dialect.name == "postgresql":
                for table in writer.counts:
                    if "id" in sa.inspect(conn).get_pk_constraint(table)["constrained_columns"] and \
                            conn.execute(sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar():
                        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                             f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
            counts = writer.counts
        if engine.dialect.name == "postgresql":  # the planner's statistics of a bulk load: autovacuum may be off
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        return counts
    finally:
        engine.dispose()


def _audit_trail(writer: Writer, rng: random.Random, n: dict, *, now, scale_of_requests: float) -> None:
    """The residents' details seen on the triage list fill a district's audit trail; then in time order."""
    events = writer.events
    while len(events) < int(AUDIT_EVENTS * scale_of_requests):
        writer.event(now - timedelta(minutes=rng.randint(1, DAYS * 1440)), rng.choice(writer.coordinators),
                     "resident.details_viewed", "resident", rng.randint(1, n["residents"]), {"context": "triage_list"})
    events.sort(key=lambda e: e["at"])
    for index, row in enumerate(events, start=1):
        row["id"] = index
    writer.add(AuditEvent, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    os.environ["DATABASE_URL"] = args.database_url
    get_settings.cache_clear()
    started, cpu = timer.perf_counter(), timer.process_time()
    counts = generate(args.database_url, scale=args.scale, seed=args.seed)
    for table, count in counts.items():
        print(f"{table:32} {count:>9,}")
    print(f"{'total':32} {sum(counts.values()):>9,} rows in {timer.perf_counter() - started:.0f} s "
          f"(CPU {timer.process_time() - cpu:.0f} s)")


if __name__ == "__main__":
    main()
