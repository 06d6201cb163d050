"""What the coordinator's supervision page shows for one volunteer, read in one go."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from listening.core.errors import NotFound
from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Role, Volunteer, VolunteerDeparture, VolunteerPause
from listening.supervision.competencies import CompetencyState, competency_states
from listening.supervision.sessions import SupervisionRecord, supervision_record
from listening.volunteers.lifecycle import open_pause


@dataclass(frozen=True)
class VolunteerSupervision:
    volunteer: Volunteer
    competencies: list[CompetencyState]
    record: SupervisionRecord
    pause: VolunteerPause | None  # the open one
    departure: VolunteerDeparture | None


def volunteer_supervision(session: Session, *, actor: Account, volunteer_id: int) -> VolunteerSupervision:
    require_role(actor, Role.coordinator)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(N_("There is no volunteer with the number {id}."), id=volunteer_id)
    departure = session.exec(select(VolunteerDeparture).where(VolunteerDeparture.volunteer_id == volunteer_id)).first()
    return VolunteerSupervision(volunteer, competency_states(session, volunteer_id=volunteer_id),
                                supervision_record(session, volunteer_id=volunteer_id),
                                open_pause(session, volunteer_id), departure)
