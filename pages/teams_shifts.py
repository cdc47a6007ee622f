"""Teams and shifts: which team or shift is weaker than the rest of its service, and on what evidence?"""

from __future__ import annotations

import streamlit as st

from analytics.safe_output import plain_markdown
from pages.common import (
    current_database,
    require_app_entry,
    show_chart,
    stop_without_data,
)
from pages.data import read
from pages.filters import sidebar_filters
from pages.findings_views import current_insights
from pages.teams_shifts_views import (
    FLAG,
    OVERALL,
    Cell,
    cell_choices,
    cell_label,
    grid_places,
    judgement_figure,
    judgement_words,
    measure_figure,
    measure_label,
    measure_words,
    picked_cell,
    show_cell,
    window_words,
)

require_app_entry()
st.title("Teams and shifts")
st.markdown("**The question:** is one team or shift weaker than the rest of the service, even where the "
            "service-wide figure looks fine? Each cell sets a team's shift against the rest of its service.")
stop_without_data()

database = current_database()
filters = sidebar_filters(database)
st.caption(f"Showing {plain_markdown(filters.describe())}")
table = read("table", "measure_table", filters.services, filters.as_of)
figures = read("table", "place_figures", filters.services, filters.as_of)
findings = current_insights(database, filters).findings
if table.empty:
    st.info("There are no team or shift figures to compare yet: the grid needs rota, audit, complaint or feedback "
            "rows that name a team or shift.")
    st.stop()

measures = [OVERALL, *sorted(figures["measure"].unique(), key=measure_label)]
measure = st.segmented_control(
    "Colour the grid by", measures, default=OVERALL, key="teams_measure",
    format_func=lambda m: "Overall judgement (from the findings)" if m == OVERALL else measure_label(m)) or OVERALL
services = sorted(table["service"].unique())
cells = cell_choices(services, table, findings)
for service in services:
    teams, shifts = grid_places(table, service)
    if measure == OVERALL:
        picked = show_chart(judgement_figure(service, teams, shifts, findings),
                            judgement_words(service, teams, shifts, findings), key=f"grid_{service}", pickable=True)
    else:
        picked = show_chart(measure_figure(service, teams, shifts, figures, measure, findings),
                            measure_words(service, teams, shifts, figures, measure), key=f"grid_{service}",
                            pickable=True)
    clicked = picked_cell(service, picked)
    if clicked in cells and clicked != st.session_state.get(f"grid_{service}_opened"):
        # A cell clicked opens it below, as choosing it in the list does.
        st.session_state["teams_cell"] = st.session_state[f"grid_{service}_opened"] = clicked
if measure == OVERALL:
    st.caption("Each cell names the most serious finding about exactly that place (⚠ concern, ◐ fragile, "
               "↗ improving, ✓ strong, ○ no flags). 'Whole team' is the team across its shifts; 'All teams' is the "
               "shift across the service.")
else:
    st.caption(f"Each cell: the figure over {window_words(figures)} (hover for how many shifts, answers, "
               f"complaints or responses it rests on), with the rest of the service's in brackets. Orange is worse than the rest, blue better. {FLAG} marks a place a finding flags on this "
               "measure.")

wanted = Cell(filters.service or services[0], filters.team, filters.shift) if filters.team or filters.shift else None
if "teams_cell" not in st.session_state or st.session_state["teams_cell"] not in cells:
    st.session_state["teams_cell"] = wanted if wanted in cells else cells[0]
chosen = st.selectbox("Look closer at (or click a cell in the grid)", cells,
                      format_func=lambda c: cell_label(c, findings, len(services)), key="teams_cell")
show_cell(chosen, table, findings)
