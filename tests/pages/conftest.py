from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from listening.demo import DEMO_PASSWORD, seed_demo
from ui.shell import only_app_navigation

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # generous: the first run imports pandas and friends


def app_test(path: str = "app.py") -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)


@pytest.fixture(autouse=True)
def _pages_run_inside_app_py(monkeypatch):
    """As serve.py does in production: AppTest resets Streamlit's pages-folder flag before every run, and
    without this its switch_page would run a page alone instead of through app.py's navigation and boundary."""
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        only_app_navigation()
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def demo(session):
    """The demo centre in the test database."""
    counts = seed_demo(session)
    session.commit()
    return counts


def sign_in(username: str, password: str = DEMO_PASSWORD, *, lang: str | None = None) -> AppTest:
    at = app_test()
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/sign_in.py").run()  # a signed-out visitor first sees the welcome page
    at.text_input(key="username").input(username)
    at.text_input(key="password").input(password)
    at.button[0].click().run()
    assert not at.exception
    return at
