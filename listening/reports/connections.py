"""Outcomes beside hours: residents a volunteer connected to a community activity, and whether they went.

The period holds the suggestions made in it (local days). A resident counts once however many activities they were
given: "connected" when a follow-up says they went (at two or six weeks), "still attending" when the six-week
follow-up says they still go. Everything is counted in SQL; `empty_reason` says why a chart would be empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from listening.core.i18n import N_
from listening.core.permissions import require_role
from listening.models import Account, Activity, ActivityFollowUp, ActivitySuggestion, FollowUpAnswer, Role
from listening.reports.sessions import report_period

KIND_COLUMNS = ("kind", "residents", "went", "still_attending")
NO_SUGGESTIONS = N_("No activity was suggested in a session log in this period.")
NO_ANSWERS_YET = N_("Activities were suggested in this period, but no follow-up is recorded yet: the first is "
                    "due two weeks after the suggestion.")


@dataclass(frozen=True)
class ConnectionFigures:
    suggestions: int
    residents_suggested: int
    residents_connected: int  # went, at two or six weeks
    residents_still_attending: int  # still going at six weeks
    follow_ups_recorded: int
    by_kind: pd.DataFrame  # KIND_COLUMNS, residents counted per kind of activity

    @property
    def empty_reason(self) -> str | None:
        """Why the outcome chart shows nothing (an English msgid), or None when it has something to show."""
        if not self.suggestions:
            return NO_SUGGESTIONS
        if not self.follow_ups_recorded:
            return NO_ANSWERS_YET
        return None


def connection_figures(session: Session, *, actor: Account, start: date, end: date) -> ConnectionFigures:
    require_role(actor, Role.coordinator)
    report_period(start, end, None)  # the reports' limits: in order, at most MAX_REPORT_DAYS
    two, six = aliased(ActivityFollowUp), aliased(ActivityFollowUp)
    went = sa.or_(two.answer == FollowUpAnswer.went, six.answer == FollowUpAnswer.went)
    resident = col(ActivitySuggestion.resident_id)
    counts = (sa.func.count(sa.distinct(resident)),
              sa.func.count(sa.distinct(sa.case((went, resident)))),
              sa.func.count(sa.distinct(sa.case((six.answer == FollowUpAnswer.went, resident)))))
    base = (select(ActivitySuggestion.id)
            .join(Activity, col(Activity.id) == col(ActivitySuggestion.activity_id))
            .outerjoin(two, sa.and_(two.suggestion_id == ActivitySuggestion.id, two.weeks == 2))
            .outerjoin(six, sa.and_(six.suggestion_id == ActivitySuggestion.id, six.weeks == 6))
            .where(col(ActivitySuggestion.suggested_on) >= start, col(ActivitySuggestion.suggested_on) <= end))
    total = session.execute(base.with_only_columns(
        sa.func.count(sa.distinct(ActivitySuggestion.id)), *counts,
        sa.func.count(two.suggestion_id) + sa.func.count(six.suggestion_id))).one()
    rows = session.execute(base.with_only_columns(Activity.kind, *counts).group_by(Activity.kind)
                           .order_by(Activity.kind)).all()
    by_kind = pd.DataFrame([(kind.value if hasattr(kind, "value") else kind, *n) for kind, *n in rows],
                           columns=list(KIND_COLUMNS))
    return ConnectionFigures(suggestions=total[0], residents_suggested=total[1], residents_connected=total[2],
                             residents_still_attending=total[3], follow_ups_recorded=total[4], by_kind=by_kind)
