"""Themes: what are people complaining and commenting about, where, and is any of it growing?"""

from __future__ import annotations

import streamlit as st

from analytics.chart_words import theme_month_words, theme_volume_words
from analytics.safe_output import plain_markdown
from pages.charts import theme_small_multiples, theme_volume_bars
from pages.common import (
    current_database,
    require_app_entry,
    settings_json,
    show_chart,
    show_original_text,
    stop_without_data,
)
from pages.data import read
from pages.filters import sidebar_filters
from pages.findings_views import at_place as findings_at_place
from pages.findings_views import current_insights, show_findings, worst_first
from pages.themes_views import (
    at_place,
    monthly_by_source,
    show_theme_cards,
    summary_table,
    theme_volumes,
)

THEMES_CHARTED = 6

require_app_entry()
st.title("Themes")
st.markdown("**The question:** what are people complaining and commenting about, where, and is any of it growing? "
            "Complaint summaries and feedback comments are grouped into themes by the words they share, praise apart "
            "from problems; the themes are the same whichever service, team, shift or dates are chosen.")
stop_without_data()

database = current_database()
filters = sidebar_filters(database)
settings_text = settings_json()
st.caption(f"Showing {plain_markdown(filters.describe())}")
table = read("theme table", filters.services, filters.as_of)
mentions = at_place(read("theme mentions", filters.services, filters.as_of), filters.team,
                    filters.shift)
if table.empty or mentions.empty:
    st.info("There are no complaint summaries or feedback comments to group into themes here yet. Load a "
            "complaints log or a feedback survey with comments on the Upload page.")
    st.stop()

volumes = theme_volumes(mentions, table)
# One switch for the page: categories in the table and what people wrote in the cards both follow it.
original = show_original_text()
whole_service = not (filters.team or filters.shift)
first, last = mentions["month"].min(), mentions["month"].max()
st.markdown(f"**{len(volumes)} theme{'s' if len(volumes) > 1 else ''}** in {volumes['complaints'].sum()} complaints "
            f"and {volumes['feedback'].sum()} feedback comments from {first:%b %Y} to {last:%b %Y}.")
if not whole_service:
    st.caption("Counts, charts and examples are for the chosen team and shift; each theme's trend and whether it is "
               "emerging are worked out across the service.")

st.header("Emerging themes")
emerging = worst_first([f for f in findings_at_place(current_insights(database, filters).findings, filters.team,
                                                     filters.shift) if f.kind == "emerging_theme"])
if emerging:
    show_findings(emerging, shown=4)
else:
    st.markdown("No theme is rising clearly: none has at least doubled its share of what people wrote recently, on "
                "enough mentions to rule out chance.")

st.header("How much, and how it feels")
show_chart(theme_volume_bars(volumes, "Mentions per theme; beside each bar, the mean rating of its comments and its "
                                      "trend"), theme_volume_words(volumes), key="themes_volume")
st.dataframe(summary_table(volumes, original), hide_index=True, width="stretch")

st.header("Month by month")
shown = volumes["theme"].head(THEMES_CHARTED).tolist()
by_month = monthly_by_source(mentions, shown)
show_chart(theme_small_multiples(by_month, f"The {len(shown)} biggest themes, mentions each month", shown),
           theme_month_words(by_month), key="themes_monthly")

st.header("Each theme: where it concentrates and what people say")
st.caption("Names, phone numbers, addresses and other personal data in what people wrote are masked."
           if not original else "Showing the original text, personal data included.")
show_theme_cards(volumes, mentions, whole_service, original)
