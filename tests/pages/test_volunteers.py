"""The coordinator's volunteer list: communities and languages in words, in the reader's language."""

from __future__ import annotations

import pytest

from listening.models import Language
from tests import factories
from tests.pages.conftest import app_test


@pytest.mark.parametrize("lang, community, languages, caption", [
    ("zh_CN", "蛇口街道", "普通话、粤语和客家话", "共 1 名志愿者"),
    ("en", "Shekou", "Mandarin, Cantonese, and Hakka", "1 volunteer"),
])
def test_volunteers_show_community_names_and_languages_in_words(session, lang, community, languages, caption):
    coordinator = factories.coordinator(session)
    factories.volunteer(session, "chen", community_code="shekou",
                        languages=(Language.mandarin, Language.cantonese, Language.hakka))
    session.commit()
    at = app_test("pages/volunteers.py")
    at.session_state["account"] = coordinator
    at.session_state["locale"] = lang
    at.run()
    assert not at.exception
    row = at.dataframe[0].value.iloc[0]
    assert (row.iloc[2], row.iloc[3]) == (community, languages)
    assert "shekou" not in at.dataframe[0].value.to_csv()
    assert caption in [c.value for c in at.caption]
