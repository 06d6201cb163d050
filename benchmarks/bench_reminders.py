"""The SMS rate limit across workers: provider latency x worker processes, against the local fake Twilio API.

    python benchmarks/bench_reminders.py [--backend postgresql|sqlite|both] [--messages 1000] [--rate 80]
                                         [--latencies 0,5,20,200] [--workers 1,2,4]

For each cell: real `python -m listening worker` processes, started together on an empty outbox; once every one
has its heartbeat, `--messages` due SMS are committed at once. The fake records when each create request reaches
it; the table shows the most requests in any sliding 1-second window (by arrival, and by the fake's
date_created, which is after its latency), throughput from first to last arrival (and as % of the limit),
duplicates and lost messages (both must be 0), and the longest the fake's own process was kept from running
(on a loaded machine it then stamps the requests that waited as arriving together), and the longest garbage
collection in the fake's process (kept off during a cell, so it should read 0). The workers run niced
(WORKER_NICENESS), so that on a small machine the fake, which stands for another company's servers, is not the one
kept waiting.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from listening.core.db import make_engine, migrate  # noqa: E402
from listening.models import (  # noqa: E402
    MessageKind,
    MessageStatus,
    OutboundMessage,
    RecipientKind,
    SmsSendSlot,
    WorkerHeartbeat,
    utcnow,
)
from tests.fake_twilio import FakeTwilio  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CELL_TIMEOUT = 300
WORKER_NICENESS = 10


@dataclass
class Cell:
    busiest_arrival: int
    busiest_created: int
    throughput: float
    duplicates: int
    lost: int
    wall: float
    codes: list[int]
    stall: float  # the longest the fake's process went without running (it stamps arrivals late, together)
    collector: float  # the longest garbage collection in the fake's process during the cell


def busiest_window(stamps: list[float]) -> int:
    """The most stamps in any half-open window [t, t + 1 s); the busiest one starts at a stamp."""
    stamps = sorted(stamps)
    return max((bisect_left(stamps, t + 1.0) - i for i, t in enumerate(stamps)), default=0)


class CollectorPauses:
    """The fake runs in this process, so a full collection here (tens of ms over the bench's imports) keeps it
    from stamping arrivals, which then bunch. During a cell what is already loaded is frozen out of the
    collector's reach and the collector is switched off; it runs again, and thaws, after the cell. The gc
    callback measures any collection that still happens, so the table shows it."""

    def __init__(self) -> None:
        self.longest, self._started = 0.0, 0.0

    def _watch(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def __enter__(self) -> Self:
        gc.collect()
        gc.freeze()
        gc.disable()
        gc.callbacks.append(self._watch)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._watch)
        gc.enable()
        gc.unfreeze()
        gc.collect()


class StallWatch(threading.Thread):
    """How long this process (the fake's) was kept from running: a 2 ms sleep that took much longer."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.done, self.longest = threading.Event(), 0.0

    def run(self) -> None:
        last = time.monotonic()
        while not self.done.wait(0.002):
            now = time.monotonic()
            self.longest, last = max(self.longest, now - last - 0.002), now


def run_cell(engine: sa.Engine, url: str, *, messages: int, rate: float, workers: int, latency: float) -> Cell:
    with Session(engine) as session:  # an empty outbox and a fresh schedule for every cell
        for table in (OutboundMessage, WorkerHeartbeat, SmsSendSlot):
            session.execute(sa.delete(table))
        session.commit()
    with CollectorPauses() as pauses, FakeTwilio(latency_seconds=latency) as fake:
        env = dict(os.environ, DATABASE_URL=url, TWILIO_ACCOUNT_SID=fake.account_sid,
                   TWILIO_AUTH_TOKEN=fake.auth_token, TWILIO_FROM=fake.from_number, TWILIO_BASE_URL=fake.base_url,
                   SMS_RATE_PER_SECOND=str(rate), QUIET_HOURS="00:00-00:00")
        # The workers run at a lower CPU priority than the fake: in production the provider is another machine,
        # and a fake kept from running by the workers on a 2-core machine stamps the requests that waited late and
        # together (the stall column), which is the instrument's error, not the limit's.
        processes = [subprocess.Popen(["nice", "-n", str(WORKER_NICENESS), sys.executable, "-m", "listening", "worker"],
                                      cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for _ in range(workers)]
        try:
            deadline = time.monotonic() + 60
            while _count(engine, WorkerHeartbeat) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not start")
                time.sleep(0.1)
            now = utcnow()
            with Session(engine) as session:
                session.add_all(
                    OutboundMessage(dedupe_key=f"bench:{i}", kind=MessageKind.reminder_24h,
                                    recipient_kind=RecipientKind.resident, to_phone=f"+447700{i:06d}",
                                    body=f"【倾听一小时】提醒 {i}", urgent=True, due_at=now, segments=1)
                    for i in range(messages)
                )
                session.commit()
            started = time.monotonic()
            watch = StallWatch()
            watch.start()
            while _count(engine, OutboundMessage, MessageStatus.queued, MessageStatus.sending):
                if time.monotonic() - started > CELL_TIMEOUT:
                    print(f"  gave up after {CELL_TIMEOUT} s", file=sys.stderr)
                    break
                time.sleep(0.2)
            wall = time.monotonic() - started
            watch.done.set()
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            codes = [process.wait(timeout=30) for process in processes]
        created = fake.messages
        arrivals = [r.arrived_at for r in fake.requests if r.method == "POST"]
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
    sent_to = Counter(message.body for message in created)
    span = max(arrivals) - min(arrivals) if len(arrivals) > 1 else 0.0
    return Cell(
        busiest_arrival=busiest_window(arrivals),
        busiest_created=busiest_window([m.date_created.timestamp() for m in created]),
        throughput=(len(arrivals) - 1) / span if span else 0.0,
        duplicates=sum(count - 1 for count in sent_to.values() if count > 1),
        lost=sum(1 for row in rows if row.status != MessageStatus.sent or sent_to[row.body] == 0),
        wall=wall,
        codes=codes,
        stall=watch.longest,
        collector=pauses.longest,
    )


def _count(engine: sa.Engine, table, *statuses: MessageStatus) -> int:
    query = select(sa.func.count()).select_from(table)
    if statuses:
        query = query.where(table.status.in_(statuses))
    with Session(engine) as session:
        return session.exec(query).one()


def run_matrix(backend: str, url: str, args: argparse.Namespace) -> bool:
    migrate(url)
    engine = make_engine(url)
    print(f"\n{backend}: {args.messages} messages per cell, limit {args.rate:.0f}/s")
    print(f"{'latency':>8} {'workers':>7} {'busiest 1 s':>11} {'(created)':>9} {'msg/s':>6} {'% limit':>7} "
          f"{'dup':>4} {'lost':>4} {'wall s':>6} {'stall ms':>8} {'gc ms':>5}")
    ok = True
    try:
        for latency_ms in args.latencies:
            for workers in args.workers:
                cell = run_cell(engine, url, messages=args.messages, rate=args.rate, workers=workers,
                                latency=latency_ms / 1000)
                share = 100 * cell.throughput / args.rate
                good = (cell.busiest_arrival <= args.rate and cell.busiest_created <= args.rate and share >= 90
                        and cell.duplicates == 0 and cell.lost == 0 and not any(cell.codes))
                ok &= good
                print(f"{latency_ms:>6} ms {workers:>7} {cell.busiest_arrival:>11} {cell.busiest_created:>9} "
                      f"{cell.throughput:>6.1f} {share:>6.1f}% {cell.duplicates:>4} {cell.lost:>4} {cell.wall:>6.1f} {cell.stall * 1000:>8.0f} {cell.collector * 1000:>5.0f}"
                      f"{'' if good else '  MISSED'}", flush=True)
    finally:
        engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="postgresql")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=80.0, help="SMS_RATE_PER_SECOND for the account")
    parser.add_argument("--latencies", type=lambda text: [int(x) for x in text.split(",")], default=[0, 5, 20, 200],
                        help="provider latencies in ms")
    parser.add_argument("--workers", type=lambda text: [int(x) for x in text.split(",")], default=[1, 2, 4])
    args = parser.parse_args()
    # The fake stamps each request's arrival on one of its many handler threads: a short switch interval keeps a
    # stamp from waiting behind the others for the interpreter lock (which would bunch the stamps it measures).
    sys.setswitchinterval(0.001)

    ok = True
    if args.backend in ("postgresql", "both"):
        name = f"lh_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            ok &= run_matrix("postgresql", sa.engine.make_url(ADMIN_URL).set(database=name)
                             .render_as_string(hide_password=False), args)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as directory:
            ok &= run_matrix("sqlite", f"sqlite:///{directory}/bench.db", args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
