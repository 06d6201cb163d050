"""Fault tests with real worker processes (`python -m listening worker`) against the local fake Twilio API.

* kill -9 in the middle of a batch, while a message is at the provider but its sid is not stored, then a
  restart: every due message reaches the fake exactly once;
* two workers at once: no message is sent twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, WorkerHeartbeat
from listening.sms import outbox
from tests.fake_twilio import FakeTwilio
from tests.pinned import pinned_command

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 25
# Starting an interpreter, importing the app and checking the schema can take most of 25 s on a loaded 2-core
# machine (a timeout on PostgreSQL once): starting gets its own, generous deadline; the work keeps the short one.
STARTUP_SECONDS = 120


def worker_env(fake: FakeTwilio, *, rate: float) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TWILIO_ACCOUNT_SID=fake.account_sid,
        TWILIO_AUTH_TOKEN=fake.auth_token,
        TWILIO_FROM=fake.from_number,
        TWILIO_BASE_URL=fake.base_url,
        SMS_RATE_PER_SECOND=str(rate),
        QUIET_HOURS="00:00-00:00",  # no quiet hours, whatever time the test runs
        PYTHONUNBUFFERED="1",
    )
    return env


def start_worker(fake: FakeTwilio, log: Path, *, rate: float = 50) -> subprocess.Popen:
    return subprocess.Popen(pinned_command("listening", "worker"), cwd=ROOT, env=worker_env(fake, rate=rate),
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_running(engine, log: Path, *processes: subprocess.Popen) -> None:
    """Until each worker runs: its heartbeat is written after the imports and the schema check."""
    def running() -> bool:
        exited = [process for process in processes if process.poll() is not None]
        assert not exited, log.read_text()[-3000:]
        with Session(engine) as session:
            beating = set(session.exec(select(WorkerHeartbeat.pid)))
        return all(process.pid in beating for process in processes)

    wait_until(running, seconds=STARTUP_SECONDS, what="the workers to start")


def queue_due(engine, n: int) -> list[str]:
    phones = [f"+4477009{i:05d}" for i in range(n)]
    with Session(engine) as session:
        for i, phone in enumerate(phones):
            outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                           to_phone=phone, body=f"【倾听一小时】提醒{i}", dedupe_key=f"fault:{i}", urgent=True)
        session.commit()
    return phones


def statuses(engine) -> Counter:
    with Session(engine) as session:
        return Counter(m.status for m in session.exec(select(OutboundMessage)))


def wait_until(condition, *, seconds: float = DEADLINE_SECONDS, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=10)


def assert_each_sent_exactly_once(engine, fake: FakeTwilio, phones: list[str]) -> None:
    sent_to = Counter(message.to for message in fake.messages)
    assert {phone: sent_to[phone] for phone in phones} == {phone: 1 for phone in phones}
    assert sum(sent_to.values()) == len(phones)
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
    assert {row.provider_sid for row in rows} == {message.sid for message in fake.messages}


def test_kill_minus_nine_mid_batch_then_restart_sends_each_message_once(engine, tmp_path):
    phones = queue_due(engine, 60)
    log = tmp_path / "worker.log"
    with FakeTwilio(latency_seconds=0.02) as fake:
        first = start_worker(fake, log)
        try:
            wait_running(engine, log, first)
            wait_until(lambda: fake.count_by() >= 15, what="the first messages")
            # The next create is stored at the provider but answered only after 8 s: the worker waits in the
            # middle of its batch with a message sent and its sid not stored. That is when it dies.
            fake.timeout_next(1, seconds=8)
            at_injection = fake.count_by()
            wait_until(lambda: len(fake.messages) > at_injection and fake.requests[-1].method == "POST",
                       what="the hanging create")
            time.sleep(0.3)
            assert statuses(engine)[MessageStatus.sending] >= 2  # the hanging one and the rest of the batch
        finally:
            first.kill()  # SIGKILL: no clean-up of any kind
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        assert fake.count_by() < len(phones)

        second = start_worker(fake, log)
        try:
            wait_running(engine, log, second)
            wait_until(lambda: statuses(engine)[MessageStatus.sent] == len(phones), what="every message sent")
        finally:
            assert stop(second) == 0, log.read_text()
        assert_each_sent_exactly_once(engine, fake, phones)


def test_two_workers_at_once_send_nothing_twice(engine, tmp_path, backend):
    if backend != "postgresql":
        pytest.skip("several workers share a PostgreSQL database; SQLite runs a single worker")
    log = tmp_path / "workers.log"
    with FakeTwilio(latency_seconds=0.01) as fake:
        workers = [start_worker(fake, log, rate=100), start_worker(fake, log, rate=100)]
        try:
            wait_running(engine, log, *workers)
            phones = queue_due(engine, 300)  # due once both run, so that both take part
            wait_until(lambda: statuses(engine)[MessageStatus.sent] == len(phones), what="every message sent")
        finally:
            codes = [stop(worker) for worker in workers]
        assert codes == [0, 0], log.read_text()
        assert_each_sent_exactly_once(engine, fake, phones)
        with Session(engine) as session:
            claimants = Counter(row.claimed_by.split(":")[1] for row in session.exec(select(OutboundMessage)))
        assert len(claimants) == 2, log.read_text()[-3000:]  # both really worked
