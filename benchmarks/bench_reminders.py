"""10,000 due SMS, two worker processes, the fake Twilio API with 20 ms latency, on PostgreSQL.

    python benchmarks/bench_reminders.py [--messages 10000] [--rate 80] [--workers 2]

Prints throughput, duplicates and lost (both must be 0) and the rate-limit adherence: the most messages the fake
received in any one-second window, against the configured SMS_RATE_PER_SECOND (shared by the live workers).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from bisect import bisect_left
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from listening.core.db import make_engine, migrate  # noqa: E402
from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, utcnow  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=80.0, help="SMS_RATE_PER_SECOND for the account")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.020)
    args = parser.parse_args()

    name = f"lh_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    processes: list[subprocess.Popen] = []
    try:
        migrate(url)
        engine = make_engine(url)
        now = utcnow()
        with Session(engine) as session:
            session.add_all(
                OutboundMessage(dedupe_key=f"bench:{i}", kind=MessageKind.reminder_24h,
                                recipient_kind=RecipientKind.resident, to_phone=f"+447700{i:06d}",
                                body=f"【倾听一小时】提醒 {i}", urgent=True, due_at=now, segments=1)
                for i in range(args.messages)
            )
            session.commit()

        with FakeTwilio(latency_seconds=args.latency) as fake:
            env = dict(os.environ, DATABASE_URL=url, TWILIO_ACCOUNT_SID=fake.account_sid,
                       TWILIO_AUTH_TOKEN=fake.auth_token, TWILIO_FROM=fake.from_number, TWILIO_BASE_URL=fake.base_url,
                       SMS_RATE_PER_SECOND=str(args.rate), QUIET_HOURS="00:00-00:00")
            started = time.monotonic()
            processes = [subprocess.Popen([sys.executable, "-m", "listening", "worker"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for _ in range(args.workers)]
            while True:
                with Session(engine) as session:
                    left = session.exec(select(sa.func.count()).select_from(OutboundMessage).where(
                        sa.or_(OutboundMessage.status == MessageStatus.queued,
                               OutboundMessage.status == MessageStatus.sending))).one()
                if left == 0:
                    break
                if time.monotonic() - started > 1800:
                    print("gave up after 30 minutes", file=sys.stderr)
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - started
            for process in processes:
                process.send_signal(signal.SIGTERM)
            codes = [process.wait(timeout=30) for process in processes]

            messages = fake.messages
            with Session(engine) as session:
                rows = session.exec(select(OutboundMessage)).all()
                per_worker = Counter(row.claimed_by for row in rows)
        sent_to = Counter(message.body for message in messages)
        duplicates = sum(count - 1 for count in sent_to.values() if count > 1)
        sent_rows = [row for row in rows if row.status == MessageStatus.sent]
        lost = sum(1 for row in rows if row.status != MessageStatus.sent or sent_to[row.body] == 0)
        stamps = sorted(message.date_created.timestamp() for message in messages)
        busiest = max((bisect_left(stamps, t + 1.0) - i for i, t in enumerate(stamps)), default=0)
        span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0

        print(f"messages due          {args.messages}")
        print(f"workers               {args.workers} (exit codes {codes}; share {dict(per_worker.most_common())})")
        print(f"fake API latency      {args.latency * 1000:.0f} ms per request")
        print(f"wall time             {elapsed:.1f} s (first to last send {span:.1f} s)")
        print(f"throughput            {len(messages) / span if span else 0:.1f} messages/s")
        print(f"sent (rows)           {len(sent_rows)}")
        print(f"duplicates            {duplicates}")
        print(f"lost                  {lost}")
        print(f"rate limit            configured {args.rate:.0f}/s; busiest 1-s window {busiest} "
              f"({'respected' if busiest <= args.rate else 'EXCEEDED'})")
        return 0 if duplicates == 0 and lost == 0 else 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
