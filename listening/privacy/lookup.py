"""Finding one resident for the privacy page: by name, by the last digits of the number, or by request number."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listening.core import phones
from listening.core.permissions import require_role
from listening.models import Account, ListeningRequest, Resident, Role
from listening.privacy import views

MAX_FOUND = 50


@dataclass(frozen=True)
class FoundResident:
    id: int
    name: str
    phone_masked: str


def find_residents(session: Session, *, actor: Account, text: str) -> list[FoundResident]:
    """Residents whose name contains `text`, whose number ends with it, or whose request has that number."""
    require_role(actor, Role.coordinator)
    text = (text or "").strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [col(Resident.display_name).contains(text)]
    if len(digits) >= 4:
        conditions.append(col(Resident.phone).endswith(digits))
    if digits and digits == text.lstrip("#"):
        conditions.append(col(Resident.id).in_(select(ListeningRequest.resident_id)
                                               .where(ListeningRequest.id == int(digits))))
    rows = session.exec(select(Resident).where(sa.or_(*conditions)).order_by(col(Resident.display_name),
                                                                            col(Resident.id)).limit(MAX_FOUND)).all()
    views.record_view(session, viewer=actor, resident_ids=[r.id for r in rows], context=views.ViewContext.privacy)
    return [FoundResident(id=r.id, name=r.display_name, phone_masked=phones.mask(r.phone)) for r in rows]
