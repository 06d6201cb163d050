"""The centre's catalogue of real activities and groups: a coordinator adds, edits, retires and restores them.

An activity is never deleted: suggestions and the outcome figures point at it. Its details go into an SMS to a
resident as typed, so they are short, hold no link, and are checked here once rather than at every send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from listening.core import audit
from listening.core.audit import AuditAction
from listening.core.errors import IllegalTransition, InvalidInput, NotFound
from listening.core.i18n import DEFAULT_LOCALE, N_
from listening.core.permissions import require_role
from listening.core.text import clean_typed
from listening.models import (
    Account,
    Activity,
    ActivityKind,
    ActivityLanguage,
    Community,
    Language,
    Role,
    utcnow,
)

# Lengths that keep the activity SMS to three Chinese segments at most (tests/sms/test_templates.py).
LIMITS = {"name_zh": 20, "name_en": 40, "place": 30, "schedule": 20, "cost": 12, "accessibility": 200}
_LINK = re.compile(r"https?://|www\.|\.com|\.cn|\.net", re.IGNORECASE)  # carriers refuse SMS with links
_SMS_FIELDS = ("name_zh", "name_en", "place", "schedule", "cost")
_MISSING = {"name_zh": N_("Enter the activity's Chinese name."), "place": N_("Enter where the activity takes place."),
            "schedule": N_("Enter when the activity takes place.")}
_TOO_LONG = {"name_zh": N_("Keep the Chinese name under {n} characters: it goes into an SMS."),
             "name_en": N_("Keep the English name under {n} characters: it goes into an SMS."),
             "place": N_("Keep the place under {n} characters: it goes into an SMS."),
             "schedule": N_("Keep the time under {n} characters: it goes into an SMS."),
             "cost": N_("Keep the cost under {n} characters: it goes into an SMS."),
             "accessibility": N_("Keep the accessibility notes under {n} characters.")}
# The fields an audit event may name as changed.
FIELD_LABELS = {"name_zh": N_("Name (Chinese)"), "name_en": N_("Name (English)"), "place": N_("Place"),
                "schedule": N_("Time"), "cost": N_("Cost"), "accessibility": N_("Accessibility")}


@dataclass
class ActivityInput:
    name_zh: str
    kind: ActivityKind
    community_id: int
    place: str
    schedule: str
    contact_id: int
    name_en: str = ""
    free: bool = True
    cost: str = ""
    accessibility: str = ""
    languages: list[Language] = field(default_factory=lambda: [Language.mandarin])


@dataclass(frozen=True)
class ActivityView:
    id: int
    name_zh: str
    name_en: str | None
    kind: ActivityKind
    community_code: str
    place: str
    schedule: str
    free: bool
    cost: str | None
    contact_id: int
    contact_name: str
    accessibility: str
    languages: tuple[Language, ...]
    retired: bool

    def name(self, locale: str) -> str:
        return self.name_zh if locale == DEFAULT_LOCALE or not self.name_en else self.name_en


def _clean(session: Session, entry: ActivityInput) -> dict:
    values = {"name_zh": clean_typed(entry.name_zh), "name_en": clean_typed(entry.name_en),
              "place": clean_typed(entry.place), "schedule": clean_typed(entry.schedule),
              "cost": clean_typed(entry.cost) if not entry.free else "",
              "accessibility": clean_typed(entry.accessibility, multiline=True)}
    for name in ("name_zh", "place", "schedule"):
        if not values[name]:
            raise InvalidInput(_MISSING[name], field=name)
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise InvalidInput(_TOO_LONG[name], field=name, n=limit)
    for name in _SMS_FIELDS:
        if _LINK.search(values[name]):
            raise InvalidInput(N_("No web address in an activity's details: text messages with links are "
                                  "refused."), field=name)
    try:
        kind = ActivityKind(entry.kind)
    except ValueError:
        raise InvalidInput(N_("Choose what kind of activity it is."), field="kind") from None
    if session.get(Community, entry.community_id) is None:
        raise InvalidInput(N_("Choose the community."), field="community_id")
    contact = session.get(Account, entry.contact_id)
    if contact is None or contact.role != Role.coordinator or not contact.is_active:
        raise InvalidInput(N_("Choose a coordinator as the contact at the centre."), field="contact_id")
    languages = list(dict.fromkeys(Language(language) for language in entry.languages))
    if not languages:
        raise InvalidInput(N_("Choose at least one language spoken at the activity."), field="languages")
    values.update(kind=kind, community_id=entry.community_id, contact_id=entry.contact_id, free=bool(entry.free),
                  name_en=values["name_en"] or None, cost=values["cost"] or None)
    return values | {"languages": languages}


def _set_languages(session: Session, activity_id: int, languages: list[Language]) -> None:
    for row in session.exec(select(ActivityLanguage).where(ActivityLanguage.activity_id == activity_id)):
        session.delete(row)
    session.flush()
    for language in languages:
        session.add(ActivityLanguage(activity_id=activity_id, language=language))


def add_activity(session: Session, *, actor: Account, entry: ActivityInput, now: datetime | None = None) -> Activity:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    values = _clean(session, entry)
    languages = values.pop("languages")
    activity = Activity(**values, created_by=actor.id, created_at=now, updated_at=now)
    session.add(activity)
    session.flush()
    _set_languages(session, activity.id, languages)
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_added, entity="activity",
                 entity_id=activity.id, at=now, details={"activity_kind": activity.kind.value})
    return activity


def _activity(session: Session, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(N_("There is no activity with the number {id}."), id=activity_id)
    return activity


def update_activity(session: Session, *, actor: Account, activity_id: int, entry: ActivityInput,
                    now: datetime | None = None) -> Activity:
    """Change an activity's details; the audit says which fields changed, never their text."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    activity = _activity(session, activity_id)
    values = _clean(session, entry)
    languages = values.pop("languages")
    changed = [name for name, value in values.items() if getattr(activity, name) != value]
    if sorted(languages) != sorted(_languages(session, [activity.id]).get(activity.id, ())):
        changed.append("languages")
        _set_languages(session, activity.id, languages)
    if not changed:
        raise IllegalTransition(N_("Nothing was changed."))
    for name, value in values.items():
        setattr(activity, name, value)
    activity.updated_at = now
    session.add(activity)
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_updated, entity="activity",
                 entity_id=activity.id, at=now, details={"fields": changed})
    return activity


