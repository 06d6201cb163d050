"""Volunteer profiles: the coordinator's list (phones masked), search, and the record behind an account."""

from __future__ import annotations

import pytest
from sqlmodel import select

from listening.core.errors import NotAllowed, NotFound
from listening.core.i18n import set_locale
from listening.models import Language, Volunteer
from listening.staff.auth import create_account
from listening.volunteers import list_volunteers, volunteer_names, volunteer_of
from tests import factories


def test_the_coordinator_sees_volunteers_by_name_with_masked_phones_and_their_languages(session):
    coordinator = factories.coordinator(session)
    factories.volunteer(session, "chen", name="陈静", phone="+8613900001234",
                        languages=(Language.mandarin, Language.cantonese))
    factories.volunteer(session, "li", name="李明", phone="+8613900005678")
    rows = list_volunteers(session, actor=coordinator)
    assert [r.full_name for r in rows] == sorted(["陈静", "李明"])
    chen = next(r for r in rows if r.full_name == "陈静")
    assert "+8613900001234" not in chen.phone_masked and chen.phone_masked.endswith("1234")
    assert set(chen.languages) == {Language.mandarin, Language.cantonese}
    assert [r.full_name for r in list_volunteers(session, actor=coordinator, search=" 李 ")] == ["李明"]


def test_a_chooser_s_names_are_the_list_s_names_in_its_order_read_in_one_statement(session):
    """The supervision page's choosers hold two thousand names at district scale: two columns, one statement."""
    from tests.safeguarding.test_contacts import statements

    coordinator = factories.coordinator(session)
    for n, name in enumerate(["王芳", "陈静", "李明"]):
        factories.volunteer(session, f"v{n}", name=name, phone=f"+861390000{n}234")
    session.commit()
    session.exec(select(Volunteer.id)).first()  # the transaction has begun (SQLite's BEGIN is a statement)
    with statements(session) as seen:
        names = volunteer_names(session, actor=coordinator)
    assert len(seen) == 1
    assert list(names.items()) == [(r.id, r.full_name) for r in list_volunteers(session, actor=coordinator)]
    account, _ = factories.volunteer(session, "v9", phone="+8613900009234")
    with pytest.raises(NotAllowed):
        volunteer_names(session, actor=account)


def test_a_volunteer_s_community_is_listed_by_name_in_the_reader_s_language(session):
    coordinator = factories.coordinator(session)
    factories.volunteer(session, "chen", community_code="shekou")
    assert [(r.community_code, r.community) for r in list_volunteers(session, actor=coordinator)] == [
        ("shekou", "蛇口街道")]
    set_locale("en")
    assert [r.community for r in list_volunteers(session, actor=coordinator)] == ["Shekou"]


def test_a_volunteer_cannot_list_the_other_volunteers(session):
    account, _ = factories.volunteer(session)
    with pytest.raises(NotAllowed):
        list_volunteers(session, actor=account)


def test_the_volunteer_record_behind_an_account_or_a_clear_error(session):
    account, row = factories.volunteer(session)
    assert volunteer_of(session, account).id == row.id
    unlinked = create_account(session, username="nolink", password=factories.PASSWORD, display_name="新人",
                              role=account.role)
    with pytest.raises(NotFound):
        volunteer_of(session, unlinked)
    with pytest.raises(NotAllowed):
        volunteer_of(session, factories.coordinator(session))


def test_a_page_of_volunteers_is_the_list_s_slice_read_in_three_statements_whatever_their_number(session):
    """The volunteers page shows fifty of a district's two thousand: a count, the page's rows, their languages."""
    from listening.volunteers import volunteer_page
    from tests.safeguarding.test_contacts import statements

    coordinator = factories.coordinator(session)
    for n in range(7):
        factories.volunteer(session, f"v{n}", name=f"{'陈李王'[n % 3]}{n}", phone=f"+861390000{n}234",
                            languages=(Language.mandarin, Language.cantonese) if n % 2 else (Language.mandarin,))
    session.commit()
    whole = list_volunteers(session, actor=coordinator)
    for search in (None, "陈"):
        found = list_volunteers(session, actor=coordinator, search=search)
        count = -(-len(found) // 3)
        pages = [volunteer_page(session, actor=coordinator, search=search, page=n, size=3) for n in range(1, count + 1)]
        assert [v for p in pages for v in p.items] == found and all(p.total == len(found) for p in pages)
        past = volunteer_page(session, actor=coordinator, search=search, page=9, size=3)
        assert past.number == count and past.items == pages[-1].items  # past the end: the last page
        assert list(volunteer_names(session, actor=coordinator, search=search)) == [v.id for v in found]
    session.exec(select(Volunteer.id)).first()
    with statements(session) as seen:
        volunteer_page(session, actor=coordinator, page=2, size=3)
    assert len(seen) == 3 and len(whole) == 7
