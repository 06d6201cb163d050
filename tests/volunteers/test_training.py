"""The training ladder, expiry on date boundaries in the programme's timezone, bulk records, CSV import, quizzes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from listening.core import clock
from listening.core.errors import InvalidInput, NotAllowed
from listening.core.i18n import set_locale
from listening.models import (
    Account,
    AuditEvent,
    CompletionMethod,
    Gender,
    Language,
    Mode,
    QuizAttempt,
    ShadowSession,
    TrainingCompletion,
    VolunteerStatus,
)
from listening.volunteers import training
from listening.volunteers.training import ModuleState, Stage
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

DAY = date(2026, 3, 2)
CORE = ["programme", "active_listening", "empathic_responses", "boundaries_fraud", "crisis", "phone_listening",
        "self_care"]


@pytest.fixture
def coord(session):
    training.sync_curriculum(session)
    return factories.coordinator(session)


def complete(session, coord, volunteer, codes, on=DAY):
    training.record_completions(session, actor=coord, volunteer_ids=[volunteer.id], module_codes=codes,
                                completed_on=on, on=on)


def certified_mentor(session, coord, phone="+8613900009999", on=DAY - timedelta(days=30)):
    """A volunteer certified for every mode, all modules completed on `on`."""
    _, mentor = factories.volunteer(session, None, name="导师", phone=phone)
    complete(session, coord, mentor, CORE + ["home_visit_safety"], on=on)
    # the first mentor of a new programme observed sessions before anyone was certified: written directly
    _, elder = factories.volunteer(session, None, name="老导师", phone="+8613900009998")
    for k in range(3):
        session.add(ShadowSession(volunteer_id=mentor.id, mentor_id=elder.id, observed_on=DAY - timedelta(days=20 + k)))
    factories.signed_competencies(session, mentor, on=DAY - timedelta(days=20))
    return mentor


def shadow(session, coord, volunteer, mentor, n=3):
    for k in range(n):
        training.record_shadow_session(session, actor=coord, volunteer_id=volunteer.id, mentor_id=mentor.id,
                                       observed_on=DAY - timedelta(days=k), on=DAY)


def stage_of(session, volunteer, on=DAY):
    return training.training_status(session, volunteer_id=volunteer.id, on=on).stage


def test_the_ladder_climbs_from_applicant_to_home_certified(session, coord):
    mentor = certified_mentor(session, coord)
    volunteer = training.add_applicant(session, actor=coord, full_name=" 新志愿者 ", gender=Gender.male,
                                       phone="139 0000 5678", community_id=factories.community(session).id,
                                       languages=[Language.mandarin, Language.cantonese], joined_on=DAY)
    assert volunteer.phone == "+8613900005678" and volunteer.full_name == "新志愿者"
    assert stage_of(session, volunteer) == Stage.applicant
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[volunteer.id]) == {volunteer.id: set()}

    complete(session, coord, volunteer, CORE[:3])
    assert stage_of(session, volunteer) == Stage.in_training
    complete(session, coord, volunteer, CORE[3:])
    assert stage_of(session, volunteer) == Stage.shadowing
    set_locale("en")
    reasons = training.mode_eligibility(session, volunteer_id=volunteer.id, on=DAY)
    unsigned = ["Competency not signed off: opening a session", "Competency not signed off: reflecting feelings",
                "Competency not signed off: keeping boundaries", "Competency not signed off: ending a session",
                "Competency not signed off: recognising risk"]
    assert reasons[Mode.phone] == ["Observed sessions with a mentor: 0 of 3.", *unsigned]
    assert reasons[Mode.home] == ["Observed sessions with a mentor: 0 of 3.", *unsigned,
                                  "Module not completed: Home-visit safety"]
    set_locale("zh_CN")
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[volunteer.id])[volunteer.id] == set()

    shadow(session, coord, volunteer, mentor, n=2)
    assert stage_of(session, volunteer) == Stage.shadowing
    shadow_more = training.record_shadow_session(session, actor=coord, volunteer_id=volunteer.id,
                                                 mentor_id=mentor.id, observed_on=DAY - timedelta(days=5), on=DAY)
    assert shadow_more.id
    # every observed session done, competencies still to sign: the step before (tests/supervision has the rest)
    assert stage_of(session, volunteer) == Stage.shadowing
    factories.signed_competencies(session, volunteer, on=DAY)
    assert stage_of(session, volunteer) == Stage.active
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[volunteer.id]) == {
        volunteer.id: {Mode.phone, Mode.centre}}
    home_reasons = training.mode_eligibility(session, volunteer_id=volunteer.id, on=DAY)[Mode.home]
    assert home_reasons == ["未完成模块：入户探访安全"]

    complete(session, coord, volunteer, ["home_visit_safety"])
    assert stage_of(session, volunteer) == Stage.home_certified
    assert training.mode_eligibility(session, volunteer_id=volunteer.id, on=DAY) == {m: [] for m in Mode}


def test_a_paused_volunteer_may_take_no_mode_and_is_told_why(session, coord):
    mentor = certified_mentor(session, coord)
    mentor.status = VolunteerStatus.paused
    session.add(mentor)
    session.flush()
    assert training.eligible_modes(session, on=DAY, volunteer_ids=[mentor.id]) == {mentor.id: set()}
    set_locale("en")
    assert training.mode_eligibility(session, volunteer_id=mentor.id, on=DAY)[Mode.phone] == [
        "The volunteer's status is paused."]


def test_valid_through_is_the_day_before_the_same_date_months_later():
    assert training.valid_through(date(2025, 3, 31), 12) == date(2026, 3, 30)
    assert training.valid_through(date(2024, 1, 31), 1) == date(2024, 2, 28)  # Feb 29 2024 minus a day
    assert training.valid_through(date(2024, 2, 29), 12) == date(2025, 2, 27)
    assert training.valid_through(date(2025, 3, 31), None) is None


def test_an_expired_module_takes_the_volunteer_down_on_the_boundary_day_in_shanghai(session, coord):
    # every module completed on 2025-04-01: the 12-month ones are valid through 2026-03-31, expired from 04-01
    mentor = certified_mentor(session, coord, on=date(2025, 4, 1))
    last_valid, first_expired = date(2026, 3, 31), date(2026, 4, 1)
    assert training.eligible_modes(session, on=last_valid, volunteer_ids=[mentor.id])[mentor.id] == set(Mode)
    assert training.eligible_modes(session, on=first_expired, volunteer_ids=[mentor.id])[mentor.id] == set()
    status = training.training_status(session, volunteer_id=mentor.id, on=first_expired)
    assert status.stage == Stage.in_training
    assert {m.module.code for m in status.expired} == {"crisis", "home_visit_safety"}
    set_locale("en")
    reasons = training.mode_eligibility(session, volunteer_id=mentor.id, on=first_expired)
    assert "Module expired on Apr 1, 2026: Recognising a crisis and referring" in reasons[Mode.phone]

    # 16:30 UTC on 31 March is already 00:30 on 1 April in Shanghai: the module has expired there
    late_evening_utc = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    assert late_evening_utc.date() == last_valid
    assert clock.local_date(late_evening_utc) == first_expired
    assert training.eligible_modes(session, on=clock.local_date(late_evening_utc),
                                   volunteer_ids=[mentor.id])[mentor.id] == set()
    assert clock.local_date(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == last_valid


def test_a_module_expiring_inside_the_warning_window_is_flagged_but_still_counts(session, coord):
    mentor = certified_mentor(session, coord, on=date(2025, 3, 20))  # 12-month modules valid through 2026-03-19
    on = date(2026, 3, 2)
    status = training.training_status(session, volunteer_id=mentor.id, on=on)
    assert {m.module.code for m in status.expiring} == {"crisis", "home_visit_safety"}  # 17 days left
    assert status.stage == Stage.home_certified and status.modes == set(Mode)
    assert any("2026" in step for step in training.next_steps(status))
    later = training.training_status(session, volunteer_id=mentor.id, on=on - timedelta(days=30))
    assert not later.expiring


def test_recording_completions_for_many_at_once_is_all_or_nothing(session, coord):
    _, a = factories.volunteer(session, None, name="甲", phone="+8613900000001")
    _, b = factories.volunteer(session, None, name="乙", phone="+8613900000002")
    rows = training.record_completions(session, actor=coord, volunteer_ids=[a.id, b.id],
                                       module_codes=["programme", "active_listening"], completed_on=DAY, on=DAY)
    assert len(rows) == 4 and {r.method for r in rows} == {CompletionMethod.signoff}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "training.completions_recorded")).one()
    with pytest.raises(InvalidInput) as error:  # b already has programme on that day
        training.record_completions(session, actor=coord, volunteer_ids=[a.id, b.id], module_codes=["programme"],
                                    completed_on=DAY, on=DAY)
    assert "甲" in error.value.translated() or "乙" in error.value.translated()
    with pytest.raises(InvalidInput):
        training.record_completions(session, actor=coord, volunteer_ids=[a.id], module_codes=["crisis"],
                                    completed_on=DAY + timedelta(days=1), on=DAY)
    with pytest.raises(InvalidInput):
        training.record_completions(session, actor=coord, volunteer_ids=[a.id, 999999], module_codes=["crisis"],
                                    completed_on=DAY, on=DAY)
    assert session.exec(select(func.count()).select_from(TrainingCompletion)).one() == 4


def test_only_coordinators_record_training(session, coord):
    account, volunteer = factories.volunteer(session)
    with pytest.raises(NotAllowed):
        training.record_completions(session, actor=account, volunteer_ids=[volunteer.id], module_codes=["crisis"],
                                    completed_on=DAY, on=DAY)
    with pytest.raises(NotAllowed):
        training.import_completions_csv(session, actor=account, data="volunteer,module,completed_on\n", on=DAY)


def test_a_mentor_must_be_certified_and_not_the_trainee(session, coord):
    _, trainee = factories.volunteer(session, None, name="甲", phone="+8613900000001")
    _, other = factories.volunteer(session, None, name="乙", phone="+8613900000002")
    with pytest.raises(InvalidInput):
        training.record_shadow_session(session, actor=coord, volunteer_id=trainee.id, mentor_id=other.id,
                                       observed_on=DAY, on=DAY)
    with pytest.raises(InvalidInput):
        training.record_shadow_session(session, actor=coord, volunteer_id=trainee.id, mentor_id=trainee.id,
                                       observed_on=DAY, on=DAY)
    mentor = certified_mentor(session, coord)
    training.record_shadow_session(session, actor=coord, volunteer_id=trainee.id, mentor_id=mentor.id,
                                   observed_on=DAY, on=DAY)
    with pytest.raises(InvalidInput):  # the same session twice
        training.record_shadow_session(session, actor=coord, volunteer_id=trainee.id, mentor_id=mentor.id,
                                       observed_on=DAY, on=DAY)


def test_add_applicant_refuses_bad_input(session, coord):
    community_id = factories.community(session).id
    good = dict(full_name="新人", gender=Gender.female, phone="13900001111", community_id=community_id,
                languages=[Language.mandarin])
    training.add_applicant(session, actor=coord, **good)
    for change, field in [({"full_name": "  "}, "full_name"), ({"phone": "12"}, "phone"),
                          ({"phone": "13900001111"}, "phone"), ({"languages": []}, "languages"),
                          ({"community_id": 99999}, "community_id")]:
        with pytest.raises(InvalidInput) as error:
            training.add_applicant(session, actor=coord, **{**good, **change})
        assert error.value.field == field


# ----- CSV import ---------------------------------------------------------------------------------------------


def test_a_good_csv_file_is_imported_whole(session, coord):
    _, a = factories.volunteer(session, None, name="甲", phone="+8613900000001")
    _, b = factories.volunteer(session, None, name="乙", phone="+8613900000002")
    data = ("\ufeffvolunteer,module,completed_on\n"
            "139 0000 0001,programme,2026-02-01\n"
            f"{b.id},programme,2026-02-01\n"
            "\n"
            "+8613900000002,crisis,2026-03-02\n").encode()
    rows = training.import_completions_csv(session, actor=coord, data=data, on=DAY)
    assert sorted((r.volunteer_id, r.completed_on.isoformat()) for r in rows) == sorted(
        [(a.id, "2026-02-01"), (b.id, "2026-02-01"), (b.id, "2026-03-02")])
    assert {r.method for r in rows} == {CompletionMethod.csv_import}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "training.csv_imported")).one().details == {
        "rows": 3}


def test_csv_cells_are_read_without_control_or_invisible_characters(session, coord):
    _, a = factories.volunteer(session, None, name="甲", phone="+8613900000001")
    data = "volunteer,\u200bmodule,completed_on\r\n139\u200b0000\x000001,program\u200dme,2026-02-01\x00\r\n"
    rows = training.import_completions_csv(session, actor=coord, data=data, on=DAY)
    assert [(r.volunteer_id, r.completed_on.isoformat()) for r in rows] == [(a.id, "2026-02-01")]


def test_an_applicants_name_is_stored_without_invisible_characters(session, coord):
    community = factories.community(session)
    volunteer = training.add_applicant(session, actor=coord, full_name="\u200b张\u202e三\x00", gender=Gender.female,
                                       phone="13900000077", community_id=community.id, languages=[Language.mandarin])
    assert volunteer.full_name == "张三"
    with pytest.raises(InvalidInput) as error:
        training.add_applicant(session, actor=coord, full_name="\u200b\u200c", gender=Gender.female,
                               phone="13900000078", community_id=community.id, languages=[Language.mandarin])
    assert error.value.field == "full_name"


def test_a_csv_file_with_bad_rows_imports_nothing_and_names_every_bad_line(session, coord):
    _, a = factories.volunteer(session, None, name="甲", phone="+8613900000001")
    complete(session, coord, a, ["crisis"], on=date(2026, 1, 10))
    before = session.exec(select(func.count()).select_from(TrainingCompletion)).one()
    data = "\n".join([
        "volunteer,module,completed_on",
        "13900000001,programme,2026-02-01",    # 2 good
        "13900000077,programme,2026-02-01",    # 3 unknown volunteer
        "13900000001,knitting,2026-02-01",     # 4 unknown module
        "13900000001,self_care,01/02/2026",    # 5 bad date
        "13900000001,self_care,2026-02-30",    # 6 no such day
        "13900000001,self_care,2026-03-03",    # 7 future
        "13900000001,programme,2026-02-01",    # 8 duplicate of line 2
        "13900000001,crisis,2026-01-10",       # 9 already recorded
        "13900000001,active_listening,2026-02-01",  # 10 good
    ])
    with pytest.raises(training.ImportRejected) as error:
        training.import_completions_csv(session, actor=coord, data=data, on=DAY)
    problems = error.value.problems
    assert [p.line for p in problems] == [3, 4, 5, 6, 7, 8, 9]
    assert session.exec(select(func.count()).select_from(TrainingCompletion)).one() == before
    zh = [p.translated() for p in problems]
    assert zh[0].startswith("第 3 行") and "13900000077" in zh[0]
    set_locale("en")
    en = [p.translated() for p in problems]
    assert en == [
        "Line 3: There is no volunteer 13900000077.",
        "Line 4: There is no training module knitting.",
        "Line 5: 01/02/2026 is not a date written YYYY-MM-DD.",
        "Line 6: 2026-02-30 is not a date written YYYY-MM-DD.",
        "Line 7: The date 2026-03-03 is in the future.",
        "Line 8: The same completion is already on line 2.",
        "Line 9: 甲 already has Recognising a crisis and referring recorded on 2026-01-10.",
    ]
    assert error.value.translated() == "Nothing was imported: 7 rows need correcting."


@pytest.mark.parametrize("data, line", [("", 1), ("name,module\nx,programme\n", 1), ("volunteer,module,completed_on\n", 1),
                                        (b"\xff\xfe\x00bad", 1)])
def test_a_csv_file_without_usable_rows_is_refused(session, coord, data, line):
    with pytest.raises(training.ImportRejected) as error:
        training.import_completions_csv(session, actor=coord, data=data, on=DAY)
    assert [p.line for p in error.value.problems] == [line]


# ----- quizzes ------------------------------------------------------------------------------------------------


def test_every_quiz_module_has_questions_in_both_languages():
    modules = {m["code"]: m for m in training.curriculum().modules}
    quizzes = training.quizzes()
    assert {code for code, m in modules.items() if m["quiz"]} == set(quizzes)
    for questions in quizzes.values():
        assert len(questions) >= 3
        for q in questions:
            assert len(q.choices_zh) == len(q.choices_en) >= 2 and 0 <= q.answer < len(q.choices_zh)
            assert q.question_zh and q.question_en


def answers(code, wrong=0):
    result = {}
    for index, q in enumerate(training.quiz_questions(code)):
        result[q.id] = q.answer if index >= wrong else (q.answer + 1) % len(q.choices)
    return result


def test_passing_a_quiz_records_the_completion_and_every_attempt_is_kept(session, coord):
    account, volunteer = factories.volunteer(session)
    now = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in Shanghai
    failed = training.submit_quiz(session, actor=account, module_code="programme", answers=answers("programme", 1),
                                  now=now)
    assert (failed.score_percent, failed.passed, failed.completion_recorded) == (67, False, False)
    assert len(failed.wrong) == 1
    passed = training.submit_quiz(session, actor=account, module_code="programme", answers=answers("programme"),
                                  now=now)
    assert (passed.score_percent, passed.passed, passed.completion_recorded) == (100, True, True)
    attempts = session.exec(select(QuizAttempt).where(QuizAttempt.volunteer_id == volunteer.id)).all()
    assert sorted(a.passed for a in attempts) == [False, True]
    completion = session.exec(select(TrainingCompletion)).one()
    assert completion.completed_on == date(2026, 3, 2) and completion.method == CompletionMethod.quiz
    status = training.training_status(session, volunteer_id=volunteer.id, on=date(2026, 3, 2))
    assert status.stage == Stage.in_training


def test_the_pass_mark_comes_from_the_settings(session, coord, monkeypatch):
    from listening.core.config import get_settings

    account, _ = factories.volunteer(session)
    monkeypatch.setenv("QUIZ_PASS_PERCENT", "60")
    get_settings.cache_clear()
    try:
        result = training.submit_quiz(session, actor=account, module_code="programme",
                                      answers=answers("programme", 1))
    finally:
        monkeypatch.delenv("QUIZ_PASS_PERCENT")
        get_settings.cache_clear()
    assert (result.score_percent, result.pass_percent, result.passed) == (67, 60, True)


def test_a_quiz_for_a_module_that_needs_sign_off_does_not_complete_it_alone(session, coord):
    account, volunteer = factories.volunteer(session)
    result = training.submit_quiz(session, actor=account, module_code="crisis", answers=answers("crisis"))
    assert result.passed and not result.completion_recorded
    assert session.exec(select(func.count()).select_from(TrainingCompletion)).one() == 0
    status = training.training_status(session, volunteer_id=volunteer.id, on=clock.today())
    crisis = next(m for m in status.modules if m.module.code == "crisis")
    assert crisis.state == ModuleState.missing and crisis.quiz_passed
    set_locale("en")
    assert "Ask a coordinator to sign off the module Recognising a crisis and referring." in training.next_steps(status)


def test_a_quiz_needs_every_answer_and_a_quiz_module(session, coord):
    account, _ = factories.volunteer(session)
    partial = answers("programme")
    partial.pop(next(iter(partial)))
    with pytest.raises(InvalidInput):
        training.submit_quiz(session, actor=account, module_code="programme", answers=partial)
    with pytest.raises(InvalidInput):
        training.submit_quiz(session, actor=account, module_code="self_care", answers={})
    with pytest.raises(NotAllowed):
        training.submit_quiz(session, actor=coord, module_code="programme", answers=answers("programme"))
    assert session.exec(select(func.count()).select_from(QuizAttempt)).one() == 0


def test_the_demo_has_volunteers_at_every_stage(session):
    from listening.demo import seed_demo

    seed_demo(session)
    coordinator = session.exec(select(Account).where(Account.username == "coordinator")).one()
    statuses = training.training_overview(session, actor=coordinator, on=clock.today())
    assert {s.stage for s in statuses} == set(Stage)
    assert any(s.expired for s in statuses)
    eligible = training.eligible_modes(session, on=clock.today())
    assert sum(1 for modes in eligible.values() if Mode.home in modes) >= 3

