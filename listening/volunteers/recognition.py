"""Recognition milestones: the hours a volunteer has listened, and the next round number to reach."""

from __future__ import annotations

from dataclasses import dataclass

MILESTONES = (50, 100, 300)


@dataclass(frozen=True)
class Recognition:
    hours: float
    reached: tuple[int, ...]  # the milestones passed, smallest first
    next_milestone: int | None  # None once the last is passed

    @property
    def hours_to_next(self) -> float | None:
        return None if self.next_milestone is None else round(self.next_milestone - self.hours, 1)


def recognition(hours: float) -> Recognition:
    """A milestone counts as reached on the hour itself: 50.0 hours has reached 50."""
    reached = tuple(m for m in MILESTONES if hours >= m)
    upcoming = [m for m in MILESTONES if hours < m]
    return Recognition(round(hours, 2), reached, upcoming[0] if upcoming else None)
