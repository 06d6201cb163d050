from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from listening.core.config import get_settings
from listening.core.errors import AuthError, InvalidInput, NotAllowed
from listening.core.permissions import require_role
from listening.models import Account, AuditEvent, AuthSession, Role, SignInThrottle
from listening.staff import auth, throttle
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
BROWSER = "browser-cookie-of-the-coordinators-browser"
WRONG = "用户名或密码错误。"


def test_password_hash_is_salted_scrypt_and_verifies():
    first, second = auth.hash_password("a long secret"), auth.hash_password("a long secret")
    assert first.startswith("scrypt$") and first != second
    assert auth.verify_password("a long secret", first)
    assert not auth.verify_password("a long secreT", first)
    assert not auth.verify_password("anything", "garbage")


def test_short_passwords_and_taken_usernames_are_refused(session):
    with pytest.raises(InvalidInput):
        auth.create_account(session, username="x", password="short", display_name="X", role=Role.coordinator)
    factories.coordinator(session, "taken")
    with pytest.raises(InvalidInput) as error:
        auth.create_account(session, username="Taken", password=factories.PASSWORD, display_name="X",
                            role=Role.volunteer)
    assert error.value.field == "username"


def test_sign_in_ticket_becomes_a_cookie_once(session):
    factories.coordinator(session)
    session.commit()  # sign_in runs transactions of its own
    account, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=BROWSER, now=NOW)
    session.commit()
    assert auth.resume(session, token=new.token, now=NOW).id == account.id
    redeemed = auth.redeem_ticket(session, ticket=new.ticket, browser=BROWSER, now=NOW + timedelta(seconds=5))
    session.commit()
    assert redeemed and auth.redeem_ticket(session, ticket=new.ticket, browser=BROWSER,
                                           now=NOW + timedelta(seconds=6)) is None
    assert auth.device_of(redeemed.device_cookie, account)  # this browser is known to the account from now on
    token = auth.token_from_cookie(redeemed.session_cookie)
    assert auth.resume(session, token=token, now=NOW + timedelta(seconds=10)).id == account.id
    # The page that signed in and the cookie hold one session: the page goes on without a reload, and one
    # sign-out ends both.
    assert token == new.token
    auth.sign_out(session, token=new.token, now=NOW + timedelta(seconds=20))
    assert auth.resume(session, token=token, now=NOW + timedelta(seconds=21)) is None


def test_a_ticket_alone_gives_nobody_the_session_token(session, monkeypatch):
    factories.coordinator(session)
    session.commit()
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=BROWSER, now=NOW)
    assert new.ticket not in new.token and new.token != new.ticket
    # Derived with the secret key: after a key change the ticket redeems nothing (and no wrong session).
    monkeypatch.setattr(auth, "_token_of_ticket", lambda ticket: "another key's token")
    assert auth.redeem_ticket(session, ticket=new.ticket, browser=BROWSER, now=NOW + timedelta(seconds=1)) is None


def test_a_stale_ticket_or_a_forged_cookie_gets_nothing(session):
    factories.coordinator(session)
    session.commit()  # sign_in runs transactions of its own
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=BROWSER, now=NOW)
    session.commit()
    assert auth.redeem_ticket(session, ticket=new.ticket, browser=BROWSER, now=NOW + timedelta(minutes=5)) is None
    assert auth.token_from_cookie(new.token + ".forged-signature") is None
    assert auth.token_from_cookie(None) is None


def test_idle_and_absolute_expiry_and_sign_out(session):
    factories.coordinator(session)
    session.commit()  # sign_in runs transactions of its own
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    session.commit()
    # Active use keeps it alive...
    for minutes in range(0, 300, 50):
        assert auth.resume(session, token=new.token, now=NOW + timedelta(minutes=minutes)) is not None
        session.commit()
    # ...an idle hour ends it.
    assert auth.resume(session, token=new.token, now=NOW + timedelta(minutes=250 + 61)) is None
    session.commit()
    assert session.get(AuthSession, auth._sha256(new.token)).revoked_at is not None

    _, other = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    session.commit()
    late = NOW + timedelta(hours=12, minutes=1)
    assert auth.resume(session, token=other.token, now=late) is None
    session.commit()

    _, third = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    auth.sign_out(session, token=third.token, now=NOW + timedelta(minutes=1))
    session.commit()
    assert auth.resume(session, token=third.token, now=NOW + timedelta(minutes=2)) is None


def test_require_role():
    with pytest.raises(NotAllowed):
        require_role(None, Role.coordinator)
    from listening.models import Account

    volunteer = Account(username="v", display_name="V", role=Role.volunteer, password_hash="x")
    with pytest.raises(NotAllowed):
        require_role(volunteer, Role.coordinator)
    assert require_role(volunteer, Role.volunteer, Role.coordinator) is volunteer


