"""The parts of the Triangulation page: a card per place setting assurance beside lived experience, and the chart."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from analytics.chart_words import scatter_words
from analytics.findings import percent
from analytics.fragility import place_name
from analytics.safe_output import plain_markdown
from analytics.triangulation import chart_summary
from pages.charts import quadrant_scatter
from pages.common import how_many_shown, show_chart, show_listed

# Places shown as cards before the rest are asked for: a group of ten services had 100 of them.
CARDS_AT_MOST = 12
# classification: (badge, what it means); the symbols match the scatter's markers
CLASS_BADGES = {
    "assurance_gap": (":orange-badge[▼ Assurance gap]",
                      "Scheduled audits look good but people's experience does not: the pattern CQC asks about."),
    "agree_concern": (":orange-badge[✖ Agree — concern]",
                      "Scheduled audits and lived experience both point to a problem."),
    "experience_ahead": (":violet-badge[▲ Experience ahead]",
                         "People's experience is better than the scheduled audits suggest."),
    "not_enough_evidence": (":gray-badge[○ Not enough evidence]",
                            "Too little evidence on one side to set them against each other."),
    "agree_good": (":blue-badge[● Agree — good]", "Scheduled audits look good, and so do complaints and feedback."),
}


def priority(classification: str) -> int:
    """Where a classification comes in the list: gaps first, agreement that all is well last."""
    return list(CLASS_BADGES).index(classification)


def _share(value: float, n: int, label: str) -> str:
    """A share with the sample it rests on: '97% (113 answers)'."""
    return "—" if value is None or math.isnan(value) else f"{percent(value)} ({n:,} {label})"


def _feedback(row: dict[str, Any], prefix: str, half: str) -> str:
    responses = row[f"{prefix}responses_{half}"]
    return "—" if not responses else f"{percent(row[f'{prefix}feedback_{half}'])} ({responses})"


def figures_table(row: dict[str, Any]) -> str:
    """Both halves of every source as a Markdown table, internal assurance above lived experience."""
    lines = [
        ("**Internal assurance**", None),
        ("Scheduled audits", lambda half: _share(row[f"audit_compliance_{half}"], row[f"audit_answers_{half}"],
                                                 "answers")),
        ("Rota fill rate", lambda half: _share(row[f"fill_rate_{half}"], row[f"rota_shifts_{half}"], "shifts")),
        ("Handovers completed", lambda half: _share(row[f"handover_completion_{half}"],
                                                    row[f"handover_shifts_{half}"], "shifts")),
        ("**Lived experience**", None),
        ("Complaints", lambda half: str(row[f"complaints_{half}"])),
        ("Feedback score (responses)", lambda half: _feedback(row, "", half)),
        ("Families' feedback (responses)", lambda half: _feedback(row, "family_", half)),
    ]
    rows = [f"| {name} | {show('earlier') if show else ''} | {show('recent') if show else ''} |"
            for name, show in lines]
    return "\n".join(["| | Earlier | Recent |", "|:--|--:|--:|", *rows])


def _title(row: dict[str, Any], services: int) -> str:
    shift = f" · {plain_markdown(row['shift'])} shift" if row.get("shift") else ""
    return (f"#### {plain_markdown(row['team'])}{shift}"
            + (f" · {plain_markdown(row['service'])}" if services > 1 else ""))


def show_card(row: dict[str, Any], services: int) -> None:
    """One place: the classification in words with its meaning, the sentence why, and both halves' figures."""
    badge, meaning = CLASS_BADGES[row["classification"]]
    with st.container(border=True):
        st.markdown(_title(row, services))
        st.markdown(f"{badge} {meaning}")
        st.markdown(plain_markdown(row["explanation"]))
        st.markdown(figures_table(row))


def show_cards(rows: pd.DataFrame) -> None:
    """Cards two abreast (whole teams, or each team's chosen shift), the gaps and concerns first; past CARDS_AT_MOST,
    the rest when asked."""
    ordered = sorted(rows.to_dict("records"),
                     key=lambda r: (priority(r["classification"]), r["service"], r["team"], r["shift"] or ""))
    shown = how_many_shown(len(ordered), CARDS_AT_MOST, "all_places", "places", "Gaps and concerns come first.")
    services = rows["service"].nunique()
    columns = st.columns(2)
    for index, row in enumerate(ordered[:shown]):
        with columns[index % 2]:
            show_card(row, services)


def show_shift_rows(rows: pd.DataFrame) -> None:
    """Each team's shifts in a sentence each, gaps first, as one list."""
    ordered = sorted(rows.to_dict("records"),
                     key=lambda r: (priority(r["classification"]), r["service"], r["team"], r["shift"]))
    show_listed(ordered, lambda row: f"{CLASS_BADGES[row['classification']][0]} **{plain_markdown(row['team'])} · "
                                     f"{plain_markdown(row['shift'])} shift**: {plain_markdown(row['explanation'])}")


def _label(team: str, shift: str | None) -> str:
    """'Beech Unit', or 'Beech Unit night shifts' on a team's shift."""
    return place_name(team, shift if isinstance(shift, str) else None)


def scatter_points(rows: pd.DataFrame) -> pd.DataFrame:
    """Per place, where the analytics placed it: the same rules as its classification decide its quadrant."""
    columns = ["x", "y", "label", "classification", "hover"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    placed = rows[rows["assurance_margin"].notna() & rows["experience_margin"].notna()]
    return pd.DataFrame({"x": placed["assurance_margin"], "y": placed["experience_margin"],
                         "label": [_label(t, s) for t, s in zip(placed["team"], placed["shift"])],
                         "classification": placed["classification"], "hover": placed["explanation"]},
                        columns=columns).reset_index(drop=True)


def show_scatter(rows: pd.DataFrame, thresholds: dict[str, Any], recent: str) -> None:
    """The places on assurance against experience, a summary in words, and the places it cannot place named."""
    st.markdown(plain_markdown(chart_summary(rows)))
    points = scatter_points(rows)
    if points.empty:
        st.markdown("No place has both scheduled audits and a judgement of lived experience to put on the chart.")
        return
    figure = quadrant_scatter(
        points, f"Internal assurance against lived experience, {recent}",
        f"Scheduled audits against the {percent(thresholds['compliance_good'])} standard, allowing for chance "
        "(points)",
        "Lived experience: how far the deciding figure sits from its line (points)")
    show_chart(figure, scatter_words(points), key="triangulation_scatter")
    st.caption("Right of the line: scheduled audits meet their standard, or fall short by no more than chance on "
               "that many answers. Above the line: feedback meets its standard and complaints did not rise. Below "
               "it, the point sits at whatever makes experience poor: feedback (all, or families') clearly below "
               "its standard, or below it and clearly down on the earlier months, or complaints that rose, as the "
               "share of recent complaints above what the earlier rate would give. Each point sits in the corner "
               "of its own judgement.")
    missing = sorted({_label(t, s) for t, s in zip(rows["team"], rows["shift"])} - set(points["label"]))
    if missing:
        st.caption(f"Not on the chart (no scheduled audits, or lived experience not judged): "
                   f"{plain_markdown(', '.join(missing))}.")
