"""ENVIRONMENT takes exactly development, test or production; outside development and test the secret must be
strong; a refusal is one line naming the variable."""

from __future__ import annotations

import pytest

from listening.core import config
from listening.core.config import Settings, get_settings, secret_problem, settings_problem

STRONG = "k3J9x-Qw2_vL8pZr7TnY4sHb6MdF1cGe0aUo"


@pytest.fixture
def env(monkeypatch):
    """Set variables for one Settings load; the cached settings are cleared before and after."""
    get_settings.cache_clear()

    def set_vars(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_vars
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_the_three_environments_are_accepted(env, environment):
    env(ENVIRONMENT=environment, SECRET_KEY=STRONG)
    assert settings_problem() is None and get_settings().environment == environment


@pytest.mark.parametrize("environment", ["prod", "Production", "PRODUCTION", "staging", "dev", ""])
def test_anything_else_is_refused_with_one_line_naming_the_accepted_values(env, environment):
    env(ENVIRONMENT=environment, SECRET_KEY=STRONG)
    problem = settings_problem()
    assert problem == f"ENVIRONMENT must be one of development, test, production (got {environment!r})"


@pytest.mark.parametrize("secret", ["x", "short-but-random-9f3k", config.DEV_SECRET, "change-me", "secret",
                                    "a" * 40, "abababababababababababababababababab"])
def test_production_refuses_a_weak_or_placeholder_secret(env, secret):
    env(ENVIRONMENT="production", SECRET_KEY=secret)
    problem = settings_problem()
    assert problem and problem.startswith("SECRET_KEY ") and "\n" not in problem and "ENVIRONMENT=production" in problem


def test_production_without_any_secret_is_refused(env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    env(ENVIRONMENT="production")
    assert settings_problem().startswith("SECRET_KEY is a known placeholder")


def test_development_and_test_run_on_the_development_secret(env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for environment in ("development", "test"):
        env(ENVIRONMENT=environment)
        assert settings_problem() is None


def test_secret_problem_accepts_a_generated_secret():
    assert secret_problem(config.new_secret()) is None
    assert secret_problem(STRONG) is None
    assert Settings(environment="production", secret_key=config.new_secret()).environment == "production"


def test_another_bad_setting_is_named_in_one_line(env):
    env(QUIET_HOURS="whenever")
    assert settings_problem().startswith("QUIET_HOURS: ")