def test_sign_in_checks_the_password_before_it_takes_the_write_lock(session, engine, monkeypatch):
    """scrypt takes ~50 ms; on SQLite nobody else could write meanwhile if the hash were checked inside the write
    transaction. While the hash is checked here, another writer gets the lock at once (busy timeout 0)."""
    factories.coordinator(session)
    session.commit()
    checked = []

    def verify_while_someone_else_writes(password: str, stored: str) -> bool:
        with engine.connect() as other:
            if engine.dialect.name == "sqlite":
                other.exec_driver_sql("PRAGMA busy_timeout=0")
                other.commit()
            other.exec_driver_sql("UPDATE account SET display_name = display_name")  # needs the write lock
            other.commit()
        checked.append(password)
        return auth.verify_password.__wrapped__(password, stored)

    verify_while_someone_else_writes.__wrapped__ = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", verify_while_someone_else_writes)
    account, _ = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    assert account.username == "coord" and checked == [factories.PASSWORD]


def test_a_wrong_password_at_sign_in_counts_and_opens_no_session(session):
    factories.coordinator(session)
    session.commit()
    with pytest.raises(AuthError, match="Wrong"):
        auth.sign_in(username="coord", password="wrong password!", now=NOW)
    session.expire_all()
    account = session.exec(select(Account).where(Account.username == "coord")).one()
    assert session.exec(select(AuthSession)).all() == []
    assert [row.failures for row in session.exec(select(SignInThrottle))] == [1, 1, 1]
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "account").order_by(AuditEvent.id))
    assert [e.action for e in events][-1] == "auth.failed"


# ----- throttling, known browsers, equal answers ----------------------------------------------------------------

HOME, ELSEWHERE = "203.0.113.7", "198.51.100.9"


def attempt(session, username="coord", password="wrong password!", *, at, address=HOME, device_cookie=None):
    """One sign-in attempt; the account on success, else the refusal's message in Chinese."""
    try:
        return auth.authenticate(session, username=username, password=password, address=address,
                                 device_cookie=device_cookie, now=at)
    except AuthError as error:
        session.rollback()
        return error.translated()


def test_after_three_failures_each_next_attempt_waits_twice_as_long_up_to_the_cap(session, monkeypatch):
    monkeypatch.setenv("SIGN_IN_MAX_DELAY_SECONDS", "8")
    get_settings.cache_clear()
    factories.coordinator(session)
    session.commit()
    at = NOW
    for _ in range(3):
        assert attempt(session, at=at) == WRONG
    # Locked for 1 s even against the right password; then the right password works and the count starts over.
    assert attempt(session, password=factories.PASSWORD, at=at + timedelta(seconds=0.5)) == WRONG
    assert attempt(session, password=factories.PASSWORD, at=at + timedelta(seconds=1)).username == "coord"
    session.commit()
    at, waits = at + timedelta(seconds=1), []
    pair = throttle.buckets_for(username="coord", address=HOME, device=None)[0].key  # this account from HOME
    for _ in range(7):
        assert attempt(session, at=at) == WRONG
        row = session.get(SignInThrottle, pair, populate_existing=True)
        if row.not_before:
            waits.append((row.not_before - at).total_seconds())
            assert attempt(session, password=factories.PASSWORD, at=row.not_before - timedelta(seconds=0.1)) == WRONG
            at = row.not_before
    assert waits == [1, 2, 4, 8, 8]  # 3 free, then doubling, capped at SIGN_IN_MAX_DELAY_SECONDS
    get_settings.cache_clear()


def test_a_refused_attempt_does_not_count_and_a_quiet_hour_forgets_the_failures(session):
    factories.coordinator(session)
    session.commit()
    for _ in range(3):
        attempt(session, at=NOW)
    for _ in range(50):  # hammering while throttled changes nothing
        assert attempt(session, at=NOW + timedelta(seconds=0.5)) == WRONG
    assert max(r.failures for r in session.exec(select(SignInThrottle))) == 3
    assert attempt(session, password=factories.PASSWORD, at=NOW + timedelta(minutes=61)).username == "coord"


def test_the_throttle_is_in_the_database_and_stores_no_username_or_address(session):
    """Another process (another session on the same database) meets the same delay, after a restart too."""
    factories.coordinator(session)
    session.commit()
    for _ in range(3):
        attempt(session, at=NOW)
    session.close()
    with pytest.raises(AuthError):
        auth.sign_in(username="coord", password=factories.PASSWORD, address=HOME, now=NOW + timedelta(seconds=0.5))
    keys = [row.key for row in session.exec(select(SignInThrottle))]
    assert len(keys) == 3 and all(len(key) == 64 and "coord" not in key and HOME not in key for key in keys)


