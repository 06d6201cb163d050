from __future__ import annotations

from sqlmodel import select

from listening.__main__ import main
from listening.models import Account, Role


def test_create_coordinator_makes_the_first_account(engine, session, capsys):
    assert main(["create-coordinator", "zhang", "--name", "张丽", "--phone", "138 0013 8000",
                 "--password", "a very long password"]) == 0
    account = session.exec(select(Account).where(Account.username == "zhang")).one()
    assert account.role == Role.coordinator and account.phone == "+8613800138000"
    assert main(["create-coordinator", "zhang", "--password", "a very long password"]) == 1
    assert "已被使用" in capsys.readouterr().err


def test_seed_demo_if_empty_is_idempotent(engine, capsys):
    assert main(["seed-demo", "--if-empty"]) == 0
    assert main(["seed-demo", "--if-empty"]) == 0
    assert "already has data" in capsys.readouterr().out
