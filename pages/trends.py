"""Trends: is each monthly measure really changing, or is it the usual ups and downs? For the monthly review."""

from __future__ import annotations

import json

import streamlit as st

from analytics.access import NotAllowed
from analytics.chart_marks import record_new_limits
from analytics.chart_words import theme_month_words
from analytics.safe_output import plain_markdown
from analytics.signals import metric_catalogue
from pages.access_gate import page_user
from pages.charts import theme_lines
from pages.common import (
    current_database,
    data_changed,
    get_connection,
    require_app_entry,
    settings_json,
    show_chart,
    stop_without_data,
)
from pages.data import read
from pages.filters import sidebar_filters
from pages.findings_views import current_insights
from pages.trends_views import (
    choose_charted,
    default_target,
    is_share,
    monthly_theme_counts,
    place_text,
    rebase_choice,
    show_at_a_glance,
    show_marks,
    show_repeat_findings,
    show_spc,
    show_this_month,
)

ALL_AUDITS = "All audit types"

require_app_entry()
st.title("Trends")
st.markdown("**The question:** is each measure really changing, or is this month's figure just the usual ups and "
            "downs? Statistical process control (SPC) charts separate the two, as NHS England's *Making Data Count* "
            "does.")
stop_without_data()

database = current_database()
filters = sidebar_filters(database)
settings_text = settings_json()
st.caption(f"Showing {plain_markdown(filters.describe())}")
show_this_month(current_insights(database, filters), filters)

st.header("Monthly measures")
metrics = {metric.id: metric for metric in metric_catalogue()}
repeats = read("table", "repeat_table", filters.services, filters.as_of)
pick_metric, pick_audit, pick_target = st.columns([2, 2, 1])
metric = metrics[pick_metric.selectbox("Measure", list(metrics), format_func=lambda m: metrics[m].label,
                                       key="trends_metric")]
audit_type = None
if metric.source == "audits":
    chosen = pick_audit.selectbox("Audit type", [ALL_AUDITS, *sorted(repeats["audit_type"].unique())],
                                  key="trends_audit_type")
    audit_type = None if chosen == ALL_AUDITS else chosen
share = is_share(metric)
target_box = pick_target.number_input(
    "Target (%)" if share else "Target", value=default_target(metric, json.loads(settings_text)), min_value=0.0,
    step=1.0 if share else 0.5, format="%.0f" if share else "%.1f", key=f"trends_target_{metric.id}",
    help="The standard to judge assurance against (from Settings); clear it for no target")
target = None if target_box is None else target_box / 100 if share else target_box
st.caption(metric.description)

services = filters.place_services(read("places")["services"])
results = {service: read("chart", metric.id, service, filters.team, filters.shift, audit_type,
                               filters.as_of, target) for service in services}
shown = choose_charted(results, metric, "trends_charted")
charted = {service: results[service] for service in shown if not isinstance(results[service], str)}
for service, result in charted.items():
    where = place_text(service, filters.team, filters.shift)
    title = f"{metric.label}{f': {audit_type}' if audit_type else ''} — {where}"
    marks, chosen = read("chart marks", metric.id, service, filters.team, filters.shift)
    rebase = tuple(sorted({limit.start for limit in chosen} | set(rebase_choice(result, f"trends_rebase_{title}"))))
    if rebase:
        result = read("chart", metric.id, service, filters.team, filters.shift, audit_type,
                            filters.as_of, target, rebase)
    show_spc(result, metric, title, target, marks, tuple(limit.start for limit in chosen),
             place=(service, filters.team, filters.shift, audit_type))

    def start_new(on, reason, service=service):
        try:
            record_new_limits(get_connection(), page_user(), service, filters.team, filters.shift, metric.id, on,
                              reason)
        except (ValueError, NotAllowed) as error:
            st.error(plain_markdown(error))
            return
        data_changed()
        st.rerun()

    show_marks(marks, chosen, page_user().can("manage_actions"), f"trends_marks_{title}", start_new)
    with st.expander(f"Every measure at {plain_markdown(where)}, latest month"):
        show_at_a_glance({m: read("chart", m, service, filters.team, filters.shift, None,
                                        filters.as_of, None) for m in metrics}, metrics)
for service in shown:
    if isinstance(results[service], str) and (not charted or not filters.team):
        st.info(plain_markdown(results[service]))

st.header("Repeat audit findings")
st.markdown("Audit items failing month after month (below the failing level in a monthly cycle): persistent and "
            "recurring patterns first, as CQC would expect leaders to have seen them.")
show_repeat_findings(repeats, filters)

st.header("Complaint and feedback themes over time")
counts = monthly_theme_counts(read("table", "theme_months", filters.services, filters.as_of),
                              filters.team, filters.shift)
if counts.empty:
    st.markdown("No complaints or feedback comments with a theme here yet.")
else:
    show_chart(theme_lines(counts, "The biggest themes in complaints and feedback comments, month by month"),
               theme_month_words(counts), key="trends_themes")
    st.page_link("pages/themes.py", label="More on each theme: where it concentrates, examples, emerging themes",
                 icon=":material/forum:")
