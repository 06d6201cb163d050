"""The whole centre as the README starts it (`make run`: demo data, the SMS worker, the app), at an instant of the
test's choosing, sending its SMS to a local fake Twilio; and a Journey that screenshots each step and holds every
page to the time a person would wait.

    with FakeTwilio() as fake, RunningCentre(database_url, fake, at=MONDAY_10) as centre:
        page.goto(centre.url("/"))
        centre.restart(at=THURSDAY_16)     # the same database, later: after the visit took place
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Self

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.fake_twilio import FakeTwilio
from tests.pinned import PINNED

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "benchmarks" / "out" / "journeys"
START_SECONDS = 90
# A person waits about this long for a page before it feels broken (issue 15); the journeys fail past it.
READY_SECONDS = 2.0
SMS_WAIT_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningCentre:
    """`make run PORT=… PY="python tests/pinned.py AT"`: seed-demo, worker and app, their clocks pinned at `at`."""

    def __init__(self, database_url: str, fake: FakeTwilio, *, at: datetime, log_dir: Path):
        self.database_url = database_url
        self.fake = fake
        self.at = at
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DEMO_MODE": "1",  # tests/conftest.py turns it off for the test process; `make run` shows the demo
            "ENVIRONMENT": "test",
            "PYTHONUNBUFFERED": "1",
            "SMS_RATE_PER_SECOND": "20",
            "TWILIO_ACCOUNT_SID": self.fake.account_sid,
            "TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "TWILIO_FROM": self.fake.from_number,
            "TWILIO_BASE_URL": self.fake.base_url,
            "PUBLIC_BASE_URL": self.base_url,
        }

    def start(self) -> None:
        self._log = open(self.log_dir / f"centre-{self.at:%Y%m%dT%H%M}.log", "w")  # noqa: SIM115 (closed in stop)
        pinned_python = f"{sys.executable} {PINNED} {self.at.isoformat()}"
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={self.port}", f"PY={pinned_python}"],
            cwd=ROOT, env=self.env(), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"`make run` exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/api/health"), timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"the centre did not answer within {START_SECONDS} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Ctrl+C, as a person stops it: SIGINT to make's process group; the app and the worker stop cleanly."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise RuntimeError(f"`make run` did not stop on Ctrl+C:\n{self.log_tail()}") from None
        finally:
            self.process = None
        log = self.log_tail()
        self._log.close()
        # make itself ends by the signal (-2), as it does in a terminal; what counts is that its recipe stopped both
        # and printed no "make: *** Error".
        if code not in (0, -signal.SIGINT) or "Listening Hour stopped." not in log or "make: ***" in log:
            raise RuntimeError(f"`make run` did not stop cleanly ({code}):\n{log}")

    def restart(self, *, at: datetime) -> None:
        self.stop()
        self.at = at
        self.start()

    def log_tail(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-4000:]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
            self._log.close()

    # -- the resident's phone, as Twilio would post it --------------------------------------------------------

    def sms_from(self, phone: str, body: str) -> int:
        """An inbound SMS through the signed webhook; returns the HTTP status."""
        path = "/api/sms/inbound"
        form = {"MessageSid": "SM" + os.urandom(16).hex(), "From": phone, "To": self.fake.from_number,
                "Body": body, "AccountSid": self.fake.account_sid}
        signature = RequestValidator(self.fake.auth_token).compute_signature(self.url(path), form)
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.url(path), data=data, headers={"X-Twilio-Signature": signature})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status


def wait_for(found, *, seconds: float = SMS_WAIT_SECONDS):
    """`found()` once it is truthy (the worker sends within a pass or two), or its last value after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := found()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def wait_for_sms(fake: FakeTwilio, to: str, *, count: int, seconds: float = SMS_WAIT_SECONDS) -> list[str]:
    """The bodies of the SMS the fake has received for `to`, once there are at least `count` of them."""
    def bodies() -> list[str]:
        return [m.body for m in fake.messages if m.to == to]

    wait_for(lambda: len(bodies()) >= count, seconds=seconds)
    return bodies()


