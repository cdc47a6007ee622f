"""The parts of the Triangulation page: a card per team setting assurance beside lived experience, and the scatter."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.findings import percent
from analytics.safe_output import plain_markdown
from analytics.scope import Scope
from analytics.triangulation import triangulation_table, triangulation_window
from pages.charts import quadrant_scatter
from pages.common import connection_for

# classification: (badge, what it means); the symbols match the scatter's markers
CLASS_BADGES = {
    "assurance_gap": (":orange-badge[▼ Assurance gap]",
                      "Internal assurance looks good but people's experience does not: the pattern CQC asks about."),
    "agree_concern": (":orange-badge[✖ Agree — concern]",
                      "Internal assurance and lived experience both point to a problem."),
    "experience_ahead": (":violet-badge[▲ Experience ahead]",
                         "People's experience is better than the internal figures suggest."),
    "not_enough_evidence": (":gray-badge[○ Not enough evidence]",
                            "Too little evidence on one side to set them against each other."),
    "agree_good": (":blue-badge[● Agree — good]", "Audits and rota look good, and so do complaints and feedback."),
}
# internal assurance figures and the settings standard each is held to
ASSURANCE_STANDARDS = {"audit_compliance": "compliance_good", "fill_rate": "fill_rate_good",
                       "handover_completion": "handover_completion_good"}


@st.cache_data(show_spinner="Setting assurance beside lived experience...", max_entries=32)
def cached_triangulation(database: str, settings_text: str, services: tuple[str, ...] | None,
                         as_of: date | None) -> tuple[pd.DataFrame, str, str]:
    """The triangulation table, with the earlier and recent halves' months as labels."""
    con, settings = connection_for(database), json.loads(settings_text)
    scope = Scope(services, as_of)
    window = triangulation_window(con, scope, settings)
    if window is None:
        return pd.DataFrame(), "", ""
    return triangulation_table(con, scope, settings), window.label("earlier"), window.label("recent")


def priority(classification: str) -> int:
    """Where a classification comes in the list: gaps first, agreement that all is well last."""
    return list(CLASS_BADGES).index(classification)


def _share(value: float) -> str:
    return "—" if value is None or math.isnan(value) else percent(value)


def _feedback(row: dict[str, Any], prefix: str, half: str) -> str:
    responses = row[f"{prefix}responses_{half}"]
    return "—" if not responses else f"{percent(row[f'{prefix}feedback_{half}'])} ({responses})"


def figures_table(row: dict[str, Any]) -> str:
    """Both halves of every source as a Markdown table, internal assurance above lived experience."""
    lines = [
        ("**Internal assurance**", None),
        ("Scheduled audits", lambda half: _share(row[f"audit_compliance_{half}"])),
        ("Rota fill rate", lambda half: _share(row[f"fill_rate_{half}"])),
        ("Handovers completed", lambda half: _share(row[f"handover_completion_{half}"])),
        ("**Lived experience**", None),
        ("Complaints", lambda half: str(row[f"complaints_{half}"])),
        ("Feedback score (responses)", lambda half: _feedback(row, "", half)),
        ("Families' feedback (responses)", lambda half: _feedback(row, "family_", half)),
    ]
    rows = [f"| {name} | {show('earlier') if show else ''} | {show('recent') if show else ''} |"
            for name, show in lines]
    return "\n".join(["| | Earlier | Recent |", "|:--|--:|--:|", *rows])


def show_card(row: dict[str, Any], services: int) -> None:
    """One team: the classification in words with its meaning, the sentence why, and both halves' figures."""
    badge, meaning = CLASS_BADGES[row["classification"]]
    with st.container(border=True):
        st.markdown(f"#### {plain_markdown(row['team'])}"
                    + (f" · {plain_markdown(row['service'])}" if services > 1 else ""))
        st.markdown(f"{badge} {meaning}")
        st.markdown(plain_markdown(row["explanation"]))
        st.markdown(figures_table(row))


def show_cards(rows: pd.DataFrame) -> None:
    """Team cards two abreast, the gaps and concerns first."""
    ordered = sorted(rows.to_dict("records"), key=lambda r: (priority(r["classification"]), r["service"], r["team"]))
    services = rows["service"].nunique()
    columns = st.columns(2)
    for index, row in enumerate(ordered):
        with columns[index % 2]:
            show_card(row, services)


def show_shift_rows(rows: pd.DataFrame) -> None:
    """Each team's shifts in a sentence each, gaps first."""
    ordered = sorted(rows.to_dict("records"),
                     key=lambda r: (priority(r["classification"]), r["service"], r["team"], r["shift"]))
    for row in ordered:
        st.markdown(f"{CLASS_BADGES[row['classification']][0]} **{plain_markdown(row['team'])} · "
                    f"{plain_markdown(row['shift'])} shift**: {plain_markdown(row['explanation'])}")


def scatter_points(rows: pd.DataFrame, thresholds: dict[str, Any]) -> pd.DataFrame:
    """Per team: the weakest assurance figure's margin over its standard, and feedback's margin over its standard."""
    points = []
    for row in rows.to_dict("records"):
        margins = [row[f"{figure}_recent"] - thresholds[standard] for figure, standard in ASSURANCE_STANDARDS.items()
                   if not math.isnan(row[f"{figure}_recent"])]
        feedback = row["feedback_recent"]
        if margins and not math.isnan(feedback):
            points.append({"x": 100 * min(margins), "y": 100 * (feedback - thresholds["feedback_good_score"]),
                           "label": row["team"], "classification": row["classification"],
                           "hover": row["explanation"]})
    return pd.DataFrame(points, columns=["x", "y", "label", "classification", "hover"])


def show_scatter(rows: pd.DataFrame, thresholds: dict[str, Any], recent: str) -> None:
    """The teams on assurance against experience, with the teams it cannot place named."""
    points = scatter_points(rows, thresholds)
    if points.empty:
        st.markdown("No team has both internal assurance figures and feedback scores to place on the chart.")
        return
    figure = quadrant_scatter(
        points, f"Each team's internal assurance against lived experience, {recent}",
        "Internal assurance: weakest of audits, rota fill and handovers against its standard (points)",
        f"Lived experience: feedback score against the {percent(thresholds['feedback_good_score'])} standard (points)")
    st.plotly_chart(figure, key="triangulation_scatter")
    st.caption("Right of the line: every internal figure meets its standard. Above the line: feedback meets its "
               "standard. Complaints count too: a team whose complaints rose, or whose families' feedback is poor, "
               "is judged to have poor experience wherever its marker sits, so the marker's shape and colour give "
               "the judgement.")
    missing = sorted(set(rows["team"]) - set(points["label"]))
    if missing:
        st.caption(f"Not on the chart (no feedback scores or no internal figures): "
                   f"{plain_markdown(', '.join(missing))}.")
