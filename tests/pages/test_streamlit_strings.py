"""Streamlit's own English ("Choose an option", "Select all", "Press Enter to apply") kept out of the Chinese
pages: every select box and multiselect of every page has our placeholder, no multiselect offers "Select all",
and the style that hides the input instructions is on every page."""

from __future__ import annotations

import pytest

from listening.models import Account
from tests.pages.conftest import app_test, sign_in
from ui import shell


def english_of_streamlit(at, where: str) -> list[str]:
    problems = []
    for box in [*at.selectbox, *at.sidebar.selectbox]:
        if not box.proto.placeholder:  # empty: the browser shows "Choose an option" / "No options to select"
            problems.append(f"{where}: select box {box.label!r} has no placeholder")
    for box in at.multiselect:
        if not box.proto.placeholder:
            problems.append(f"{where}: multiselect {box.label!r} has no placeholder")
        if not box.proto.HasField("select_all") or box.proto.select_all != 0:
            problems.append(f"{where}: multiselect {box.label!r} offers Streamlit's English 'Select all'")
    if not any("InputInstructions" in element.proto.body for element in at.get("html")):
        problems.append(f"{where}: the style hiding Streamlit's 'Press Enter to apply' is missing")
    return problems


@pytest.mark.parametrize("username", [None, "coordinator", "volunteer"])
def test_no_page_shows_streamlits_english_in_chinese(demo, session, username):
    from sqlmodel import select

    if username is None:
        at, signed_in = app_test().run(), None
    else:
        at = sign_in(username)
        at.run()
        signed_in = session.exec(select(Account).where(Account.username == username)).one()
    problems = []
    specs = shell.page_specs_for(signed_in)
    for spec in specs:
        at.switch_page(spec.path).run()
        assert not at.exception, spec.path
        problems += english_of_streamlit(at, f"[{username or 'signed out'}] {spec.url_path}")
    assert not problems, "\n".join(problems)
