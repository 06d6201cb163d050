"""The banner on every coordinator page while any escalation waits for acknowledgement (ui/shell.py)."""

from __future__ import annotations

import pytest

from listening import safeguarding
from listening.core.i18n import set_locale
from listening.models import EscalationSource, Role, utcnow
from tests.factories.session_factories import coordinator
from tests.pages.conftest import app_test, sign_in
from ui.shell import PAGES_BY_ROLE, PUBLIC_PAGES

COORDINATOR_PAGES = [spec.path for spec in PAGES_BY_ROLE[Role.coordinator] if spec not in PUBLIC_PAGES]
BANNER_ZH = ":red-background[🆘 **有 1 个安全求助等待协调员确认。**]"


def banners(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(":red-background[🆘")]


def open_page(path: str, account, *, lang: str = "zh_CN"):
    at = app_test(path)
    at.session_state["account"] = account
    at.session_state["locale"] = lang
    return at.run()


def raise_one(session, kinds=frozenset({"suicide"})):
    escalation = safeguarding.raise_escalation(session, source=EscalationSource.request, risk_kinds=set(kinds),
                                               now=utcnow())
    session.commit()
    return escalation


@pytest.mark.parametrize("path", COORDINATOR_PAGES)
def test_every_coordinator_page_shows_the_banner_while_an_escalation_waits(session, path):
    boss = coordinator(session)
    raise_one(session)
    at = open_page(path, boss)
    assert not at.exception
    assert banners(at) == [BANNER_ZH]
    assert "[打开安全保障页面](/safeguarding?lang=zh_CN)" in [m.value for m in at.markdown]


def test_no_banner_when_nothing_waits_and_none_once_acknowledged(session):
    boss = coordinator(session)
    session.commit()
    at = open_page("pages/coordinator_home.py", boss)
    assert not at.exception and banners(at) == []
    escalation = raise_one(session)
    assert banners(open_page("pages/coordinator_home.py", boss)) == [BANNER_ZH]
    safeguarding.acknowledge(session, actor=boss, escalation_id=escalation.id)
    session.commit()
    assert banners(open_page("pages/coordinator_home.py", boss)) == []


def test_the_banner_counts_in_the_plural_in_english(session):
    boss = coordinator(session)
    raise_one(session)
    raise_one(session, kinds={"abuse"})
    at = open_page("pages/reports.py", boss, lang="en")
    assert banners(at) == [
        ":red-background[🆘 **2 safeguarding escalations are waiting for a coordinator to acknowledge them.**]"]
    set_locale("zh_CN")


def test_a_volunteer_sees_no_banner(session):
    from tests import factories

    coordinator(session)
    account, _ = factories.volunteer(session)
    raise_one(session)
    at = open_page("pages/volunteer_home.py", account)
    assert not at.exception and banners(at) == []


def test_inside_the_app_the_banner_links_to_the_safeguarding_page(demo):
    at = sign_in("coordinator")
    at.run()  # the home page, inside app.py's navigation
    assert banners(at)[0].endswith("个安全求助等待协调员确认。**]")
    # the home page has links of its own (the follow-ups due): the banner's is the one to the safeguarding page
    [link] = [link for link in at.get("page_link") if link.proto.label == "打开安全保障页面"]
    assert link.proto.page == "safeguarding"
