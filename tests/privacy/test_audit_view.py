"""The audit trail as people read it: names and labels, readable details, filters."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.i18n import set_locale
from listening.models import ListeningRequest
from listening.privacy import audit_view, erasure
from tests.privacy.test_erasure import NAME, REASON, erased_setup  # noqa: F401


def test_events_show_people_and_records_by_name_and_details_as_text(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    rows = audit_view.search(session, actor=coordinator)
    assert rows and all("{" not in r.details and "'" not in r.details for r in rows)
    requeued = next(r for r in rows if r.action == "请求回到队列")
    assert requeued.who == coordinator.display_name and NAME in requeued.record and "#" in requeued.record
    assert "从: 已安排; 到: 新申请" in requeued.details
    assert all(REASON not in r.details for r in rows)
    viewed = next(r for r in rows if r.action == "查看了居民资料")
    assert NAME in viewed.record and "请求详情" in viewed.details


def test_filters_by_person_action_record_and_date(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    request_id = session.exec(select(ListeningRequest.id).where(col(ListeningRequest.same_number_as_id).is_(None))).one()
    mine = audit_view.search(session, actor=coordinator, person_id=coordinator.id)
    assert mine and all(r.who == coordinator.display_name for r in mine)
    only = audit_view.search(session, actor=coordinator, actions=[AuditAction.request_requeued])
    assert [r.action for r in only] == ["请求回到队列"]
    record = audit_view.search(session, actor=coordinator, entity="listening_request", entity_id=str(request_id))
    assert record and all(f"#{request_id}" in r.record for r in record)
    assert audit_view.search(session, actor=coordinator, start=today() + timedelta(days=1)) == []
    assert audit_view.search(session, actor=coordinator, start=today(), end=today())


def test_an_erased_resident_shows_as_erased_and_english_readers_read_english(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    erasure.erase_resident(session, actor=coordinator, resident_id=resident.id,
                           reason=erasure.ErasureReason.resident_asked, confirm_name=NAME)
    set_locale("en")
    rows = audit_view.search(session, actor=coordinator, actions=[AuditAction.resident_erased])
    assert [(r.action, r.record, r.details) for r in rows] == [
        ("resident erased", f"resident #{resident.id} · erased", "reason: the resident asked to be erased")]
