"""`streamlit run serve.py` refuses unusable settings before it serves anything: one line on stderr, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("variables, line", [
    ({"ENVIRONMENT": "prod"},
     "Listening Hour will not start: ENVIRONMENT must be one of development, test, production (got 'prod')"),
    ({"ENVIRONMENT": "production", "SECRET_KEY": "x"},
     "Listening Hour will not start: SECRET_KEY must be at least 32 characters when ENVIRONMENT=production"),
])
def test_serve_refuses_to_start_with_one_clear_line(variables, line):
    env = {**os.environ, "DEMO_MODE": "0", **variables}
    env.pop("SECRET_KEY", None) if "SECRET_KEY" not in variables else None
    result = subprocess.run([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", "0",
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    refusals = [text for text in result.stderr.splitlines() if text.startswith("Listening Hour will not start")]
    assert len(refusals) == 1 and refusals[0].startswith(line)
    assert "Traceback" not in result.stderr + result.stdout


def test_the_command_line_refuses_the_same_way(monkeypatch, capsys):
    from listening.__main__ import main
    from listening.core.config import get_settings

    monkeypatch.setenv("ENVIRONMENT", "Production")
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert capsys.readouterr().err.strip() == ("Listening Hour will not start: ENVIRONMENT must be one of "
                                               "development, test, production (got 'Production')")


def test_seed_demo_never_goes_into_production(monkeypatch, capsys):
    from listening.__main__ import main
    from listening.core.config import get_settings, new_secret

    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", new_secret())
    get_settings.cache_clear()
    try:
        assert main(["seed-demo", "--if-empty"]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "never go into production" in capsys.readouterr().err