class Journey:
    """The steps of one journey: each action is timed until the page is ready, then screenshotted."""

    def __init__(self, page, name: str):
        self.page = page
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in (*self.folder.glob("*.png"), *self.folder.glob("timings.txt")):
            old.unlink()
        self.count = 0

    def step(self, name: str, action, *expected: str, limit: float = READY_SECONDS) -> float:
        """Do `action`, wait until the page is ready, save `NN-name.png`; fail if it took over `limit` s.

        Ready means what a person waits for: every `expected` text visible and Streamlit done with the script run
        (the app root's script state back to "notRunning", so nothing more is about to appear or change), measured
        from the action to that moment.
        """
        self.count += 1
        shot = self.folder / f"{self.count:02d}-{name}.png"
        started = time.monotonic()
        try:
            action()
            for text in expected:
                self.page.get_by_text(text).first.wait_for(state="visible", timeout=30_000)
            self.page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=30_000)
        except Exception:
            self.page.screenshot(path=str(shot.with_stem(shot.stem + "-FAILED")))  # what the person saw instead
            raise
        elapsed = time.monotonic() - started
        with (self.folder / "timings.txt").open("a") as timings:  # beside the screenshots, for the closing figures
            timings.write(f"{shot.stem}\t{elapsed:.2f} s\n")
        self.page.screenshot(path=str(shot), full_page=True)
        assert elapsed <= limit, f"{self.folder.name}/{name}: the page took {elapsed:.1f} s to be ready (limit {limit} s)"
        return elapsed

    def open_page(self, name: str, link: str, url_path: str, *expected: str, limit: float = READY_SECONDS) -> float:
        """A step to another page the way a person moves around the app: a click on its link in the sidebar (the
        first page of a visit is an address typed or opened, a step of its own with its own limit)."""
        def click() -> None:
            expand = self.page.get_by_test_id("stExpandSidebarButton")
            folded = expand.count() and expand.is_visible()  # on a phone the sidebar starts folded away
            if folded:
                expand.click()
            self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
            self.page.wait_for_url(f"**/{url_path}*", timeout=30_000)
            collapse = self.page.get_by_test_id("stSidebarCollapseButton")
            if folded and collapse.is_visible():  # and over the page it covers, until closed again
                collapse.click()

        return self.step(name, click, *expected, limit=limit)

    # -- Streamlit's widgets as a person uses them ------------------------------------------------------------

    def open_list(self, label: str) -> None:
        """Open a selectbox's or multiselect's list. Right after another list closed, the first click only moves
        the focus (as a person sees it too: nothing opens), so click again until the list shows."""
        box = self.page.get_by_role("combobox", name=label).first
        for _ in range(3):
            box.click()
            try:
                self.page.get_by_role("combobox", name=label, expanded=True).first.wait_for(timeout=1000)
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError(f"the list of {label!r} does not open")

    def choose(self, label: str, option: str) -> None:
        """A selectbox: open its list, click the option (no Escape after: it would undo the choice). A click that
        lands while the list is still moving into place only highlights the option: then again."""
        box = self.page.get_by_role("combobox", name=label).first  # its input shows the chosen option
        for _ in range(3):
            self.open_list(label)
            self.page.locator("[role=option]").filter(has_text=option).first.click()
            try:
                expect(box).to_have_value(re.compile(re.escape(option)), timeout=2000)
                return
            except (AssertionError, PlaywrightTimeout):
                continue
        raise AssertionError(f"{option!r} could not be chosen in {label!r}")

    def choose_all(self, label: str, *options: str) -> None:
        """A multiselect: each option from its list, then close the list."""
        for option in options:
            self.open_list(label)
            self.page.locator("[role=option]").filter(has_text=option).first.click()
        self.page.keyboard.press("Escape")
