"""The account's send schedule: exact slots across processes started at the same moment, a stale schedule, the
window bound with late arrivals, and a crash between reserving a slot and sending."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import types
from bisect import bisect_left
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from listening.core import db
from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, WorkerHeartbeat
from listening.sms import outbox, send_slots
from listening.sms.transport import TwilioTransport
from listening.sms.worker import Worker
from tests.fake_twilio import FakeTwilio

T0 = 1_800_000_000.0  # the pinned schedule clock (epoch seconds); the logic under test never reads the wall clock
SLOTS_PER_PROCESS = 40


def busiest_window(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(bisect_left(stamps, t + 1.0) - i for i, t in enumerate(stamps))


def test_the_spacing_keeps_any_window_within_the_limit_when_arrivals_are_late_by_up_to_the_allowance():
    rate = 80
    spacing = send_slots.spacing(rate)
    assert spacing == pytest.approx((1 + send_slots.LATENESS) / rate)
    slots = [T0 + k * spacing for k in range(400)]
    # The worst case: runs of requests on time, then runs as late as allowed, so late ones catch up on the next.
    for period in (1, 7, 40, 81):
        late = [slot + (send_slots.LATENESS if (k // period) % 2 else 0.0) for k, slot in enumerate(slots)]
        assert busiest_window(late) <= rate
    assert busiest_window(slots) >= rate * 0.95  # and the margin costs no more than the allowance
    # Exactly 1/rate would not survive the same lateness: that is why the slots are wider.
    tight = [T0 + k / rate + (send_slots.LATENESS if (k // 81) % 2 else 0.0) for k in range(400)]
    assert busiest_window(tight) > rate


def test_a_rate_under_one_per_second_is_one_message_per_period():
    assert send_slots.spacing(0.5) == 2.0
    assert send_slots.spacing(1) == pytest.approx(1 + send_slots.LATENESS)
    with pytest.raises(ValueError):
        send_slots.spacing(0)


def test_reservations_are_consecutive_slots_from_now(engine):
    writing = db.for_writing(engine)
    taken = [send_slots.reserve(writing, now=T0, spacing_seconds=0.25) for _ in range(4)]
    assert taken == pytest.approx([T0, T0 + 0.25, T0 + 0.5, T0 + 0.75])
    # Later than the schedule: the next slot is now, not the idle past.
    assert send_slots.reserve(writing, now=T0 + 10, spacing_seconds=0.25) == pytest.approx(T0 + 10)
    assert send_slots.reserve(writing, now=T0 + 10, spacing_seconds=0.25) == pytest.approx(T0 + 10.25)


def test_a_schedule_written_by_another_clock_far_ahead_starts_again_from_now(engine):
    writing = db.for_writing(engine)
    send_slots.reserve(writing, now=T0 + 86_400, spacing_seconds=0.25)  # a test pinned to tomorrow
    assert send_slots.reserve(writing, now=T0, spacing_seconds=0.25) == pytest.approx(T0)


def _reserve_many(url: str, barrier, results, index: int) -> None:
    os.environ["DATABASE_URL"] = url
    from listening.core import config

    try:
        config.get_settings.cache_clear()
        db.reset_engine()
        engine = db.for_writing(db.get_engine())
        with engine.connect():
            pass  # connected before the start, like a running worker
        barrier.wait(timeout=180)
        results.put((index, [send_slots.reserve(engine, now=T0, spacing_seconds=0.01)
                             for _ in range(SLOTS_PER_PROCESS)]))
    except Exception as error:  # noqa: BLE001 - the class name is the finding
        results.put((index, type(error).__name__))


def test_processes_started_at_the_same_moment_never_share_a_slot(engine, database_url, monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))  # see tests/core/test_db.py
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_reserve_many, args=(database_url, barrier, results, i)) for i in range(2)]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert all(isinstance(slots, list) for slots in outcomes.values()), outcomes
    every = sorted(outcomes[0] + outcomes[1])
    # One schedule: 80 consecutive slots from the pinned now, each taken once, 10 ms apart.
    assert every == pytest.approx([T0 + k * 0.01 for k in range(2 * SLOTS_PER_PROCESS)])
    assert all(b - a == pytest.approx(0.01) for a, b in itertools.pairwise(every))


# -- a crash between reserving a slot and sending ----------------------------------------------------------------


class Crash(Exception):
    """The worker dies here (an exception is what an in-process test can do; the kill -9 test is in
    test_worker_faults.py)."""


def _last_noon_in_shenzhen() -> datetime:
    now = datetime.now(UTC)  # the fake's real timestamps must come after the pinned claim (find_sent "since")
    noon = now.replace(hour=4, minute=0, second=0, microsecond=0)
    return noon if noon <= now else noon - timedelta(days=1)


def test_a_crash_after_reserving_before_sending_loses_nothing_and_sends_nothing_twice(engine, monkeypatch):
    noon = _last_noon_in_shenzhen()
    phones = [f"+44770090{i:03d}" for i in range(3)]
    with Session(engine) as session:
        for i, phone in enumerate(phones):
            outbox.enqueue(session, kind=MessageKind.reply_help, recipient_kind=RecipientKind.resident,
                           to_phone=phone, body=f"【倾听一小时】第{i}条", dedupe_key=f"slot:{i}", urgent=True,
                           due_at=noon, now=noon)
        session.commit()
    reserved: list[float] = []
    reserve = send_slots.reserve
    monkeypatch.setattr(send_slots, "reserve", lambda *a, **kw: reserved.append(reserve(*a, **kw)) or reserved[-1])

    with FakeTwilio() as fake:
        transport = TwilioTransport(fake.account_sid, fake.auth_token, from_number=fake.from_number,
                                    base_url=fake.base_url)

        class DiesBeforeTheSecondRequest:
            """The worker dies after the second message has its slot, before its request leaves."""

            name = transport.name
            find_sent = transport.find_sent

            def send(self, to, body, **kwargs):
                if len(reserved) == 2:
                    raise Crash
                return transport.send(to, body, **kwargs)

        first = Worker(engine, DiesBeforeTheSecondRequest(), rate_per_second=1000, clock=lambda: noon,
                       worker_id="first:1:a")
        first.beat(force=True)
        with pytest.raises(Crash):
            first.run_once()
        assert len(reserved) == 2
        assert fake.count_by() == 1  # the first went out; the second had its slot and died before sending
        with Session(engine) as session:
            rows = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [row.status for row in rows] == [MessageStatus.sent, MessageStatus.sending, MessageStatus.queued]
        # The crashed worker never comes back: its heartbeat goes stale, another worker takes over.
        later = noon + timedelta(minutes=1)
        second = Worker(engine, transport, rate_per_second=1000, clock=lambda: later, worker_id="second:1:b")
        for _ in range(3):  # one pass reconciles the orphan and sends both; the others find nothing
            second.run_once()
    assert Counter(message.to for message in fake.messages) == dict.fromkeys(phones, 1)
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
        assert session.get(WorkerHeartbeat, "second:1:b") is not None
    assert {row.status for row in rows} == {MessageStatus.sent}
    assert {row.provider_sid for row in rows} == {message.sid for message in fake.messages}

