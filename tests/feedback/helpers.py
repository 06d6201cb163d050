"""A visit just held, logged by its volunteer, so the feedback question is asked (sessions.log_session)."""

from __future__ import annotations

from datetime import timedelta

from listening import sessions
from listening.models import Outcome, Resident, Visit, utcnow
from listening.sessions.logs import LogResult, SessionLogInput
from tests import factories
from tests.factories.session_factories import visit

ABROAD = "+85291234567"  # Hong Kong: Twilio can receive its replies
MAINLAND = "+8613912345678"


def resident(session, *, phone: str = ABROAD, sms: bool = True, locale: str = "zh_CN") -> Resident:
    return factories.resident(session, name="林阿姨", phone=phone, consented_at=utcnow() - timedelta(days=30),
                              sms_consent=sms, locale=locale)


def held_visit(session, *, who: Resident, volunteer, starts_at=None) -> tuple[Visit, LogResult]:
    """A confirmed visit of `who` two hours ago with `volunteer` (account, row), logged as held now."""
    account, row = volunteer
    now = utcnow()
    v = visit(session, volunteers=[row], resident_row=who, starts_at=starts_at or now - timedelta(hours=2))
    start = v.starts_at + timedelta(minutes=5)
    result = sessions.log_session(session, actor=account, visit_id=v.id, now=now,
                                  entry=SessionLogInput(outcome=Outcome.held, actual_start=start,
                                                        actual_end=start + timedelta(minutes=50),
                                                        mood_before=3, mood_after=4))
    session.flush()
    return v, result
