"""The coordinators' training page, through the real app with AppTest: a new applicant walked to "active" (the
competencies signed on the supervision page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from listening.core import clock
from listening.models import Account, Competency, Mode, TrainingCompletion, Volunteer
from listening.volunteers import training
from tests.pages.conftest import app_test, sign_in

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

CORE = ["programme", "active_listening", "empathic_responses", "boundaries_fraud", "crisis", "phone_listening",
        "self_care"]


def training_page():  # AppTest.switch_page runs the page alone, in the default language (Chinese)
    at = sign_in("coordinator")
    at.run()
    at.switch_page("pages/training.py")
    at.run()
    assert not at.exception
    return at


def click(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def test_a_coordinator_takes_a_new_applicant_to_active_through_the_pages(demo, session):
    at = training_page()
    at.text_input(key="applicant_name").input("张新")
    at.text_input(key="applicant_phone").input("139 0000 1888")
    click(at, "添加申请人")
    assert "已将 张新 添加为申请人。" in [s.value for s in at.success]
    volunteer = session.exec(select(Volunteer).where(Volunteer.full_name == "张新")).one()
    assert volunteer.phone == "+8613900001888"

    at.multiselect(key="record_volunteers").set_value([volunteer.id])
    at.multiselect(key="record_modules").set_value(CORE)
    click(at, "记录完成情况")
    assert "已记录 7 条完成记录。" in [s.value for s in at.success]

    today = clock.today()
    mentor = next(v for v, modes in training.eligible_modes(session, on=today).items() if modes)
    for k in range(3):
        at.selectbox(key="shadow_volunteer").set_value(volunteer.id)
        at.selectbox(key="shadow_mentor").set_value(mentor)
        at.date_input(key="shadow_date").set_value(today - timedelta(days=k))
        click(at, "记录观摩")
        assert not at.error

    # The five competencies, observed and signed off on the supervision page (otherwise they stay shadowing).
    assert training.eligible_modes(session, on=today, volunteer_ids=[volunteer.id]) == {volunteer.id: set()}
    supervision = app_test("pages/supervision.py")
    supervision.session_state["account"] = session.exec(select(Account).where(Account.username == "coordinator")).one()
    supervision.run()
    supervision.selectbox(key="supervision_volunteer").set_value(volunteer.id).run()
    for _ in Competency:
        supervision.button(key="FormSubmitter:sign_off-签核").click().run()
        assert not supervision.exception and not supervision.error
    session.rollback()  # end the read snapshot: see what the pages committed

    at.text_input(key="training_search").input("张新").run()
    table = at.dataframe[0].value
    assert list(table["姓名"]) == ["张新"] and list(table["阶段"]) == ["可上岗（电话、中心）"]
    session.rollback()  # end the test's read transaction: see what the page wrote
    assert training.eligible_modes(session, on=today, volunteer_ids=[volunteer.id]) == {
        volunteer.id: {Mode.phone, Mode.centre}}

    at.selectbox(key="timeline_volunteer").set_value(volunteer.id).run()
    assert not at.exception
    timeline = " ".join(m.value for m in at.markdown)
    assert "以申请人身份加入。" in timeline and timeline.count("观摩了一次倾听") == 3


def problems_table(at):
    return next(d.value for d in at.dataframe if "问题" in d.value.columns)


def test_a_bad_csv_file_imports_nothing_and_names_every_bad_line_in_chinese(demo, session):
    volunteer = session.exec(select(Volunteer)).first()
    before = session.exec(select(func.count()).select_from(TrainingCompletion)).one()
    at = training_page()
    at.text_area(key="import_text").input("\n".join([
        "volunteer,module,completed_on",
        f"{volunteer.id},self_care,2020-01-01",
        "13900007777,self_care,2020-01-01",
        f"{volunteer.id},knitting,2020-01-01",
        f"{volunteer.id},self_care,yesterday",
    ]))
    click(at, "导入")
    assert [e.value for e in at.error] == ["未导入任何记录：有 3 行需要更正。"]
    problems = problems_table(at)
    assert list(problems["行"]) == [3, 4, 5]
    assert list(problems["问题"]) == ["找不到志愿者 13900007777。", "没有培训模块 knitting。",
                                    "yesterday 不是 YYYY-MM-DD 格式的日期。"]
    session.rollback()  # end the test's read transaction: see what the page wrote
    assert session.exec(select(func.count()).select_from(TrainingCompletion)).one() == before


def test_a_file_with_thousands_of_bad_rows_shows_one_capped_table(demo):
    at = training_page()
    bad_rows = [f"99{n:05d},self_care,2020-01-01" for n in range(250)]  # volunteer numbers nobody has
    at.text_area(key="import_text").input("\n".join(["volunteer,module,completed_on", *bad_rows]))
    click(at, "导入")
    assert [e.value for e in at.error] == ["未导入任何记录：有 250 行需要更正。"]
    assert len(problems_table(at)) == 100
    assert "还有 150 条" in [c.value for c in at.caption]


def test_a_good_csv_file_is_imported(demo, session):
    volunteer = session.exec(select(Volunteer)).first()
    at = training_page()
    at.text_area(key="import_text").input(f"volunteer,module,completed_on\n{volunteer.id},self_care,2020-01-01\n")
    click(at, "导入")
    assert "已导入 1 条完成记录。" in [s.value for s in at.success]


def test_filters_show_volunteers_needing_attention_and_by_stage(demo):
    at = training_page()
    everyone = len(at.dataframe[0].value)
    assert everyone == demo["volunteers"]
    at.checkbox(key="training_attention").check().run()
    attention = at.dataframe[0].value
    assert 0 < len(attention) < everyone
    assert all(expiring or expired for expiring, expired in zip(attention["即将过期"], attention["已过期"]))
    at.checkbox(key="training_attention").uncheck()
    at.multiselect(key="training_stages").set_value([training.Stage.applicant]).run()
    assert set(at.dataframe[0].value["阶段"]) == {"申请人"}


def test_the_training_page_refuses_a_volunteer(demo, session):
    volunteer = session.exec(select(Account).where(Account.username == "volunteer")).one()
    at = app_test("pages/training.py")
    at.session_state["account"] = volunteer
    at.run()
    assert not at.exception
    assert at.error and not at.dataframe
