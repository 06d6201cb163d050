"""A resident's copy: everything held, readable, in the coordinator's language, and the export is audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.core.errors import NotAllowed
from listening.core.i18n import set_locale
from listening.models import AuditEvent, Resident
from listening.privacy import copy
from tests.privacy.test_erasure import ADDRESS, GOAL, NAME, NOTE, REASON, SMS, TOPIC, erased_setup  # noqa: F401


def test_the_copy_holds_what_we_keep_with_labels_not_codes(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    made = copy.resident_copy(session, actor=coordinator, resident_id=resident.id)
    session.commit()
    text = made.data.decode("utf-8")
    for held in (NAME, "+86 137 1234 5678", ADDRESS, TOPIC, NOTE, REASON, SMS, GOAL, "象棋搭子"):
        assert held in text, held
    assert "- 2 周后: 去了" in text  # the activity's follow-up, in words
    assert "上门探访" in text and "普通话" in text and "家庭" in text  # labels in Chinese
    assert "home" not in text and "family" not in text and "reminder_24h" not in text
    assert made.filename.startswith(f"resident-{resident.id}-") and made.filename.endswith(".md")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "resident.copy_exported")).one()
    assert (event.entity_id, event.details) == (str(resident.id), None)


def test_the_copy_is_in_english_for_an_english_reader(session, erased_setup):  # noqa: F811
    coordinator, resident = erased_setup
    set_locale("en")
    text = copy.resident_copy(session, actor=coordinator, resident_id=resident.id).text
    assert "home visit" in text and "Mandarin" in text and "Who viewed these details" in text


def test_only_a_coordinator_makes_a_copy(session, erased_setup):  # noqa: F811
    _, resident = erased_setup
    volunteer = session.exec(select(copy.Account).where(copy.Account.username == "vol")).one()
    with pytest.raises(NotAllowed):
        copy.resident_copy(session, actor=volunteer, resident_id=resident.id)
    assert session.get(Resident, resident.id)
