"""A coordinator gives a volunteer an account with a one-time code; the volunteer sets a password with it; resets
and password changes sign other browsers out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from listening.core.errors import AuthError, IllegalTransition, InvalidInput, NotAllowed
from listening.models import (
    Account,
    AccountInvite,
    AuditEvent,
    AuthSession,
    CodePurpose,
    MessageKind,
    MessageStatus,
    OutboundMessage,
    SmsOptOut,
)
from listening.sms.segments import segment_count
from listening.staff import auth, invites, passwords
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shenzhen: outside quiet hours
NEW_PASSWORD = "a brand new password"
URL = re.compile(r"https?://|www\.|\.com|\.cn", re.IGNORECASE)
PHONE = "+8613900001234"


@pytest.fixture
def people(session):
    coordinator = factories.coordinator(session)
    _, volunteer = factories.volunteer(session, None, name="周敏", phone=PHONE)
    session.commit()
    return coordinator, volunteer


def invite(session, coordinator, volunteer, *, by_sms=True, now=NOW, username="zhoumin") -> invites.IssuedCode:
    issued = invites.invite_volunteer(session, actor=coordinator, volunteer_id=volunteer.id, username=username,
                                      by_sms=by_sms, now=now)
    session.commit()
    return issued


def set_password(session, code, *, login="zhoumin", now, password=NEW_PASSWORD, address="203.0.113.5"):
    account = invites.set_password_with_code(session, login=login, code=code, password=password,
                                             password_again=password, address=address, now=now)
    session.commit()
    return account


def actions(session, account_id=None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    return [str(a) for a in session.exec(query)]


def test_an_invite_makes_an_account_without_a_password_and_sends_the_code_by_sms(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer)
    assert re.fullmatch(r"\d{8}", issued.code) and issued.expires_at == NOW + timedelta(hours=72)
    assert issued.by_sms and not issued.show_code  # the coordinator does not see a code that went by SMS
    account = session.exec(select(Account).where(Account.username == "zhoumin")).one()
    assert account.role.value == "volunteer" and account.display_name == "周敏"
    assert session.get(type(volunteer), volunteer.id).account_id == account.id
    with pytest.raises(AuthError):  # nobody signs in before the code sets a password
        auth.authenticate(session, username="zhoumin", password=auth.UNUSABLE_PASSWORD)
    message = session.exec(select(OutboundMessage).where(OutboundMessage.kind == MessageKind.account_invite)).one()
    assert message.to_phone == PHONE and message.status == MessageStatus.queued
    assert issued.code in message.body and "zhoumin" in message.body and "72" in message.body
    assert not URL.search(message.body) and "回复" not in message.body  # +86: no link, nothing to reply
    assert message.body.startswith("【倾听一小时】") and segment_count(message.body) <= 2
    assert message.expires_at == issued.expires_at
    assert "account.invited" in actions(session)


def test_the_code_is_stored_only_as_a_keyed_hash(session, people, backend):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer)
    row = session.exec(select(AccountInvite)).one()
    assert row.code_hash != issued.code and issued.code not in row.code_hash and len(row.code_hash) == 64
    assert row.purpose == CodePurpose.invite and row.sent_by_sms and row.created_by == coordinator.id
    dump = " ".join(str(v) for v in row.model_dump().values())
    assert issued.code not in dump


def test_the_volunteer_sets_a_password_with_the_code_once(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer)
    account = set_password(session, issued.code, now=NOW + timedelta(hours=1))
    assert auth.authenticate(session, username="zhoumin", password=NEW_PASSWORD, now=NOW + timedelta(hours=1)).id == account.id
    assert actions(session)[-2:] == ["account.code_used", "account.password_set"]
    # The outbox no longer holds a usable code.
    body = session.exec(select(OutboundMessage.body).where(OutboundMessage.kind == MessageKind.account_invite)).one()
    assert issued.code not in body and "********" in body
    with pytest.raises(IllegalTransition) as used:
        set_password(session, issued.code, now=NOW + timedelta(hours=2))
    assert "已使用" in used.value.translated()
    assert invites.account_states(session, actor=coordinator, now=NOW)[volunteer.id].state == invites.AccountState.active


def test_the_phone_number_works_instead_of_the_username(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer, by_sms=False)
    assert set_password(session, issued.code, login="139 0000 1234", now=NOW).username == "zhoumin"


def test_the_code_expires_at_72_hours_to_the_second(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer, by_sms=False)
    with pytest.raises(IllegalTransition) as expired:
        set_password(session, issued.code, now=NOW + timedelta(hours=72))
    assert "已过期" in expired.value.translated()
    assert invites.account_states(session, actor=coordinator, now=NOW + timedelta(hours=72))[volunteer.id].state \
        == invites.AccountState.invite_lapsed
    again = invites.issue_code(session, actor=coordinator, volunteer_id=volunteer.id, by_sms=False,
                               now=NOW + timedelta(hours=73))
    session.commit()
    assert set_password(session, again.code, now=NOW + timedelta(hours=73 + 72) - timedelta(seconds=1))


def test_wrong_codes_burn_the_code_and_are_throttled(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer, by_sms=False)
    wrong = f"{(int(issued.code) + 1) % 10**8:08d}"
    moment = NOW
    for attempt in range(1, invites.MAX_WRONG_ATTEMPTS + 1):
        moment += timedelta(minutes=10)  # past any throttle delay, so each attempt is really checked
        with pytest.raises((AuthError, IllegalTransition)) as refused:
            set_password(session, wrong, now=moment, address=f"198.51.100.{attempt}")
    assert "输错次数过多" in refused.value.translated()  # the fifth wrong code burnt it
    row = session.exec(select(AccountInvite)).one()
    assert row.wrong_attempts == invites.MAX_WRONG_ATTEMPTS and row.revoked_at is not None
    assert actions(session).count("account.code_failed") == invites.MAX_WRONG_ATTEMPTS
    with pytest.raises(IllegalTransition):  # the right code no longer works either
        set_password(session, issued.code, now=moment + timedelta(minutes=10))


def test_quick_wrong_codes_from_one_address_are_made_to_wait(session, people):
    coordinator, volunteer = people
    issued = invite(session, coordinator, volunteer, by_sms=False)
    for _ in range(3):  # the free attempts
        with pytest.raises(AuthError):
            set_password(session, "00000000" if issued.code != "00000000" else "11111111", now=NOW)
    with pytest.raises(AuthError) as waiting:
        set_password(session, issued.code, now=NOW)  # even the right code waits: nothing is checked
    assert "请等几分钟" in waiting.value.translated()
    assert set_password(session, issued.code, now=NOW + timedelta(minutes=5))  # later it works


def test_a_malformed_code_or_different_passwords_are_refused_without_counting(session, people):
    coordinator, volunteer = people
    invite(session, coordinator, volunteer, by_sms=False)
    with pytest.raises(InvalidInput) as short:
        set_password(session, "1234", now=NOW)
    assert short.value.field == "code"
    with pytest.raises(InvalidInput) as differ:
        invites.set_password_with_code(session, login="zhoumin", code="12345678", password=NEW_PASSWORD,
                                       password_again=NEW_PASSWORD + "x", now=NOW)
    assert differ.value.field == "password_again"
    assert session.exec(select(AccountInvite)).one().wrong_attempts == 0


def test_a_reset_keeps_the_old_password_until_the_new_one_is_set_then_signs_out_everywhere(session, people):
    coordinator, _ = people
    account, volunteer = factories.volunteer(session, "chenjing", name="陈静", phone="+8613900009876")
    session.commit()
    _, signed_in = auth.sign_in(username="chenjing", password=factories.PASSWORD, now=NOW)
    issued = invites.issue_code(session, actor=coordinator, volunteer_id=volunteer.id, now=NOW)
    session.commit()
    row = session.exec(select(AccountInvite)).one()
    assert row.purpose == CodePurpose.reset
    assert invites.account_states(session, actor=coordinator, now=NOW)[volunteer.id].state \
        == invites.AccountState.reset_pending
    assert auth.authenticate(session, username="chenjing", password=factories.PASSWORD, now=NOW)  # still works
    assert auth.resume(session, token=signed_in.token, now=NOW) is not None
    session.commit()
    set_password(session, issued.code, login="chenjing", now=NOW + timedelta(minutes=1))
    assert auth.resume(session, token=signed_in.token, now=NOW + timedelta(minutes=2)) is None
    assert session.get(AuthSession, auth._sha256(signed_in.token)).revoked_at is not None
    with pytest.raises(AuthError):
        auth.authenticate(session, username="chenjing", password=factories.PASSWORD, now=NOW + timedelta(minutes=2))
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "account.password_set")).one()
    assert event.details == {"sessions_revoked": 1} and event.entity_id == str(account.id)
    assert "account.code_issued" in actions(session)


def test_a_new_code_replaces_the_old_one_and_stops_its_sms(session, people):
    coordinator, volunteer = people
    first = invite(session, coordinator, volunteer)
    second = invites.issue_code(session, actor=coordinator, volunteer_id=volunteer.id, now=NOW + timedelta(hours=1))
    session.commit()
    old_sms = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).first()
    assert old_sms.status == MessageStatus.cancelled and first.code not in old_sms.body
    with pytest.raises(IllegalTransition) as replaced:
        set_password(session, first.code, now=NOW + timedelta(hours=2))
    assert "更新的验证码" in replaced.value.translated()
    assert set_password(session, second.code, now=NOW + timedelta(hours=2))


def test_a_code_for_an_opted_out_number_is_shown_to_the_coordinator(session, people):
    coordinator, volunteer = people
    session.add(SmsOptOut(phone=PHONE))
    session.commit()
    issued = invite(session, coordinator, volunteer)
    assert issued.sms_blocked and issued.show_code


def test_invites_are_for_coordinators_and_for_volunteers_without_an_account(session, people):
    coordinator, volunteer = people
    helper, _ = factories.volunteer(session, "helper", phone="+8613900004321")
    session.commit()
    for step in (lambda: invites.invite_volunteer(session, actor=helper, volunteer_id=volunteer.id, username="abc"),
                 lambda: invites.issue_code(session, actor=helper, volunteer_id=volunteer.id),
                 lambda: invites.account_states(session, actor=helper)):
        with pytest.raises(NotAllowed):
            step()
    with pytest.raises(IllegalTransition):
        invites.issue_code(session, actor=coordinator, volunteer_id=volunteer.id, now=NOW)
    with pytest.raises(InvalidInput):
        invite(session, coordinator, volunteer, username="helper")  # taken
    with pytest.raises(InvalidInput):
        invite(session, coordinator, volunteer, username="周敏")
    invite(session, coordinator, volunteer)
    with pytest.raises(IllegalTransition):
        invite(session, coordinator, volunteer, username="zhoumin2")


def test_a_password_change_needs_the_current_one_and_signs_other_browsers_out(session):
    account, _ = factories.volunteer(session, "chenjing", phone="+8613900009876")
    session.commit()
    _, here = auth.sign_in(username="chenjing", password=factories.PASSWORD, now=NOW)
    _, elsewhere = auth.sign_in(username="chenjing", password=factories.PASSWORD, now=NOW)
    with pytest.raises(AuthError):
        passwords.change_password(session, actor=account, current="wrong password!", new=NEW_PASSWORD,
                                  new_again=NEW_PASSWORD, keep_token=here.token, now=NOW)
    session.rollback()
    assert "auth.failed" in actions(session)
    with pytest.raises(InvalidInput):
        passwords.change_password(session, actor=account, current=factories.PASSWORD, new=NEW_PASSWORD,
                                  new_again="something else", keep_token=here.token, now=NOW)
    session.rollback()
    revoked = passwords.change_password(session, actor=account, current=factories.PASSWORD, new=NEW_PASSWORD,
                                        new_again=NEW_PASSWORD, keep_token=here.token, now=NOW)
    session.commit()
    assert revoked == 1
    assert auth.resume(session, token=here.token, now=NOW) is not None
    assert auth.resume(session, token=elsewhere.token, now=NOW) is None
    assert auth.authenticate(session, username="chenjing", password=NEW_PASSWORD, now=NOW)
    assert "account.password_changed" in actions(session)


def test_the_account_states_of_a_page_s_rows_are_those_of_the_whole_list(session):
    """The volunteers page reads the states of the rows it shows, not of a district's two thousand volunteers."""
    coordinator = factories.coordinator(session)
    ids = [factories.volunteer(session, f"p{n}" if n % 2 else None, name=f"志愿者{n}",
                               phone=f"+861390001{n}234")[1].id for n in range(4)]
    every = invites.account_states(session, actor=coordinator, now=NOW)
    some = invites.account_states(session, actor=coordinator, now=NOW, volunteer_ids=ids[1:3])
    assert some == {i: every[i] for i in ids[1:3]}
