"""Triangulation: do our audits and rota tell the same story as the people we support and their families?"""

from __future__ import annotations

import json

import streamlit as st

from analytics.safe_output import plain_markdown
from pages.common import (
    current_database,
    require_app_entry,
    settings_json,
    stop_without_data,
)
from pages.data import read
from pages.filters import sidebar_filters
from pages.triangulation_views import (
    CLASS_BADGES,
    show_cards,
    show_scatter,
    show_shift_rows,
)

require_app_entry()
st.title("Triangulation")
st.markdown("**The question:** do our scheduled audits tell the same story as complaints and feedback? Green "
            "audits beside rising family complaints is the pattern CQC asks about. The rota is shown beside them.")
stop_without_data()

database = current_database()
filters = sidebar_filters(database)
settings_text = settings_json()
st.caption(f"Showing {plain_markdown(filters.describe())}")
table, earlier, recent = read("triangulation", filters.services, filters.as_of)
if filters.team:
    table = table[table["team"] == filters.team] if not table.empty else table
if table.empty:
    st.info("There is nothing to set side by side here yet: triangulation needs audits or rota, and complaints or "
            "feedback, that name the team.")
    st.stop()

# With a shift chosen, each team's rows for that shift; else whole teams, their shifts in an expander.
places = table[table["shift"] == filters.shift] if filters.shift else table[table["shift"].isna()]
shifts = table[table["shift"].notna()] if not filters.shift else table.iloc[0:0]
counts = places["classification"].value_counts()
st.markdown(f"**Recent** months are {recent}, set against the **earlier** months, {earlier}. "
            + " ".join(f"{CLASS_BADGES[c][0]} {counts[c]}" for c in CLASS_BADGES if c in counts))

st.header("Assurance against experience")
show_scatter(places, json.loads(settings_text)["thresholds"], recent)

st.header("Team by team" + (f", {plain_markdown(filters.shift)} shifts" if filters.shift else ""))
if places.empty:
    st.markdown("No team has figures for this shift.")
show_cards(places)
if not shifts.empty:
    with st.expander(f"Each team's shifts ({len(shifts)})"):
        show_shift_rows(shifts)
