"""The audit trail as people read it: names and labels, readable details, filters, a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.clock import today
from listening.core.i18n import set_locale
from listening.models import Language, ListeningRequest, Mode, PartOfDay
from listening.privacy import audit_view, erasure
from listening.residents import intake
from listening.residents.intake import RequestForm
from listening.volunteers import training
from tests import factories
from tests.privacy.test_erasure import NAME, REASON, erased_setup  # noqa: F401


def test_events_show_people_and_records_by_name_and_details_as_text(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    rows = audit_view.search(session, actor=coordinator)
    assert rows and all("{" not in r.details and "'" not in r.details and "[" not in r.details for r in rows)
    assert all("_" not in r.details and "." not in r.action for r in rows)  # no codes, no action values
    requeued = next(r for r in rows if r.action == "请求回到队列")
    assert (requeued.who, requeued.record) == (coordinator.display_name, f"{NAME}的申请 #{resident.id}")
    assert "从：已安排；到：新申请" in requeued.details
    assert all(REASON not in r.details for r in rows)
    viewed = next(r for r in rows if r.action == "查看了居民资料")
    assert viewed.record == f"居民 {NAME}" and "位置：请求详情" in viewed.details
    proposed = next(r for r in rows if r.action == "建议了探访")
    assert "志愿者：陈静" in proposed.details
    # Nobody signed in: the resident sent the public form; the second form, with the same number, proves nobody.
    submitted = [r.who for r in rows if r.action == "已收到申请"]
    assert submitted == ["使用该居民号码的人", f"{NAME}（居民）"]
    accounts = [r.record for r in rows if r.action == "创建了账号"]
    assert "王芳的账号" in accounts and "角色：协调员" in {r.details for r in rows if r.action == "创建了账号"}
    raised = next(r for r in rows if r.action == "发起了安全预警")
    assert "风险：自杀或自伤的念头" in raised.details and "未提醒：王芳（没有手机号码）" in raised.details


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
    assert [(r.who, r.action, r.record, r.details) for r in rows] == [
        ("王芳", "resident erased", f"resident #{resident.id} (erased)", "reason: the resident asked to be erased")]
    requeued = audit_view.search(session, actor=coordinator, actions=[AuditAction.request_requeued])
    assert requeued[0].record.endswith("(resident erased)") and "from: scheduled; to: new" in requeued[0].details


def test_details_of_every_kind_read_as_words_in_both_languages(session):
    coordinator = factories.coordinator(session)
    _, volunteer = factories.volunteer(session)
    training.sync_curriculum(session)
    audit.record(session, actor_id=coordinator.id, action=AuditAction.matching_run, entity="week",
                 entity_id="2026-11-30", details={"requests": 12, "volunteers": 40, "proposed": 9,
                                                  "proven_optimal": True})
    audit.record(session, actor_id=coordinator.id, action=AuditAction.training_completions_recorded,
                 entity="training_completion", details={"modules": ["crisis"], "completed_on": "2026-11-02",
                                                        "volunteer_ids": [volunteer.id], "method": "attendance"})
    audit.record(session, actor_id=coordinator.id, action=AuditAction.escalation_acknowledged, entity="escalation",
                 entity_id=7, details={"minutes_to_acknowledge": 17762.3, "alerts_cancelled": 2})
    audit.record(session, actor_id=coordinator.id, action=AuditAction.report_exported, entity="report",
                 details={"sheets": ["Sessions", "By community"], "rows": {"Sessions": 3, "By community": 2}})
    audit.record(session, actor_id=volunteer.account_id, action=AuditAction.availability_rule_added,
                 entity="volunteer", entity_id=volunteer.id,
                 details={"rule_id": 3, "weekday": 1, "start": "19:00:00", "end": "21:00:00"})
    session.flush()

    set_locale("en")
    rows = {r.action: r for r in audit_view.search(session, actor=coordinator)}
    assert rows["matching run"].record == "week of Nov 30, 2026"
    assert rows["matching run"].details == "requests: 12; volunteers: 40; proposed: 9; proven best: yes"
    completions = rows["training completions recorded"].details
    assert completions.startswith("modules: Recognising a crisis and referring; ")
    assert "completed on: Nov 2, 2026; volunteers: 陈静; how: attendance" in completions
    assert rows["escalation acknowledged"].details == "time to acknowledge: 12 days 8 hours; alerts called off: 2"
    assert rows["escalation acknowledged"].record == "escalation #7"
    assert rows["report exported"].details == ("sheets: Sessions and By community; "
                                               "rows: Sessions 3 and By community 2")
    added = rows["weekly availability added"]
    assert (added.who, added.record) == ("陈静", "volunteer 陈静")
    assert added.details == "weekly window: #3; weekday: Tuesday; from: 19:00; until: 21:00"

    set_locale("zh_CN")
    rows = {r.action: r for r in audit_view.search(session, actor=coordinator)}
    assert rows["确认了安全预警"].details == "确认用时：12天8小时；已取消的提醒：2"
    assert rows["运行了匹配"].details == "申请：12；志愿者：40；待审批：9；已证明最优：是"
    assert "星期：星期二" in rows["添加了每周可服务时间"].details


def _submit(session, n: int) -> None:
    for k in range(n):
        form = RequestForm(display_name=f"居民{k}", phone=f"1370000{k:04d}", community_code="yuehai",
                           mode=Mode.phone, language=Language.mandarin, weekdays=[1],
                           parts_of_day=[PartOfDay.morning], topic="", sensitive_consent=True, sms_consent=False)
        intake.submit(session, form=form, client_address=f"203.0.113.{k}", now=datetime.now(UTC))


def _selects(session, run) -> int:
    """How many SELECT statements `run` sends (writes, such as the view records, are not counted)."""
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_names_are_looked_up_once_per_page_not_once_per_row(session):
    coordinator = factories.coordinator(session)
    factories.community(session)
    _submit(session, 2)
    session.commit()
    few = _selects(session, lambda: audit_view.search(session, actor=coordinator))
    session.rollback()
    _submit(session, 25)
    session.commit()
    session.refresh(coordinator)  # loaded before counting: the rollback above expired it
    many_rows = []
    many = _selects(session, lambda: many_rows.extend(audit_view.search(session, actor=coordinator)))
    assert len(many_rows) > 25 and many == few
    assert {r.who for r in many_rows if r.action == "已收到申请"} >= {"居民0（居民）", "居民24（居民）"}

