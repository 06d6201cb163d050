"""Volunteers: their profiles, their training ladder and records, and the hours they can give (availability)."""

from listening.volunteers.profiles import (
    VolunteerPublic,
    languages_by_volunteer,
    list_volunteers,
    volunteer_names,
    volunteer_of,
    volunteer_page,
)

__all__ = ["VolunteerPublic", "languages_by_volunteer", "list_volunteers", "volunteer_names", "volunteer_of",
           "volunteer_page"]
