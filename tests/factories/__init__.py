"""Small builders for test data. Each takes a session and returns the saved row.

Visits ready to be logged are in `session_factories`, residents with SMS visits in `sms_helpers`."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, func, select

from listening.core.i18n import DEFAULT_LOCALE
from listening.models import (
    Account,
    Community,
    Competency,
    CompetencySignoff,
    Gender,
    Language,
    ObservedIn,
    Resident,
    Role,
    VettingStep,
    VettingStepKind,
    Volunteer,
    VolunteerLanguage,
)
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
              community_code: str = "yuehai", vetted: bool = True) -> tuple[Account | None, Volunteer]:
    """A volunteer; vetted unless told otherwise, as every volunteer from before vetting was (migration 0010)."""
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
    for kind in VettingStepKind if vetted else ():
        session.add(VettingStep(volunteer_id=row.id, kind=kind, done_on=row.joined_on))
    session.flush()
    return account, row


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def resident(session: Session, *, name: str = "李阿姨", phone: str = "+8613900005678", community_code: str = "yuehai",
             consented_at: datetime, sms_consent: bool = True, locale: str = DEFAULT_LOCALE) -> Resident:
    """A resident who gave sensitive-data consent (and SMS consent unless told otherwise) at `consented_at`."""
    row = Resident(display_name=name, phone=phone, community_id=community(session, community_code).id, locale=locale,
                   sensitive_consent_at=consented_at, sms_consent_at=consented_at if sms_consent else None)
    session.add(row)
    session.flush()
    return row


def signed_competencies(session: Session, volunteer: Volunteer, *, on: date,
                        competencies: tuple[Competency, ...] = tuple(Competency)) -> None:
    """Every competency (or those given) signed off in a role-play on `on`, as the ladder needs for "active"."""
    for competency in competencies:
        session.add(CompetencySignoff(volunteer_id=volunteer.id, competency=competency,
                                      observed_in=ObservedIn.role_play, observed_on=on))
    session.flush()
