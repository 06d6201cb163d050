"""The coordinator's SMS page at district scale: one page of an outbox of 300,000 messages, through the service.

    python benchmarks/bench_sms_page.py [--messages 300000] [--residents 20000] [--seed 1] [--database-url URL]

By default a temporary SQLite database; --database-url takes an empty database (SQLite or PostgreSQL) and
migrates it. The messages are spread over a year, about 2% of them failed or not sent. Prints the time of
listening/sms/review.py `review_page` (best of 5) for the first page, a page deep in the outbox, a kind and status
filter, and one local day.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from listening.core.db import make_engine, migrate  # noqa: E402
from listening.models import (  # noqa: E402
    Community,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    Resident,
    Role,
)
from listening.residents.communities import sync_communities  # noqa: E402
from listening.sms import review  # noqa: E402
from listening.sms.transport import NO_PROVIDER  # noqa: E402
from listening.staff.auth import create_account  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)


def seed(engine: sa.Engine, *, messages: int, residents: int, rng: random.Random) -> None:
    with Session(engine) as session:
        sync_communities(session)
        community_id = session.exec(sa.select(Community.id)).first()[0]
        session.execute(sa.insert(Resident), [
            {"display_name": f"居民{i}", "phone": f"+86139{i:08d}", "community_id": community_id, "locale": "zh_CN",
             "sensitive_consent_at": START, "sms_consent_at": START, "created_at": START}
            for i in range(residents)])
        kinds = list(MessageKind)
        rows = []
        for i in range(messages):
            at = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
            roll = rng.random()
            status = (MessageStatus.failed if roll < 0.01 else MessageStatus.not_sent if roll < 0.02
                      else MessageStatus.delivered)
            rows.append({"dedupe_key": f"bench:{i}", "kind": rng.choice(kinds), "recipient_kind": RecipientKind.resident,
                         "to_phone": f"+86139{rng.randrange(residents):08d}", "body": "【倾听一小时】" + "字" * 50,
                         "locale": "zh_CN", "urgent": False, "status": status, "due_at": at, "attempts": 1,
                         "segments": 1, "error_message": NO_PROVIDER if status == MessageStatus.not_sent else None,
                         "created_at": at, "updated_at": at})
            if len(rows) == 20_000:
                session.execute(sa.insert(OutboundMessage), rows)
                rows = []
        if rows:
            session.execute(sa.insert(OutboundMessage), rows)
        session.commit()


def best_of(engine: sa.Engine, actor, runs: int = 5, **kwargs) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        with Session(engine) as session:
            began = time.perf_counter()
            page = review.review_page(session, actor=actor, **kwargs)
            times.append(time.perf_counter() - began)
            session.rollback()  # the views it records are not the benchmark's business
    return min(times) * 1000, page.total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="an empty database; default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        migrate(url)
        engine = make_engine(url)
        began = time.perf_counter()
        seed(engine, messages=args.messages, residents=args.residents, rng=random.Random(args.seed))
        print(f"seeded {args.messages} messages in {time.perf_counter() - began:.1f} s ({engine.dialect.name})")
        with Session(engine) as session:
            actor = create_account(session, username="bench", password="bench-password-1", display_name="基准",
                                   role=Role.coordinator)
            session.commit()
            session.refresh(actor)
            session.expunge(actor)
        cases = {
            "first page": {},
            "page 3000": {"page": 3000},
            "kind + status filter": {"filters": review.MessageFilter(kinds=(MessageKind.reminder_24h,),
                                                                     statuses=(MessageStatus.delivered,))},
            "one local day": {"filters": review.MessageFilter(first_day=date(2026, 6, 1), last_day=date(2026, 6, 1))},
        }
        for name, kwargs in cases.items():
            ms, total = best_of(engine, actor, **kwargs)
            print(f"{name:<22} {ms:8.1f} ms   ({total} matching)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
