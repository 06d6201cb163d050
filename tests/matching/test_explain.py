"""explain names languages and modes without importing the labels (and so the database models): its tables must
say exactly what the registry says."""

from __future__ import annotations

import subprocess
import sys

from listening.core.labels import LABELS, SESSION_KIND_LABELS
from listening.matching.explain import LANGUAGE_MSGIDS, SESSION_KIND_MSGIDS, reason_text
from listening.models import Language, Mode


def test_the_code_tables_match_the_label_registry():
    assert LANGUAGE_MSGIDS == {member.value: text for member, text in LABELS[Language].items()}
    assert SESSION_KIND_MSGIDS == {member.value: text for member, text in SESSION_KIND_LABELS[Mode].items()}


def test_reason_text_names_codes_and_passes_unknown_ones_through():
    assert reason_text("no_mode", {"language": "yue", "mode": Mode.home}) == (
        "no volunteer speaking Cantonese is certified for home-visit sessions")
    assert reason_text("no_language", {"language": "xx"}) == "no volunteer speaks xx"


def test_the_matcher_imports_no_database_models_or_scipy():
    code = ("import sys, listening.matching.solver, listening.matching.result; "
            "print(sorted(m for m in ('listening.models', 'sqlmodel', 'sqlalchemy', 'scipy', 'streamlit')"
            " if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
