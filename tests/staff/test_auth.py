from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from listening.core.errors import AuthError, InvalidInput, NotAllowed
from listening.core.permissions import require_role
from listening.models import Account, AuditEvent, AuthSession, Role
from listening.staff import auth
from tests import factories

pytestmark = pytest.mark.instant  # .ci/run runs this module again at the hard instants

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


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


def test_wrong_password_and_unknown_user_get_the_same_clear_message(session):
    factories.coordinator(session)
    session.commit()
    messages = []
    for username, password in (("coord", "wrong password!"), ("nobody", "wrong password!")):
        with pytest.raises(AuthError) as error:
            auth.authenticate(session, username=username, password=password, now=NOW)
        messages.append(error.value.translated())
    assert messages[0] == messages[1] == "用户名或密码错误。"


def test_lock_out_after_repeated_failures_then_unlock_after_the_wait(session):
    factories.coordinator(session)
    session.commit()
    for _ in range(4):
        with pytest.raises(AuthError, match="Wrong"):
            auth.authenticate(session, username="coord", password="nope nope nope", now=NOW)
    with pytest.raises(AuthError, match="Too many"):
        auth.authenticate(session, username="coord", password="nope nope nope", now=NOW)
    # Even the right password is refused while locked.
    with pytest.raises(AuthError, match="Too many"):
        auth.authenticate(session, username="coord", password=factories.PASSWORD, now=NOW + timedelta(minutes=5))
    account = auth.authenticate(session, username="coord", password=factories.PASSWORD, now=NOW + timedelta(minutes=16))
    assert account.username == "coord"
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "account.locked")).all()) == 1


def test_sign_in_ticket_becomes_a_cookie_once(session):
    factories.coordinator(session)
    session.commit()  # sign_in runs transactions of its own
    account, new = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    session.commit()
    assert auth.resume(session, token=new.token, now=NOW).id == account.id
    cookie = auth.redeem_ticket(session, ticket=new.ticket, now=NOW + timedelta(seconds=5))
    session.commit()
    assert cookie and auth.redeem_ticket(session, ticket=new.ticket, now=NOW + timedelta(seconds=6)) is None
    token = auth.token_from_cookie(cookie)
    assert auth.resume(session, token=token, now=NOW + timedelta(seconds=10)).id == account.id
    # The token that lived in the sign-in page is rotated away.
    assert auth.resume(session, token=new.token, now=NOW + timedelta(seconds=10)) is None


def test_a_stale_ticket_or_a_forged_cookie_gets_nothing(session):
    factories.coordinator(session)
    session.commit()  # sign_in runs transactions of its own
    _, new = auth.sign_in(username="coord", password=factories.PASSWORD, now=NOW)
    session.commit()
    assert auth.redeem_ticket(session, ticket=new.ticket, now=NOW + timedelta(minutes=5)) is None
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
    assert account.failed_logins == 1
    assert session.exec(select(AuthSession)).all() == []
    assert [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "account"))][-1] == "auth.failed"