def retire_activity(session: Session, *, actor: Account, activity_id: int, now: datetime | None = None) -> Activity:
    """No longer offered (the group stopped, moved, or the centre cannot vouch for it): it leaves the log form."""
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    activity = _activity(session, activity_id)
    if activity.retired_at is not None:
        raise IllegalTransition(N_("This activity is already retired."))
    activity.retired_at, activity.updated_at = now, now
    session.add(activity)
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_retired, entity="activity",
                 entity_id=activity.id, at=now)
    return activity


def restore_activity(session: Session, *, actor: Account, activity_id: int, now: datetime | None = None) -> Activity:
    require_role(actor, Role.coordinator)
    now = now or utcnow()
    activity = _activity(session, activity_id)
    if activity.retired_at is None:
        raise IllegalTransition(N_("This activity is in the catalogue already."))
    activity.retired_at, activity.updated_at = None, now
    session.add(activity)
    audit.record(session, actor_id=actor.id, action=AuditAction.activity_restored, entity="activity",
                 entity_id=activity.id, at=now)
    return activity


def _languages(session: Session, ids: list[int]) -> dict[int, tuple[Language, ...]]:
    found: dict[int, list[Language]] = {}
    if ids:
        for row in session.exec(select(ActivityLanguage).where(col(ActivityLanguage.activity_id).in_(ids))):
            found.setdefault(row.activity_id, []).append(row.language)
    return {i: tuple(sorted(languages, key=list(Language).index)) for i, languages in found.items()}


def catalogue(session: Session, *, actor: Account, include_retired: bool = False) -> list[ActivityView]:
    """The catalogue by community then name. Volunteers read it too: the log form offers the current ones."""
    require_role(actor, Role.coordinator, Role.volunteer)
    query = (select(Activity, Community.code, Account.display_name)
             .join(Community, col(Community.id) == col(Activity.community_id))
             .join(Account, col(Account.id) == col(Activity.contact_id))
             .order_by(col(Activity.retired_at).is_not(None), col(Community.code), col(Activity.name_zh)))
    if not include_retired:
        query = query.where(col(Activity.retired_at).is_(None))
    rows = session.exec(query).all()
    languages = _languages(session, [a.id for a, _, _ in rows])
    return [ActivityView(a.id, a.name_zh, a.name_en, a.kind, code, a.place, a.schedule, a.free, a.cost, a.contact_id,
                         contact, a.accessibility, languages.get(a.id, ()), a.retired_at is not None)
            for a, code, contact in rows]


def coordinators(session: Session, *, actor: Account) -> list[Account]:
    """Who can be an activity's contact at the centre."""
    require_role(actor, Role.coordinator)
    return list(session.exec(select(Account).where(Account.role == Role.coordinator, Account.is_active)
                             .order_by(col(Account.display_name))))
