"""The request form's widgets, shared by the public request page and the coordinator's entry on behalf."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta

import streamlit as st
from babel.dates import get_day_names
from babel.lists import format_list

from listening.core import clock
from listening.core.db import session_scope
from listening.core.errors import InvalidForm, InvalidInput
from listening.core.i18n import N_, _, format_date, format_short_date, get_locale
from listening.core.text import clean_typed
from listening.models import Gender, Language, Mode, PartOfDay
from listening.residents import intake
from listening.residents.communities import all_communities, community_name
from listening.residents.intake import RequestForm
from listening.safeguarding import hotlines
from ui.format import label
from ui.inert import md

PART_OF_DAY_LABELS = {
    PartOfDay.morning: N_("morning (8:00-12:00)"),
    PartOfDay.afternoon: N_("afternoon (12:00-18:00)"),
    PartOfDay.evening: N_("evening (18:00-21:00)"),
}
PART_OF_DAY_SHORT = {PartOfDay.morning: N_("mornings"), PartOfDay.afternoon: N_("afternoons"),
                     PartOfDay.evening: N_("evenings")}
DATE_CHOICES_DAYS = 28


def weekday_name(weekday: int) -> str:
    return get_day_names("wide", locale=get_locale())[weekday]


def window_text(window: intake.Window) -> str:
    when = weekday_name(window.weekday) if window.weekday is not None else format_date(window.on_date)
    return f"{when} {_(PART_OF_DAY_LABELS[window.part_of_day])}"


def windows_summary(windows: Iterable[intake.Window]) -> str:
    """The wished times in one short line for a table: days that share the same parts of the day go together,
    e.g. "周一、周三：上午、下午；12月5日 周六：晚上" / "Mon and Wed: mornings, afternoons; Sat 5 Dec: evenings"."""
    parts_by_day: dict[tuple, list[PartOfDay]] = {}
    for window in windows:
        day = (0, window.weekday, None) if window.weekday is not None else (1, 0, window.on_date)
        parts_by_day.setdefault(day, []).append(window.part_of_day)
    days_by_parts: dict[tuple[PartOfDay, ...], list[tuple]] = {}
    for day, parts in sorted(parts_by_day.items()):
        days_by_parts.setdefault(tuple(p for p in PartOfDay if p in parts), []).append(day)
    locale = get_locale()

    def day_text(day: tuple) -> str:
        return get_day_names("abbreviated", locale=locale)[day[1]] if day[0] == 0 else format_short_date(day[2])

    groups = [_("{days}: {parts}", days=format_list([day_text(d) for d in days], locale=locale),
                parts=format_list([_(PART_OF_DAY_SHORT[p]) for p in parts], locale=locale))
              for parts, days in days_by_parts.items()]
    return _("; ").join(groups)


def crisis_card() -> None:
    """Shown at once when the text suggests danger: listening volunteers are not a crisis service."""
    numbers = "\n".join(f"- **{line.number}** · {line.name} ({line.hours})" for line in hotlines())
    st.error(_("If you or someone near you is in danger now, please call one of these numbers at once. Our "
               "volunteers listen, but they are not a crisis service; a coordinator will also look at your "
               "request first.") + "\n\n" + numbers, icon="🆘")


@dataclass(frozen=True)
class FieldProblems:
    """The problems of the last press of "send", each shown under its field while that field still holds what
    was sent (a field the person has changed since loses its message)."""

    problems: dict[str, InvalidInput] = dataclass_field(default_factory=dict)
    sent: dict[str, tuple] = dataclass_field(default_factory=dict)

    @classmethod
    def of(cls, error: InvalidInput, form: RequestForm) -> FieldProblems:
        problems = error.problems if isinstance(error, InvalidForm) else {error.field or "": error}
        return cls(problems=problems, sent=field_values(form))

    def still_open(self, form: RequestForm) -> int:
        """How many of the problems are still shown: their fields hold what was sent."""
        now = field_values(form)
        return sum(1 for field in self.problems if self.sent.get(field) == now.get(field))

    def show(self, field: str, *current: object) -> None:
        problem = self.problems.get(field)
        if problem is not None and self.sent.get(field) == current:
            st.error(problem.translated(escape=md), icon=":material/error:")


def field_values(form: RequestForm) -> dict[str, tuple]:
    """What each field's message depends on (a phone's message also on the text-message choice)."""
    return {"display_name": (form.display_name,), "phone": (form.phone, form.sms_consent),
            "community": (form.community_code or None,), "mode": (form.mode,), "address": (form.address,),
            "language": (form.language,), "weekdays": (form.weekdays, form.dates), "dates": (form.dates,),
            "parts_of_day": (form.parts_of_day,), "gender_wish": (form.gender_wish,), "topic": (form.topic,),
            "sensitive_consent": (form.sensitive_consent,)}


# Each widget's empty value, keyed by its name after the form's prefix.
EMPTY_VALUES = {"name": "", "phone": "", "community": None, "mode": None, "address": "", "language": None,
                "weekdays": [], "dates": [], "parts": [], "gender": None, "same": False, "topic": ""}


def clear(prefix: str, *checkboxes: str) -> None:
    """A fresh form on the next run: the widgets keyed by `prefix` (and the `checkboxes`) show nothing entered.

    Popping their keys is not enough: a real browser sends the values it shows back with the next run (AppTest
    does not). Values set in Session State before the widgets exist are what the browser then shows."""
    st.session_state[f"{prefix}_clear"] = checkboxes


def _clear_if_asked(prefix: str) -> None:
    checkboxes = st.session_state.pop(f"{prefix}_clear", None)
    if checkboxes is None:
        return
    for name, empty in EMPTY_VALUES.items():
        st.session_state[f"{prefix}_{name}"] = list(empty) if isinstance(empty, list) else empty
    for key in checkboxes:
        st.session_state[key] = False


def form_fields(prefix: str, problems: FieldProblems | None = None) -> RequestForm:
    """The widgets, keyed by `prefix`; returns what was entered (checked later by the service). `problems` are the
    last send's, each shown under its own field; the topic's length is checked as it is typed."""
    problems = problems or FieldProblems()
    _clear_if_asked(prefix)
    with session_scope() as session:
        communities = all_communities(session)
    today = clock.today()
    name = st.text_input(_("Your name or a nickname"), max_chars=intake.NAME_MAX, key=f"{prefix}_name")
    problems.show("display_name", name)
    phone = st.text_input(_("Phone number (a mobile for text messages)"), key=f"{prefix}_phone", placeholder="138 0000 0000")
    sms_consent = st.session_state.get(f"{prefix}_sms_consent", False)
    problems.show("phone", phone, sms_consent)
    community = st.selectbox(_("Your community"), [c.code for c in communities], index=None,
                             format_func=lambda code: next(community_name(c) for c in communities if c.code == code),
                             placeholder=_("Choose"), key=f"{prefix}_community")
    problems.show("community", community)
    mode = st.radio(_("How would you like to talk?"), list(Mode), format_func=label, index=None, horizontal=True,
                    key=f"{prefix}_mode")
    problems.show("mode", mode)
    address = ""
    if mode == Mode.home:
        address = st.text_input(_("Address for the home visit"), max_chars=intake.ADDRESS_MAX,
                                key=f"{prefix}_address")
        problems.show("address", address)
    language = st.selectbox(_("Language or dialect"), list(Language), format_func=label, index=None,
                            placeholder=_("Choose"), key=f"{prefix}_language")
    problems.show("language", language)
    st.markdown("**" + _("When suits you?") + "**")  # an f-string would hide the message from extraction
    st.caption(_("Choose weekdays, or specific dates, and the parts of the day."))
    weekdays = st.multiselect(_("Weekdays"), list(range(7)), format_func=weekday_name, key=f"{prefix}_weekdays",
                              placeholder=_("Choose"), select_all=False)
    dates = st.multiselect(_("Or specific dates"), [today + timedelta(days=n) for n in range(1, DATE_CHOICES_DAYS)],
                           format_func=format_date, key=f"{prefix}_dates",
                           max_selections=intake.MAX_DATES, placeholder=_("Choose"), select_all=False)
    problems.show("weekdays", weekdays, dates)
    problems.show("dates", dates)
    parts = st.multiselect(_("Parts of the day"), list(PartOfDay), format_func=lambda p: _(PART_OF_DAY_LABELS[p]),
                           key=f"{prefix}_parts", placeholder=_("Choose"), select_all=False)
    problems.show("parts_of_day", parts)
    gender = st.selectbox(_("Volunteer's gender (optional)"), [None, Gender.female, Gender.male],
                          format_func=lambda g: _("no preference") if g is None else label(g),
                          placeholder=_("Choose"), key=f"{prefix}_gender")
    problems.show("gender_wish", gender)
    same = st.checkbox(_("I would like to see the same volunteer as last time, if possible"), key=f"{prefix}_same")
    topic = st.text_area(_("What would you like to talk about? (optional)"), max_chars=intake.TOPIC_TYPED_MAX,
                         key=f"{prefix}_topic")
    if too_long := intake.topic_problem(topic):  # at once, with what was typed kept in the box
        st.error(too_long.translated(), icon=":material/error:")
        st.caption(_("{count} of at most {n} characters", count=len(clean_typed(topic, multiline=True)),
                     n=intake.TOPIC_MAX))
    return RequestForm(display_name=name, phone=phone, community_code=community or "", mode=mode,
                       language=language, weekdays=weekdays, dates=dates, parts_of_day=parts, address=address,
                       gender_wish=gender, wants_same_volunteer=same, topic=topic)
