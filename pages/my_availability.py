from datetime import time, timedelta

import streamlit as st

from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date
from listening.models import Role
from listening.volunteers import availability
from ui import actions, shell
from ui.inert import md

account = shell.require(Role.volunteer)
st.title(_("My availability"))
st.caption(_("Your weekly windows, time off and hour cap decide when the coordinator may match you. Visits are one "
             "hour and start on the hour; all times are Shenzhen time."))

actions.show_flash()


try:
    with session_scope() as session:
        mine = availability.overview(session, actor=account)
        weeks = availability.preview(session, actor=account, weeks=4)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

weekday_name = lambda d: _(availability.WEEKDAYS[d])  # noqa: E731

# ----- weekly cap ---------------------------------------------------------------------------------------------
st.subheader(_("Weekly hour cap"))
with st.form("cap_form"):
    cap = st.number_input(_("At most this many hours a week"), min_value=availability.MIN_CAP,
                          max_value=availability.MAX_CAP, value=mine.weekly_hour_cap, step=1, key="cap")
    if st.form_submit_button(_("Save the cap")):
        actions.run(availability.set_weekly_cap, actor=account, hours=int(cap), success=_("Your weekly cap is saved."))

# ----- weekly windows -----------------------------------------------------------------------------------------
st.subheader(_("Weekly windows"))
if not mine.rules:
    st.caption(_("No windows yet: add the times you can usually give."))
for rule in mine.rules:
    row = st.columns([5, 1])
    until = format_date(rule.valid_until) if rule.valid_until else _("no end date")
    row[0].markdown(_("**{day}** {start}-{end} · from {first} · until {last}", day=weekday_name(rule.weekday),
                      start=rule.start_time.strftime("%H:%M"), end=rule.end_time.strftime("%H:%M"),
                      first=format_date(rule.valid_from), last=until))
    if row[1].button(_("Remove"), key=f"remove_rule_{rule.id}"):
        actions.run(availability.remove_rule, actor=account, rule_id=rule.id, success=_("The window is removed."))

with st.form("rule_form"):
    st.markdown(_("Add a window"))
    cols = st.columns(3)
    weekday = cols[0].selectbox(_("Day"), range(7), format_func=weekday_name, key="rule_weekday",
                                placeholder=_("Choose"))
    start = cols[1].time_input(_("From"), value=time(19), step=timedelta(hours=1), key="rule_start")
    end = cols[2].time_input(_("To"), value=time(21), step=timedelta(hours=1), key="rule_end")
    cols = st.columns(3)
    first = cols[0].date_input(_("Starting"), value=weeks[0][0] + timedelta(days=0), key="rule_from")
    has_end = cols[1].checkbox(_("Until a date"), key="rule_has_end")
    last = cols[2].date_input(_("Last day"), value=weeks[-1][0] + timedelta(days=6), key="rule_until")
    if st.form_submit_button(_("Add the window")):
        actions.run(availability.add_rule, actor=account, weekday=weekday, start_time=start, end_time=end,
                    valid_from=first, valid_until=last if has_end else None, success=_("The window is added."))

# ----- time off -----------------------------------------------------------------------------------------------
st.subheader(_("Time off"))
if not mine.exceptions:
    st.caption(_("No time off planned."))
for off in mine.exceptions:
    row = st.columns([5, 1])
    first_day, last_day = availability.local_days(off)
    period = _("{first} to {last}", first=format_date(first_day), last=format_date(last_day))
    row[0].markdown(" · ".join([period, md(off.reason)] if off.reason else [period]))
    if row[1].button(_("Remove"), key=f"remove_off_{off.id}"):
        actions.run(availability.remove_exception, actor=account, exception_id=off.id,
                    success=_("The time off is removed."))

with st.form("off_form"):
    st.markdown(_("Add time off (whole days)"))
    cols = st.columns(3)
    first_off = cols[0].date_input(_("First day"), value=weeks[0][0] + timedelta(days=7), key="off_first")
    last_off = cols[1].date_input(_("Last day"), value=weeks[0][0] + timedelta(days=7), key="off_last")
    reason = cols[2].text_input(_("Reason (optional, only you and the coordinators see it)"), max_chars=200,
                                key="off_reason")
    if st.form_submit_button(_("Add the time off")):
        actions.run(availability.add_time_off, actor=account, first_day=first_off, last_day=last_off, reason=reason,
                    success=_("The time off is added."))

# ----- preview ------------------------------------------------------------------------------------------------
st.subheader(_("The coming weeks"))
symbols = {availability.SlotState.free: "🟢", availability.SlotState.booked: "🔵",
           availability.SlotState.away: "⚪", "": ""}
st.caption(_("🟢 free for matching · 🔵 a visit is booked · ⚪ time off"))
tabs = st.tabs([_("Week of {date}", date=format_date(week_start)) for week_start, _grid in weeks])
for tab, (week_start, grid) in zip(tabs, weeks):
    shown = grid.apply(lambda column: column.map(symbols))
    shown.columns = [format_date(day, "EEE M/d") for day in grid.columns]
    with tab:
        st.dataframe(shown, width="stretch", height=35 * (len(shown) + 1) + 3)