def test_strangers_cannot_keep_the_coordinator_out_of_her_own_browser(session):
    account = factories.coordinator(session)
    session.commit()
    known = auth.new_device_cookie(account.id)
    # Someone tries passwords from many addresses: the account is throttled for every browser it never signed in from.
    for n in range(12):
        attempt(session, at=NOW, address=f"192.0.2.{n}")
    assert attempt(session, password=factories.PASSWORD, at=NOW, address=HOME) == WRONG
    # Her own browser, even at the same address as the attacker, still gets in with the right password.
    assert attempt(session, password=factories.PASSWORD, at=NOW, address="192.0.2.1",
                   device_cookie=known).username == "coord"
    # A forged mark or another account's mark is a stranger's browser.
    other = factories.coordinator(session, "other")
    session.commit()
    assert attempt(session, password=factories.PASSWORD, at=NOW, device_cookie=known + "x") == WRONG
    assert attempt(session, password=factories.PASSWORD, at=NOW, device_cookie=auth.new_device_cookie(other.id)) == WRONG
    # Wrong passwords from her browser are throttled too, in a bucket of their own.
    for _ in range(3):
        attempt(session, at=NOW, device_cookie=known)
    assert attempt(session, password=factories.PASSWORD, at=NOW, device_cookie=known) == WRONG


def test_one_address_trying_many_usernames_is_slowed_for_all_of_them(session):
    factories.coordinator(session)
    session.commit()
    for n in range(10):
        assert attempt(session, username=f"guess{n}", at=NOW) == WRONG
    assert attempt(session, password=factories.PASSWORD, at=NOW) == WRONG
    assert attempt(session, password=factories.PASSWORD, at=NOW, address=ELSEWHERE).username == "coord"


def _three_answers(session, monkeypatch):
    """(message, scrypt calls, seconds) for a wrong password, an unknown user and a throttled attempt."""
    import hashlib
    import time

    calls = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(*args, **kwargs):
        calls.append(1)
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    results = {}
    for case, username, address in (("wrong", "coord", ELSEWHERE), ("unknown", "nobody", ELSEWHERE),
                                    ("throttled", "coord", HOME)):
        calls.clear()
        started = time.perf_counter()
        message = attempt(session, username=username, at=NOW, address=address)
        results[case] = (message, len(calls), time.perf_counter() - started)
    return results


def test_unknown_wrong_and_throttled_answer_the_same_and_do_the_same_hashing(session, monkeypatch):
    factories.coordinator(session)
    session.commit()
    for _ in range(3):
        attempt(session, at=NOW, address=HOME)  # throttled from HOME
    results = _three_answers(session, monkeypatch)
    assert {message for message, _, _ in results.values()} == {WRONG}
    assert [calls for _, calls, _ in results.values()] == [1, 1, 1]  # one scrypt each, the throttled one too


def test_unknown_wrong_and_throttled_take_about_the_same_time(session, monkeypatch):
    """Medians of interleaved rounds, so a loaded machine slows all three alike; the bound is generous (the old
    lockout answered 40 times faster than a wrong password)."""
    import statistics

    factories.coordinator(session)
    session.commit()
    for _ in range(3):
        attempt(session, at=NOW, address=HOME)
    rounds = [_three_answers(session, monkeypatch) for _ in range(7)]
    medians = {case: statistics.median(r[case][2] for r in rounds) for case in ("wrong", "unknown", "throttled")}
    assert max(medians.values()) < 2.5 * min(medians.values()), medians


def test_a_ticket_works_only_in_the_browser_that_signed_in(session):
    factories.coordinator(session)
    session.commit()
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, browser=BROWSER, now=NOW)
    session.commit()
    assert auth.redeem_ticket(session, ticket=new.ticket, browser="the victims browser", now=NOW) is None
    assert auth.redeem_ticket(session, ticket=new.ticket, browser=None, now=NOW) is None
    assert auth.redeem_ticket(session, ticket=new.ticket, browser=BROWSER, now=NOW) is not None
    session.commit()
    # A browser that keeps no cookies gets no ticket at all: its session lives as long as the page.
    _, cookieless = auth.sign_in(username="coord", password=factories.PASSWORD, browser=None, now=NOW)
    assert cookieless.ticket is None


def test_the_sign_out_token_belongs_to_one_session():
    assert auth.sign_out_token_matches("token-a", auth.sign_out_token("token-a"))
    assert not auth.sign_out_token_matches("token-b", auth.sign_out_token("token-a"))
    assert not auth.sign_out_token_matches("token-a", None) and not auth.sign_out_token_matches("token-a", "")


def test_forgotten_failures_are_deleted_so_made_up_usernames_do_not_pile_up(session):
    for n in range(5):
        attempt(session, username=f"made-up-{n}", at=NOW)
    assert len(session.exec(select(SignInThrottle)).all()) == 11  # 5 x (user+address, user) + 1 address
    attempt(session, username="another", at=NOW + timedelta(minutes=61))
    assert len(session.exec(select(SignInThrottle)).all()) == 3  # only the new attempt's buckets remain
