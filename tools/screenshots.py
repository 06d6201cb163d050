"""The README's screenshots, one per role, from the demo centre in Chinese as a person sees it.

    .venv/bin/python tools/screenshots.py          writes docs/screenshot-{resident,coordinator,volunteer}.png

A fresh demo centre on a scratch SQLite database, its clock pinned at an ordinary Tuesday morning so the pictures
change only when the screens do; Debian's chromium with the CJK and emoji fonts (`make chromium`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.centre import free_port  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.pinned import PINNED  # noqa: E402

AT = "2026-12-01T10:00:00+08:00"
DEMO_PASSWORD = "listening-demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def serve(database: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEMO_MODE": "1", "ENVIRONMENT": "development"}
    pinned = [sys.executable, str(PINNED), AT, "-m"]
    subprocess.run([*pinned, "listening", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    app = subprocess.Popen([*pinned, "streamlit", "run", "serve.py", "--server.port", str(port),
                            "--server.headless", "true"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return app
        except OSError:
            time.sleep(0.3)
    app.kill()
    raise SystemExit("the demo centre did not start within 60 s")


def settled(page) -> None:
    """The script run finished and the fonts and icons drawn."""
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=30_000)
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(800)


def sign_in(page, base: str, username: str, greeting: str) -> None:
    page.goto(f"{base}/sign-in?lang=zh_CN")
    page.get_by_label("用户名").fill(username)
    page.get_by_role("textbox", name="密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(greeting).first.wait_for(timeout=30_000)
    settled(page)


def main() -> int:
    from playwright.sync_api import sync_playwright

    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        app = serve(Path(scratch) / "demo.db", port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                resident = browser.new_page(viewport=PHONE, device_scale_factor=2)
                resident.goto(f"{base}/?lang=zh_CN")
                resident.get_by_text("申请一小时倾听").first.wait_for(timeout=30_000)
                settled(resident)
                resident.screenshot(path=str(docs / "screenshot-resident.png"))

                coordinator = browser.new_page(viewport=DESKTOP)
                sign_in(coordinator, base, "coordinator", "王芳，您好")
                coordinator.screenshot(path=str(docs / "screenshot-coordinator.png"))

                volunteer = browser.new_page(viewport=PHONE, device_scale_factor=2)
                sign_in(volunteer, base, "volunteer", "您好")
                volunteer.screenshot(path=str(docs / "screenshot-volunteer.png"))
                browser.close()
        finally:
            app.terminate()
            app.wait(timeout=30)
    for role in ("resident", "coordinator", "volunteer"):
        print(docs / f"screenshot-{role}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
