"""Overview: the headline figures with what lies beneath them, and the balanced picture of the service."""

from __future__ import annotations

import streamlit as st

from analytics.board_pack import balanced_picture, findings_of
from analytics.safe_output import plain_markdown
from analytics.settings import load_settings
from pages.common import current_database, get_connection, require_app_entry, uk_date
from pages.data import read
from pages.filters import sidebar_filters
from pages.overview_views import (
    show_counts,
    show_fragile_places,
    show_group,
    show_headlines,
    stop_without_data,
    stop_without_evidence,
)

CONCERNS_SHOWN = 8  # every concern in sight on a typical service; a long list keeps the rest behind a switch

require_app_entry()
st.title("Overview")
st.markdown("**Is the service as good as its headline figures say?** What needs attention first (concerns, then "
            "what is fragile), each headline beside what lies beneath it, then what is strong and improving, with "
            "how sure we can be of each.")
stop_without_data()

database = current_database()
filters = sidebar_filters(database, team=False, shift=False)
services = filters.scope.services
insights = read("insights", services, filters.as_of)
stop_without_evidence(insights)
thresholds = load_settings(get_connection())["thresholds"]
st.caption(f"{plain_markdown(filters.service_label)}: the {thresholds['recent_cycles']} months to "
           f"{uk_date(insights.as_of)}. Change the service or date in the sidebar.")

picture = balanced_picture(insights, filters.service)
show_counts(picture)

st.header("What needs attention")
st.caption("Confidence is high where independent sources agree, qualified where they disagree and limited where "
           "only one source speaks. Open a judgement's evidence to see the rows behind each figure.")
show_group(picture, "concern", first=CONCERNS_SHOWN)
show_group(picture, "fragile")

st.header("Headline figures and what lies beneath them")
st.caption("A good average can hide one audit item, team or shift that keeps failing. These are the headlines "
           "where it does.")
show_headlines(read("table", "headline_pairs", services, filters.as_of), thresholds)

st.subheader("Fragile shifts and teams")
st.caption("A team or shift worse than the rest of its service month after month, which the service's figures "
           "average away.")
show_fragile_places(findings_of(insights, filters.service, "fragility"))

st.header("What is strong and improving")
st.caption("Strengths are judged by the same figures and thresholds as concerns.")
show_group(picture, "strong")
show_group(picture, "improving")
