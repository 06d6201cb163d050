"""The Privacy page (coordinator only) and the audit page, through AppTest."""

from __future__ import annotations

from sqlmodel import select

from listening.core.audit import AuditAction
from listening.core.i18n import set_locale
from listening.models import Account, AuditEvent, Resident
from tests.pages.conftest import app_test
from tests.privacy.test_erasure import NAME, REASON, erased_setup  # noqa: F401


def as_user(session, username: str, page: str):
    at = app_test(page)
    at.session_state["account"] = session.exec(select(Account).where(Account.username == username)).one()
    return at.run()


def test_a_volunteer_cannot_open_the_privacy_page(session, erased_setup):  # noqa: F811
    at = as_user(session, "vol", "pages/privacy.py")
    assert [e.value for e in at.error] == ["您的角色无权访问此页面。"]
    assert not at.text_input


def test_a_coordinator_finds_a_resident_sees_who_viewed_downloads_a_copy_and_erases(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    resident_id = resident.id
    at = as_user(session, "coord", "pages/privacy.py")
    at.text_input(key="privacy_find").input("罗").run()
    assert not at.exception
    viewers = at.dataframe[0].value
    assert coordinator.display_name in set(viewers["人员"]) and "请求详情" in set(viewers["位置"])

    at.button(key="privacy_copy").click().run()
    assert not at.exception
    session.commit()  # end the test's read snapshot: the page wrote in its own transactions
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "resident.copy_exported")).one()
    assert at.session_state["privacy_copy_file"][2].decode("utf-8").count(NAME) >= 1

    at.text_input(key="privacy_confirm_name").input("罗").run()
    at.checkbox(key="privacy_sure").check().run()
    at.button(key="privacy_erase").click().run()
    assert [e.value for e in at.error] == ["请按显示的内容准确输入居民姓名以确认删除。"]
    at.text_input(key="privacy_confirm_name").input(NAME).run()
    at.button(key="privacy_erase").click().run()
    assert not at.exception
    session.commit()
    session.expire_all()
    assert session.get(Resident, resident_id) is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "resident.erased")).one()


def test_the_audit_page_is_readable_and_searchable(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    at = as_user(session, "coord", "pages/audit_log.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert "请求回到队列" in set(table["操作"]) and coordinator.display_name in set(table["人员"])
    assert f"{NAME}的申请 #{resident.id}" in set(table["记录"]) and "王芳的账号" in set(table["记录"])
    assert f"{NAME}（居民）" in set(table["人员"])
    assert not any(c in table.to_csv() for c in ("{", "[", "auth.", "request.", "account #", "listening_request"))
    assert REASON not in table.to_csv()
    at.text_input(key="audit_entity_id").input("999999").run()
    assert at.dataframe[0].value.empty and at.caption[-1].value == "显示 0 条记录（最多 300 条）。"


def test_the_audit_page_reads_in_english(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    at = app_test("pages/audit_log.py")
    at.session_state["account"] = coordinator
    at.session_state["locale"] = "en"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"request back in the queue", "visit proposed", "account created"} <= set(table["Action"])
    assert f"request #{resident.id} of {NAME}" in set(table["Record"]) and f"{NAME} (resident)" in set(table["Who"])
    assert "from: scheduled; to: new; visit: #1" in set(table["Details"])
    assert not any(c in table.to_csv() for c in ("{", "[", "auth.", "request.", "、", "："))
    set_locale("en")  # AppTest formats the chosen option with the page's format_func, in the test's language
    at.multiselect(key="audit_action").select(AuditAction.request_requeued).run()
    assert list(at.dataframe[0].value["Action"]) == ["request back in the queue"]
    at.multiselect(key="audit_action").unselect(AuditAction.request_requeued).select(AuditAction.auth_signed_in).run()
    assert at.dataframe[0].value.empty and at.caption[-1].value == "0 events shown (at most 300)."
