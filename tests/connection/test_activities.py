"""The activity catalogue: a coordinator adds, changes, retires and restores; every change audited; what goes into
an SMS is short and has no link."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.connection import activities
from listening.connection.activities import ActivityInput
from listening.core.errors import IllegalTransition, InvalidInput, NotAllowed
from listening.models import Activity, ActivityKind, AuditEvent, Language
from tests import factories


@pytest.fixture
def boss(session):
    return factories.coordinator(session)


def entry(session, boss, **overrides) -> ActivityInput:
    values = {"name_zh": "社区合唱团", "name_en": "Community choir", "kind": ActivityKind.dazi_group,
                  "community_id": factories.community(session).id, "place": "粤海街道党群服务中心三楼",
                  "schedule": "每周五 15:00", "contact_id": boss.id, "languages": [Language.mandarin, Language.cantonese],
                  "accessibility": "有电梯"}
    values.update(overrides)
    return ActivityInput(**values)


def events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_coordinator_adds_an_activity_and_it_is_in_the_catalogue(session, boss):
    added = activities.add_activity(session, actor=boss, entry=entry(session, boss, name_zh="  社区合唱团\u200b "))
    [view] = activities.catalogue(session, actor=boss)
    assert (view.id, view.name_zh, view.kind, view.community_code) == (added.id, "社区合唱团", ActivityKind.dazi_group,
                                                                       "yuehai")
    assert view.languages == (Language.mandarin, Language.cantonese) and view.free and view.cost is None
    assert view.contact_name == boss.display_name and view.name("en") == "Community choir"
    [event] = events(session, "activity.added")
    assert event.details == {"activity_kind": "dazi_group"} and event.actor_id == boss.id


def test_a_change_is_audited_by_field_names_only(session, boss):
    added = activities.add_activity(session, actor=boss, entry=entry(session, boss))
    activities.update_activity(session, actor=boss, activity_id=added.id,
                               entry=entry(session, boss, place="南山区图书馆", free=False, cost="每次 10 元",
                                           languages=[Language.mandarin]))
    row = session.get(Activity, added.id)
    assert (row.place, row.free, row.cost) == ("南山区图书馆", False, "每次 10 元")
    [event] = events(session, "activity.updated")
    assert sorted(event.details["fields"]) == ["cost", "free", "languages", "place"]
    assert "图书馆" not in str(event.details)
    with pytest.raises(IllegalTransition):
        activities.update_activity(session, actor=boss, activity_id=added.id,
                                   entry=entry(session, boss, place="南山区图书馆", free=False, cost="每次 10 元",
                                               languages=[Language.mandarin]))


def test_a_free_activity_keeps_no_amount(session, boss):
    added = activities.add_activity(session, actor=boss, entry=entry(session, boss, free=True, cost="10 元"))
    assert added.cost is None


def test_retire_and_restore(session, boss):
    added = activities.add_activity(session, actor=boss, entry=entry(session, boss))
    activities.retire_activity(session, actor=boss, activity_id=added.id)
    assert activities.catalogue(session, actor=boss) == []
    [retired] = activities.catalogue(session, actor=boss, include_retired=True)
    assert retired.retired
    with pytest.raises(IllegalTransition):
        activities.retire_activity(session, actor=boss, activity_id=added.id)
    activities.restore_activity(session, actor=boss, activity_id=added.id)
    assert [a.id for a in activities.catalogue(session, actor=boss)] == [added.id]
    with pytest.raises(IllegalTransition):
        activities.restore_activity(session, actor=boss, activity_id=added.id)
    assert len(events(session, "activity.retired")) == len(events(session, "activity.restored")) == 1


@pytest.mark.parametrize("field, value, words", [
    ("name_zh", "", "请填写活动的中文名称。"),
    ("place", "见 www.example.cn", "活动信息中不能有网址：带链接的短信会被拒发。"),
    ("cost", "http://pay.me", None),
    ("schedule", "每" * 21, "时间请少于 20 个字：它会写进短信。"),
    ("languages", [], "请至少选择一种活动使用的语言。"),
])
def test_what_goes_into_an_sms_is_checked(session, boss, field, value, words):
    overrides = {field: value}
    if field == "cost":
        overrides["free"] = False
    with pytest.raises(InvalidInput) as error:
        activities.add_activity(session, actor=boss, entry=entry(session, boss, **overrides))
    if words:
        assert error.value.translated() == words
    assert session.exec(select(Activity)).all() == []


def test_the_contact_must_be_a_coordinator_and_a_volunteer_cannot_edit(session, boss):
    account, _ = factories.volunteer(session)
    with pytest.raises(InvalidInput):
        activities.add_activity(session, actor=boss, entry=entry(session, boss, contact_id=account.id))
    with pytest.raises(NotAllowed):
        activities.add_activity(session, actor=account, entry=entry(session, boss))
    added = activities.add_activity(session, actor=boss, entry=entry(session, boss))
    assert [a.id for a in activities.catalogue(session, actor=account)] == [added.id]  # the log form reads it
    with pytest.raises(NotAllowed):
        activities.retire_activity(session, actor=account, activity_id=added.id)


def test_the_audit_trail_reads_the_changes_in_words(session, boss):
    from listening.privacy.audit_details import Names, details_text

    added = activities.add_activity(session, actor=boss, entry=entry(session, boss))
    activities.update_activity(session, actor=boss, activity_id=added.id,
                               entry=entry(session, boss, place="南山区图书馆", languages=[Language.mandarin]))
    [event] = events(session, "activity.updated")
    assert details_text(event.details, Names()) == "修改了：地点和语言"
    [event] = events(session, "activity.added")
    assert details_text(event.details, Names()) == "活动类型：搭子小组"
