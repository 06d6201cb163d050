"""The real app in a subprocess (`streamlit run serve.py`), driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.centre import free_port
from tests.pinned import pinned_command

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a root container with no network: no sandbox, and no background calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _wait_for(url: str, seconds: float, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def served_app(engine, database_url) -> Iterator[str]:
    """The demo centre served on a free port; yields its base URL."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEMO_MODE": "1", "PYTHONUNBUFFERED": "1"}
    subprocess.run(pinned_command("listening", "seed-demo"), cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = open(ROOT / "data" / f"e2e-{port}.log", "w")
    server = subprocess.Popen(
        pinned_command("streamlit", "run", "serve.py", "--server.port", str(port), "--server.headless", "true",
                       "--browser.gatherUsageStats", "false"),
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/api/health", 60, server, Path(log.name))
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for the browser test: `make chromium` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
