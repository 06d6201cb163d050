"""Small builders for test data. Each takes a session and returns the saved row."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from listening.models import Account, Community, Gender, Language, Role, Volunteer, VolunteerLanguage
from listening.residents.communities import sync_communities
from listening.staff.auth import create_account

PASSWORD = "correct horse battery"


def community(session: Session, code: str = "yuehai") -> Community:
    sync_communities(session)
    return session.exec(select(Community).where(Community.code == code)).one()


def coordinator(session: Session, username: str = "coord") -> Account:
    return create_account(session, username=username, password=PASSWORD, display_name="王芳", role=Role.coordinator)


def volunteer(session: Session, username: str | None = "vol", *, name: str = "陈静",
              languages: tuple[Language, ...] = (Language.mandarin,), phone: str = "+8613900001234",
              community_code: str = "yuehai") -> tuple[Account | None, Volunteer]:
    account = None
    if username:
        account = create_account(session, username=username, password=PASSWORD, display_name=name,
                                 role=Role.volunteer)
    row = Volunteer(account_id=account.id if account else None, full_name=name, gender=Gender.female, phone=phone,
                    community_id=community(session, community_code).id, joined_on=date(2026, 1, 5))
    session.add(row)
    session.flush()
    for language in languages:
        session.add(VolunteerLanguage(volunteer_id=row.id, language=language))
    session.flush()
    return account, row
