"""Concerns and actions: each tracked concern from its first signal to proof that the response worked, overdue
actions first; registered managers and quality leads record recognition and actions, senior leaders read."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.response import STATES
from analytics.safe_output import plain_markdown
from pages.access_gate import needs_role, page_user
from pages.common import current_database, require_app_entry, stop_without_data, uk_date
from pages.concerns_views import (
    chosen,
    show_by_state,
    show_forms,
    show_measures,
    show_overdue,
    show_recorded,
    show_unlinked,
    today_for,
)
from pages.data import read
from pages.filters import sidebar_filters

require_app_entry()
st.title("Concerns and actions")
st.markdown("**Did leaders see each concern, act on it, and does the data show it worked?** Every concern or fragile "
            "pattern the analytics found, from the first month it showed in the data to recognition, actions and "
            "whether the figures moved afterwards; overdue actions first.")
stop_without_data()

database = current_database()
user = page_user()
filters = sidebar_filters(database, shift=False)
as_of, views = read("concerns", filters.scope.services, filters.as_of, date.today())
if as_of is None:
    st.info("Nothing was recorded in the months up to the date chosen: choose a later date in the sidebar.")
    st.stop()
today = today_for(as_of)
st.caption(f"{plain_markdown(filters.service_label)}{', ' + plain_markdown(filters.team) if filters.team else ''}: "
           f"data to {uk_date(as_of)}; overdue judged on {uk_date(today)}. Symbols: ◉ first signal, ◆ recognised, "
           "☐ action planned, ⌛ action due, ☑ action done, ⚖ tested by the data, ○ pattern gone, ↺ pattern returned.")
show_recorded()
show_measures(views)

st.header("Actions overdue")
show_overdue(views, today)

st.header("Concerns by state")
left, right = st.columns(2)
states = left.multiselect("State", STATES, default=list(STATES), key="concern_states")
questions = sorted({v.concern.key_question or "Not mapped" for v in views})
picked = right.multiselect("Key question", questions, default=questions, key="concern_questions")
show_by_state(chosen(views, states, picked, filters.team))

st.header("Record the response")
if not user.can("manage_actions"):
    st.info(needs_role("manage_actions", "Recording a response"), icon=":material/lock:")
elif views:
    show_forms(views, user)
else:
    st.markdown("_No concern to record a response against._")

st.header("Action-plan rows that matched no concern")
st.caption("Rows of the imported action plans whose place and wording fit no tracked concern. Link each to the "
           "concern it is about, and it counts as one of that concern's actions.")
show_unlinked(read("unlinked plan rows", filters.scope.services), views, user)
