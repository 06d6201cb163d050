"""The one registry of enum labels: every audit action (and every member of every registered enum) has words."""

from __future__ import annotations

import pytest

from listening.core.audit import AuditAction
from listening.core.labels import LABELS, label, label_in
from listening.privacy.audit_view import action_label


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_words_in_both_languages(action):
    english, chinese = label_in(action, "en"), label_in(action, "zh_CN")
    assert english != action.value and "." not in english and "_" not in english
    assert chinese != english and not chinese.isascii()


def test_the_audit_log_reads_an_action_by_its_stored_value():
    assert action_label("auth.signed_in") == label(AuditAction.auth_signed_in) == "登录"
    assert action_label("no.such_action") == "no.such_action"  # an old value still shows, as it is stored


@pytest.mark.parametrize("enum_class", list(LABELS))
def test_every_member_of_a_registered_enum_has_a_label(enum_class):
    assert set(LABELS[enum_class]) == set(enum_class)
