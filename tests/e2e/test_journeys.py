"""A week at the centre in a real browser (issue 15): the app started as the README starts it (`make run`), with
its SMS worker sending to a local fake Twilio, and a person at each screen.

1. A resident asks for a phone visit in Chinese on a phone-sized screen and gets the "received" SMS.
2. The coordinator runs matching and approves; the resident and the volunteer get their SMS.
3. The resident replies 1 through the signed webhook; the visit shows confirmed.
4. The volunteer is invited, sets a password, signs in, and after the visit logs it with a risk tick; the duty
   coordinator gets an SMS and the escalation shows.
5. The same in English for a second resident, who replies TD; nothing more reaches them.

The residents have Hong Kong numbers: the app never asks a +86 number to reply (Twilio has no two-way SMS there).
Screenshots of every step go to benchmarks/out/journeys/ (CI keeps them as artifacts). One test, because each
journey goes on from the last; SQLite only (the database layer runs on both in the rest of the suite, and a second
copy of these minutes would buy nothing the PostgreSQL suite does not).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from listening.models.invites import CODE_IN_TEXT
from tests.e2e.centre import Journey, RunningCentre, wait_for, wait_for_sms
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

SHENZHEN = ZoneInfo("Asia/Shanghai")
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=SHENZHEN)
PHONE_SCREEN = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
RESIDENT_ZH = ("陈阿姨", "+85291234567")
RESIDENT_EN = ("Mary Lee", "+85261234567")
DEMO_PASSWORD = "listening-demo"
NEW_PASSWORD = "river-lantern-47"


@pytest.fixture
def centre(tmp_path, pinned_clock):
    pinned_clock.move_to(TUESDAY_10)
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    with FakeTwilio() as fake, RunningCentre(url, fake, at=TUESDAY_10, log_dir=tmp_path) as running:
        yield running


@pytest.fixture
def db(centre):
    engine = sa.create_engine(centre.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def one(engine: sa.Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).one()


def request_a_phone_visit(journey: Journey, centre: RunningCentre, *, lang: str, name: str, phone: str,
                          texts: dict[str, str]) -> None:
    page = journey.page
    journey.step("welcome", lambda: page.goto(centre.url(f"/?lang={lang}")), texts["ask"], limit=10)
    journey.step("form", lambda: page.get_by_role("button", name=texts["ask"]).click(), texts["send"])
    page.get_by_label(texts["name"]).fill(name)
    page.get_by_label(texts["phone"]).fill(phone)
    journey.choose(texts["community"], texts["community_option"])
    page.get_by_text(texts["by_phone"], exact=True).click()
    journey.choose(texts["language"], texts["language_option"])
    journey.choose_all(texts["weekdays"], texts["thursday"])
    journey.choose_all(texts["parts"], texts["afternoon"])
    page.get_by_text(texts["consent"]).click()
    page.get_by_text(texts["sms_consent"]).click()
    journey.step("sent", lambda: page.get_by_role("button", name=texts["send"]).click(), texts["received"])
    assert page.get_by_label(texts["name"]).input_value() == ""  # a fresh form: a second press cannot resend it
    assert not page.get_by_role("checkbox", name=texts["consent"]).is_checked()


ZH = {"ask": "申请一小时倾听", "send": "提交申请", "name": "您的姓名或称呼", "phone": "电话号码（接收短信需填手机号码）",
      "community": "您所在的社区", "community_option": "南头街道", "by_phone": "电话倾听", "language": "语言或方言",
      "language_option": "普通话", "weekdays": "星期几", "thursday": "星期四", "parts": "时段",
      "afternoon": "下午（12:00-18:00）", "consent": "我同意中心使用以上信息",
      "sms_consent": "我同意接收关于申请和探访的短信", "received": "我们已收到您的申请"}
EN = {"ask": "Ask for a listening hour", "send": "Send my request", "name": "Your name or a nickname",
      "phone": "Phone number (a mobile for text messages)", "community": "Your community",
      "community_option": "Nantou", "by_phone": "by phone", "language": "Language or dialect",
      "language_option": "Mandarin", "weekdays": "Weekdays", "thursday": "Thursday", "parts": "Parts of the day",
      "afternoon": "afternoon (12:00-18:00)", "consent": "I agree that the centre uses this information",
      "sms_consent": "I agree to get text messages", "received": "We received your request"}


def table_row(page, text: str) -> list[str]:
    """The cells of the dataframe row holding `text` (the grid draws on a canvas; its cells are in the DOM too)."""
    row = page.locator("[data-testid=stDataFrame] [role=row]").filter(has_text=text).first
    row.wait_for(state="attached")
    return row.locator("[role=gridcell]").all_inner_texts()


def sign_in(journey: Journey, centre: RunningCentre, username: str, password: str, greeting: str) -> None:
    page = journey.page
    journey.step("sign-in", lambda: page.goto(centre.url("/sign-in?lang=zh_CN")), "用户名", limit=10)
    page.get_by_label("用户名").fill(username)
    page.get_by_role("textbox", name="密码", exact=True).fill(password)
    journey.step("home", lambda: page.get_by_role("button", name="登录").click(), greeting)


def test_a_week_at_the_centre(centre, db, chromium):
    fake = centre.fake

    # 1. A resident asks in Chinese, on a phone.
    phone_page = chromium.new_page(viewport=PHONE_SCREEN)
    request_a_phone_visit(Journey(phone_page, "1-resident-asks-zh"), centre, lang="zh_CN", name=RESIDENT_ZH[0],
                          phone=RESIDENT_ZH[1], texts=ZH)
    [received] = wait_for_sms(fake, RESIDENT_ZH[1], count=1)
    assert "已收到" in received and "http" not in received
    # 5 (first half). A second resident asks in English.
    english_page = chromium.new_page(viewport=PHONE_SCREEN)
    request_a_phone_visit(Journey(english_page, "5-resident-asks-en"), centre, lang="en", name=RESIDENT_EN[0],
                          phone=RESIDENT_EN[1], texts=EN)
    [received_en] = wait_for_sms(fake, RESIDENT_EN[1], count=1)
    assert "We have your request" in received_en

    # 2. The coordinator matches the week and approves.
    coordinator = Journey(chromium.new_page(viewport=DESKTOP), "2-coordinator-matches")
    page = coordinator.page
    sign_in(coordinator, centre, "coordinator", DEMO_PASSWORD, "王芳，您好")
    coordinator.open_page("matching", "匹配", "matching", "为这一周运行匹配")
    coordinator.step("matched", lambda: page.get_by_role("button", name="为这一周运行匹配").click(),
                     "全部批准", limit=10)  # the solver's own time is the benchmarks' business, not a page's
    coordinator.step("approved", lambda: page.get_by_role("button", name="全部批准").click(), "已批准")
    visit_zh = one(db, "SELECT v.id, vv.volunteer_id, v.starts_at, v.ends_at FROM visit v "
                       "JOIN visit_volunteer vv ON vv.visit_id = v.id AND vv.role = 'lead' "
                       "JOIN listening_request r ON r.id = v.request_id JOIN resident p ON p.id = r.resident_id "
                       "WHERE p.phone = :phone", phone=RESIDENT_ZH[1])
    volunteer_phone, volunteer_name = one(db, "SELECT phone, full_name FROM volunteer WHERE id = :id",
                                          id=visit_zh.volunteer_id)
    scheduled = wait_for_sms(fake, RESIDENT_ZH[1], count=2)[1]
    assert "回复1" in scheduled.replace(" ", "") or "回复 1" in scheduled
    assert wait_for_sms(fake, volunteer_phone, count=1), "the volunteer got no SMS about the visit"
    assert len(wait_for_sms(fake, RESIDENT_EN[1], count=2)) == 2

    # 3. The resident replies 1; the visit is confirmed, and the coordinator's calendar says so.
    assert centre.sms_from(RESIDENT_ZH[1], "1") == 200
    wait_for_sms(fake, RESIDENT_ZH[1], count=3)
    assert one(db, "SELECT status FROM visit WHERE id = :id", id=visit_zh.id).status == "confirmed"
    coordinator.open_page("calendar", "周日历", "calendar", "上一周")
    assert "已确认" in table_row(page, RESIDENT_ZH[0])

    # 5 (second half). The English resident opts out with TD; nothing more reaches them.
    assert centre.sms_from(RESIDENT_EN[1], "TD") == 200
    after_opt_out = len(wait_for_sms(fake, RESIDENT_EN[1], count=3, seconds=5))

    # 4. The volunteer is invited, sets a password and signs in.
    coordinator.open_page("volunteers", "志愿者", "volunteers", "邀请开通账号")
    coordinator.choose("志愿者", volunteer_name)
    sent_before = fake.count_by(to=volunteer_phone)
    # The matcher may choose the demo's volunteer who was invited and has not set a password yet: a new code then.
    already_invited = one(db, "SELECT account_id FROM volunteer WHERE id = :id", id=visit_zh.volunteer_id).account_id
    button = "发送新验证码" if already_invited else "邀请开通账号"
    coordinator.step("invited", lambda: page.get_by_role("button", name=button).click(), "含一次性验证码的短信正在发送")
    username = one(db, "SELECT a.username FROM account a JOIN volunteer v ON v.account_id = a.id WHERE v.id = :id",
                   id=visit_zh.volunteer_id).username
    invite = wait_for_sms(fake, volunteer_phone, count=sent_before + 1)[-1]
    code = CODE_IN_TEXT.search(invite).group()
    assert "http" not in invite
    volunteer = Journey(chromium.new_page(viewport=PHONE_SCREEN), "4-volunteer-logs")
    vpage = volunteer.page
    volunteer.step("set-password", lambda: vpage.goto(centre.url("/set-password?lang=zh_CN")), "设置密码", limit=10)
    vpage.get_by_label("用户名或手机号").fill(volunteer_phone)
    vpage.get_by_label("一次性验证码").fill(code)
    vpage.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    vpage.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    volunteer.step("password-set", lambda: vpage.get_by_role("button", name="设置密码").click(), "您的密码已设置好")

    # ... and after the visit took place, logs it with a risk tick.
    ended = datetime.fromisoformat(str(visit_zh.ends_at)).replace(tzinfo=UTC)  # stored in UTC, without an offset
    after_visit = ended.astimezone(SHENZHEN) + timedelta(minutes=30)
    centre.restart(at=after_visit)
    sign_in(volunteer, centre, username, NEW_PASSWORD, "记录")
    volunteer.open_page("log", "记录倾听", "log-session", "保存记录")
    vpage.get_by_text("自杀或自伤的念头").click()
    with db.connect() as conn:
        duty_phones = set(conn.execute(sa.text(
            "SELECT a.phone FROM duty_shift d JOIN account a ON a.id = d.coordinator_id "
            "WHERE d.starts_at <= :now AND d.ends_at > :now"), {"now": ended.replace(tzinfo=None)}).scalars())
    assert duty_phones, "the demo rota has nobody on duty after the visit"
    before = len(fake.messages)
    volunteer.step("logged", lambda: vpage.get_by_role("button", name="保存记录").click(), "安全第一")
    escalation_id = one(db, "SELECT id FROM escalation ORDER BY id DESC LIMIT 1").id
    alerts = wait_for(lambda: [m.body for m in fake.messages[before:] if m.to in duty_phones])
    assert alerts, "the coordinator on duty got no SMS about the escalation"
    assert not any("自杀" in body for body in alerts)  # what was noticed stays in the app, never in an SMS

    # The coordinator sees it on the safeguarding page.
    sign_in(coordinator, centre, "coordinator", DEMO_PASSWORD, "王芳，您好")
    coordinator.open_page("escalation", "安全保障", "safeguarding", f"#{escalation_id}")
    assert page.get_by_text("自杀或自伤的念头").first.is_visible()

    # 5 (end). Nothing reached the resident who opted out: not the reminder, not the visit's news.
    assert len([m for m in fake.messages if m.to == RESIDENT_EN[1]]) == after_opt_out
