"""Volunteers as coordinators see them: the list, with phone numbers masked and communities by name."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from listening.core.errors import NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_, get_locale
from listening.core.paging import PAGE_SIZE, Page, page_number
from listening.core.permissions import require_role
from listening.core.phones import mask
from listening.models import Account, Community, Gender, Language, Role, Volunteer, VolunteerLanguage, VolunteerStatus


class VolunteerPublic(BaseModel):
    id: int
    full_name: str
    gender: Gender
    community_code: str
    community: str  # the community's name in the language current when listed
    languages: list[Language]
    status: VolunteerStatus
    phone_masked: str
    joined_on: date


def languages_by_volunteer(session: Session) -> dict[int, list[Language]]:
    result: dict[int, list[Language]] = {}
    for row in session.exec(select(VolunteerLanguage)):
        result.setdefault(row.volunteer_id, []).append(row.language)
    return result


def list_volunteers(session: Session, *, actor: Account, search: str | None = None) -> list[VolunteerPublic]:
    require_role(actor, Role.coordinator)
    query = select(Volunteer, Community).join(Community).order_by(col(Volunteer.full_name), col(Volunteer.id))
    if search:
        query = query.where(col(Volunteer.full_name).contains(search.strip()))
    languages = languages_by_volunteer(session)
    return [
        VolunteerPublic(
            id=volunteer.id,
            full_name=volunteer.full_name,
            gender=volunteer.gender,
            community_code=community.code,
            # as residents.communities.community_name (importing it here would import the residents package)
            community=community.name_zh if get_locale() == DEFAULT_LOCALE else community.name_en,
            languages=sorted(languages.get(volunteer.id, []), key=list(Language).index),  # Mandarin first
            status=volunteer.status,
            phone_masked=mask(volunteer.phone),
            joined_on=volunteer.joined_on,
        )
        for volunteer, community in session.exec(query)
    ]


def volunteer_page(session: Session, *, actor: Account, search: str | None = None, page: int = 1,
                   size: int = PAGE_SIZE) -> Page[VolunteerPublic]:
    """One page of list_volunteers (same order, same search) and how many there are: a count, the page's rows and
    their languages, so a district's two thousand volunteers are not read to show fifty."""
    require_role(actor, Role.coordinator)
    where = [col(Volunteer.full_name).contains(search.strip())] if search else []
    total = session.exec(select(func.count()).select_from(Volunteer).where(*where)).one()
    number = page_number(page, total, size)
    rows = session.exec(select(Volunteer, Community).join(Community).where(*where)
                        .order_by(col(Volunteer.full_name), col(Volunteer.id))
                        .offset((number - 1) * size).limit(size)).all()
    languages: dict[int, list[Language]] = {}
    for volunteer_id, language in session.exec(
            select(VolunteerLanguage.volunteer_id, VolunteerLanguage.language)
            .where(col(VolunteerLanguage.volunteer_id).in_([v.id for v, _c in rows]))):
        languages.setdefault(volunteer_id, []).append(language)
    return Page(tuple(_public(volunteer, community, languages) for volunteer, community in rows), total, number, size)


def _public(volunteer: Volunteer, community: Community, languages: dict[int, list[Language]]) -> VolunteerPublic:
    return VolunteerPublic(
        id=volunteer.id, full_name=volunteer.full_name, gender=volunteer.gender, community_code=community.code,
        # as residents.communities.community_name (importing it here would import the residents package)
        community=community.name_zh if get_locale() == DEFAULT_LOCALE else community.name_en,
        languages=sorted(languages.get(volunteer.id, []), key=list(Language).index),  # Mandarin first
        status=volunteer.status, phone_masked=mask(volunteer.phone), joined_on=volunteer.joined_on)


def volunteer_names(session: Session, *, actor: Account, search: str | None = None) -> dict[int, str]:
    """Every volunteer's name by id (or those list_volunteers finds for `search`), in its order, for a page's
    choosers: one statement of two columns (list_volunteers reads languages, communities and phones)."""
    require_role(actor, Role.coordinator)
    query = select(Volunteer.id, Volunteer.full_name).order_by(col(Volunteer.full_name), col(Volunteer.id))
    if search:
        query = query.where(col(Volunteer.full_name).contains(search.strip()))
    return dict(session.exec(query).all())


def volunteer_of(session: Session, account: Account) -> Volunteer:
    """The volunteer record behind a volunteer's account."""
    require_role(account, Role.volunteer)
    volunteer = session.exec(select(Volunteer).where(Volunteer.account_id == account.id)).first()
    if volunteer is None:
        raise NotFound(N_("No volunteer record is linked to this account. Ask a coordinator."))
    return volunteer
