"""The SMS page's service: one page of the outbox, names and masked numbers, filters, pagination, counts in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from listening.core.clock import local_datetime
from listening.models import MessageKind, MessageStatus, OutboundMessage, RecipientKind, ResidentView
from listening.sms import review
from listening.sms.review import MessageFilter
from listening.sms.transport import NO_PROVIDER
from tests import factories

pytestmark = pytest.mark.instant

RESIDENT = "+8613900005678"  # the factories' resident
NOON = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # 12:00 in Shenzhen


def add(session, key: str, *, phone: str = RESIDENT, kind: MessageKind = MessageKind.reply_help,
        recipient: RecipientKind = RecipientKind.resident, status: MessageStatus = MessageStatus.sent,
        due_at: datetime = NOON, body: str = "【倾听一小时】正文", error: str | None = None) -> OutboundMessage:
    message = OutboundMessage(dedupe_key=key, kind=kind, recipient_kind=recipient, to_phone=phone, body=body,
                              status=status, due_at=due_at, error_message=error, created_at=due_at, updated_at=due_at)
    session.add(message)
    session.flush()
    return message


def test_a_row_names_its_recipient_masks_the_number_and_records_the_view(session):
    coordinator = factories.coordinator(session)
    resident = factories.resident(session, name="李阿姨", phone=RESIDENT, consented_at=NOON)
    _, volunteer = factories.volunteer(session, "vol1", name="陈静", phone="+8613900001111")
    to_resident = add(session, "a", body="【倾听一小时】您的倾听一小时已确认。")
    to_volunteer = add(session, "b", phone=volunteer.phone, recipient=RecipientKind.volunteer,
                       kind=MessageKind.visit_scheduled, due_at=NOON - timedelta(minutes=1))
    stranger = add(session, "c", phone="+8613900009999", due_at=NOON - timedelta(minutes=2))
    rows = {r.id: r for r in review.review_page(session, actor=coordinator).rows}
    assert rows[to_resident.id].recipient_name == "李阿姨"
    assert rows[to_resident.id].body == "【倾听一小时】您的倾听一小时已确认。"
    assert rows[to_resident.id].masked_phone == "+86 139****5678"
    assert rows[to_volunteer.id].recipient_name == "陈静"
    assert rows[stranger.id].recipient_name is None  # an erased resident: the number, masked, and no name
    assert session.exec(select(ResidentView.resident_id).where(ResidentView.context == "sms")).all() == [resident.id]


def test_a_live_account_code_never_shows_on_the_page_but_other_numbers_do(session):
    coordinator = factories.coordinator(session)
    invite = add(session, "code", kind=MessageKind.account_invite, recipient=RecipientKind.volunteer,
                 body="【倾听一小时】您的志愿者账号验证码：40718263，72小时内有效。中心电话0755-2666-0000。")
    [row] = review.review_page(session, actor=coordinator).rows
    assert row.id == invite.id
    assert "40718263" not in row.body and "********" in row.body
    assert "0755-2666-0000" in row.body  # the centre's phone is not a code


def test_failures_and_messages_that_need_a_person_come_first_as_not_sent(session):
    coordinator = factories.coordinator(session)
    fine = add(session, "fine", due_at=NOON + timedelta(hours=1))
    no_provider = add(session, "np", status=MessageStatus.not_sent, error=NO_PROVIDER)
    failed = add(session, "bad", status=MessageStatus.failed, error="The 'To' number is not valid.",
                 due_at=NOON - timedelta(days=1))
    rows = review.review_page(session, actor=coordinator).rows
    assert [r.id for r in rows] == [no_provider.id, failed.id, fine.id]
    assert rows[0].status == MessageStatus.not_sent and rows[0].reason_known
    assert rows[0].reason == "Not sent: no SMS provider is configured."
    assert rows[1].reason == "The 'To' number is not valid." and not rows[1].reason_known
    assert rows[0].resendable and rows[1].resendable and not rows[2].resendable


def test_filters_by_kind_and_status(session):
    coordinator = factories.coordinator(session)
    reminder = add(session, "r", kind=MessageKind.reminder_24h)
    add(session, "h", kind=MessageKind.reply_help)
    not_sent = add(session, "n", kind=MessageKind.reply_help, status=MessageStatus.not_sent, error=NO_PROVIDER)
    by_kind = review.review_page(session, actor=coordinator, filters=MessageFilter(kinds=(MessageKind.reminder_24h,)))
    assert [r.id for r in by_kind.rows] == [reminder.id] and by_kind.total == 1
    by_status = review.review_page(session, actor=coordinator,
                                   filters=MessageFilter(statuses=(MessageStatus.not_sent,)))
    assert [r.id for r in by_status.rows] == [not_sent.id]


def test_dates_are_local_days_from_midnight_to_midnight(session):
    coordinator = factories.coordinator(session)
    day = date(2026, 3, 5)
    last_of_day_before = add(session, "before", due_at=local_datetime(day, datetime.min.time()) - timedelta(seconds=1))
    first_of_day = add(session, "first", due_at=local_datetime(day, datetime.min.time()))
    last_of_day = add(session, "last", due_at=local_datetime(day + timedelta(days=1), datetime.min.time())
                      - timedelta(seconds=1))
    next_day = add(session, "next", due_at=local_datetime(day + timedelta(days=1), datetime.min.time()))

    def ids(**days):
        return {r.id for r in review.review_page(session, actor=coordinator, filters=MessageFilter(**days)).rows}

    assert ids(first_day=day, last_day=day) == {first_of_day.id, last_of_day.id}
    assert ids(first_day=day) == {first_of_day.id, last_of_day.id, next_day.id}
    assert ids(last_day=day) == {last_of_day_before.id, first_of_day.id, last_of_day.id}
    # 00:00 in Shenzhen is 16:00 UTC the day before: a UTC day would have put these on other dates
    assert first_of_day.due_at.astimezone(UTC).date() == day - timedelta(days=1)


def test_pages_are_limited_in_sql_and_counted_in_sql(session, engine):
    coordinator = factories.coordinator(session)
    made = [add(session, f"m{i}", due_at=NOON - timedelta(minutes=i)) for i in range(7)]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        second = review.review_page(session, actor=coordinator, page=2, page_size=3)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert [r.id for r in second.rows] == [m.id for m in made[3:6]]
    assert second.total == 7 and second.pages == 3 and second.page == 2
    outbox_reads = [s for s in statements if "FROM outbound_message" in s]
    assert any("count(" in s.lower() for s in outbox_reads)
    assert all("LIMIT" in s.upper() for s in outbox_reads if "count(" not in s.lower())
    last = review.review_page(session, actor=coordinator, page=99, page_size=3)
    assert last.page == 3 and [r.id for r in last.rows] == [made[6].id]  # past the end: the last page


def test_a_body_emptied_by_retention_says_so(session):
    coordinator = factories.coordinator(session)
    emptied = add(session, "old", body="")
    [row] = review.review_page(session, actor=coordinator).rows
    assert row.id == emptied.id and row.emptied and row.body == ""
    msgid, days = review.emptied_note()
    assert msgid == "(emptied after {days} days)" and days == 30


def test_only_a_coordinator_reads_the_outbox(session):
    from listening.core.errors import NotAllowed

    account, _ = factories.volunteer(session, "vol2")
    with pytest.raises(NotAllowed):
        review.review_page(session, actor=account)
