"""A flood of the public form: 500 submissions from 5 client addresses with random numbers, through the service.

    python benchmarks/bench_flood.py [--submissions 500] [--clients 5] [--minutes 60] [--repeat-share 0.1]
                                     [--seed 1] [--database-url URL]

By default a temporary SQLite database; --database-url takes an empty database (SQLite or PostgreSQL) and
migrates it. Every submission asks for SMS. The submissions are spread evenly over --minutes of pinned time;
--repeat-share of them reuse a number sent earlier (a second browser with a known number). The limits are the
configured ones (INTAKE_PER_ADDRESS_PER_HOUR, INTAKE_PER_PHONE_PER_DAY, INTAKE_NEW_NUMBER_SMS_PER_HOUR).

Prints how many requests were stored, how many "request received" SMS were queued, and by which limit the rest
were held.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from listening.core.config import get_settings  # noqa: E402
from listening.core.db import make_engine, migrate  # noqa: E402
from listening.models import (  # noqa: E402
    Community,
    Language,
    ListeningRequest,
    MessageKind,
    Mode,
    OutboundMessage,
    PartOfDay,
    utcnow,
)
from listening.residents import intake  # noqa: E402
from listening.residents.communities import sync_communities  # noqa: E402
from listening.residents.intake import RequestForm  # noqa: E402


def count(session: Session, query) -> int:
    return session.exec(select(sa.func.count()).select_from(query.subquery())).one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=60.0, help="the span of pinned time they arrive in")
    parser.add_argument("--repeat-share", type=float, default=0.1, help="share that reuses an earlier number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="an empty database; default: a temporary SQLite file")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'flood.db'}"
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as session:
            sync_communities(session)
            session.commit()
            community = session.exec(select(Community.code).order_by(Community.code)).first()

        clients = [f"203.0.113.{10 + n}" for n in range(args.clients)]
        sent: list[str] = []
        outcomes: Counter = Counter()
        held: Counter = Counter()
        start = utcnow()
        step = timedelta(minutes=args.minutes) / max(1, args.submissions)
        started = time.perf_counter()
        for n in range(args.submissions):
            if sent and rng.random() < args.repeat_share:
                phone = rng.choice(sent)
            else:
                phone = f"+86{rng.choice(['135', '136', '138', '139', '150', '186'])}{rng.randrange(10**8):08d}"
                sent.append(phone)
            form = RequestForm(display_name=f"居民{n}", phone=phone, community_code=community, mode=Mode.phone,
                               language=Language.mandarin, weekdays=[1], parts_of_day=[PartOfDay.morning],
                               topic="想找人聊聊", sensitive_consent=True, sms_consent=True)
            with Session(engine) as session:
                result = intake.submit(session, form=form, client_address=clients[n % len(clients)],
                                       now=start + step * n)
                session.commit()
                outcomes[result.outcome.value] += 1
                held[result.sms_held.value if result.sms_held else "sent"] += 1
        elapsed = time.perf_counter() - started

        with Session(engine) as session:
            stored = count(session, select(ListeningRequest.id))
            queued = count(session, select(OutboundMessage.id)
                           .where(OutboundMessage.kind == MessageKind.request_received))
        engine.dispose()

    settings = get_settings()
    print(f"database: {sa.engine.make_url(url).get_backend_name()}; {args.submissions} submissions from "
          f"{args.clients} client addresses over {args.minutes:g} minutes, {len(sent)} distinct numbers, "
          f"{elapsed:.1f} s ({args.submissions / elapsed:.0f}/s)")
    print(f"limits: {settings.intake_per_address_per_hour}/address/hour, {settings.intake_per_phone_per_day}/number/"
          f"day, {settings.intake_new_number_sms_per_hour} SMS to new numbers/hour")
    print(f"requests stored: {stored} (new numbers {outcomes['created']}, same number as an earlier request "
          f"{outcomes['same_number']})")
    print(f"'request received' SMS queued: {queued}")
    for reason in ("per_address", "per_phone", "new_numbers", "same_number"):
        print(f"  held by {reason}: {held[reason]}")
    return 0 if stored == args.submissions and queued == held["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
