"""The worker runs the retention purge on its first pass of each local day, and not again that day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from listening.models import AuditEvent, InboundMessage, ReplyIntentValue
from listening.sms.transport import OutboxOnlyTransport
from listening.sms.worker import Worker

SHENZHEN = ZoneInfo("Asia/Shanghai")


def purges(session) -> int:
    session.commit()
    return len(session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.purged")).all())


def test_one_purge_per_local_day_on_a_pinned_clock(session, engine):
    moment = [datetime(2026, 12, 1, 23, 50, tzinfo=SHENZHEN)]
    session.add(InboundMessage(provider_sid="SMold", from_phone="+8613900005678", body="谢谢",
                               intent=ReplyIntentValue.other, received_at=moment[0] - timedelta(days=40)))
    session.commit()
    worker = Worker(engine, OutboxOnlyTransport(), rate_per_second=1000, clock=lambda: moment[0], idle_sleep=0)

    first = worker.run_once()
    assert first.purged == 1 and purges(session) == 1
    session.expire_all()
    assert session.exec(select(InboundMessage.body)).one() == ""
    moment[0] += timedelta(minutes=5)  # 23:55 the same local day
    assert worker.run_once().purged == 0 and purges(session) == 1
    moment[0] += timedelta(minutes=10)  # 00:05 the next local day (16:05 UTC: the same UTC day)
    worker.run_once()
    assert purges(session) == 2
    worker._remove_heartbeat()
