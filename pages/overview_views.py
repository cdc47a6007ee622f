"""The Overview page's pieces: cached insights, headline pairs, fragile places and the balanced picture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from analytics.board_pack import (
    CONFIDENCE_LABELS,
    GROUPS,
    STATUS_LABELS,
    evidence_frame,
    place_name,
)
from analytics.findings import Finding, figure_text, percent
from analytics.insights import Insights
from analytics.safe_output import plain_markdown
from pages.common import fitted_height, how_many_shown, uk_date
from pages.data import read
from pages.findings_views import STATUS_COLOURS, show_rows_of

GROUP_MEANINGS = {
    "strong": "Consistently good across the sources, with no repeat findings or fragile shifts, or an improvement "
              "that has held.",
    "improving": "Better than before, but not yet shown to hold on every team or in unannounced spot checks.",
    "fragile": "Weak in places or recurring now and then: not yet a concern, but it could become one.",
    "concern": "A persistent weakness, a weakness the headline hides, or a real change for the worse.",
}
FIRST_SHOWN = 3


def stop_without_data() -> None:
    """With nothing loaded, say how to load the demo data or upload spreadsheets, and end the page there."""
    if any(read("row counts", None).values()):
        return
    st.info("No data loaded yet. Load the demo data (a fictional care home and homecare service) from the Home "
            "page to see what this page shows, or upload your own audits, complaints, rota and feedback.")
    st.page_link("pages/home.py", label="Home: load the demo data", icon=":material/home:")
    st.page_link("pages/upload.py", label="Upload your spreadsheets", icon=":material/upload_file:")
    st.stop()


def stop_without_evidence(insights: Insights) -> None:
    """When nothing was recorded in the months up to the date chosen, say so and end the page there."""
    if not insights.register.empty:
        return
    st.info(f"Nothing was recorded in the months up to {uk_date(insights.as_of)} for this service. Choose a later "
            "'Judge as of' date, or another service, in the sidebar.")
    st.stop()


def markdown_text(text: str) -> str:
    """Text shown as Markdown as written: no $ starting a formula, and no link, image, HTML or emphasis from the
    names in it (analytics.safe_output.plain_markdown)."""
    return plain_markdown(text)


def capitalised(text: str) -> str:
    """The text with its first letter a capital, the rest as written."""
    return text[:1].upper() + text[1:]


def status_badges(status: str, confidence: str) -> str:
    """The status and confidence as Markdown badges, with symbols so colour is never the only cue."""
    return (f":{STATUS_COLOURS[status]}-badge[{STATUS_LABELS[status]}] "
            f":gray-badge[Confidence {CONFIDENCE_LABELS[confidence].lower()}]")


# Headline figures and what lies beneath ------------------------------------------------------------------------

def beneath_label(pair: pd.Series) -> str:
    """What the figure beneath the headline is: the audit item or section, or the team (and shift)."""
    if pair["source"] == "audits":
        return pair["sub_measure"] if pair["sub_measure"].endswith(" section") else f"'{pair['sub_measure']}'"
    return pair["where"]


def headline_sentence(pair: pd.Series) -> str:
    """E.g. "Care plan audit compliance 95%, but 'Care plan reviewed and signed' 29%, 66 points lower"."""
    points = abs(pair["sub_value"] - pair["headline_value"]) * 100
    direction = "lower" if pair["sub_value"] < pair["headline_value"] else "higher"
    return (f"{capitalised(pair['headline_measure'])} {percent(pair['headline_value'])}"
            f" — but {beneath_label(pair)} {percent(pair['sub_value'])}, {points:.0f} points {direction}")


def flagged_because(pair: pd.Series) -> str:
    """Why a headline counts as hiding a weakness, as the analytics say it (headline_pairs' `why`)."""
    return f"Flagged because {pair['why'][:1].lower()}{pair['why'][1:]}"


def headline_place(pair: pd.Series) -> str:
    """Where the headline is: a team's own audit score, else the service's figure."""
    team_headline = pair["source"] == "audits" and isinstance(pair["team"], str)
    return f"on {plain_markdown(pair['team'])}" if team_headline else "across the service"


def show_masked_pair(pair: pd.Series) -> None:
    """One headline that hides a weakness: the two figures side by side, the sentence and why it is flagged."""
    higher = pair["sub_value"] > pair["headline_value"]
    with st.container(border=True):
        st.markdown(f"**{plain_markdown(pair['service'])}** · {plain_markdown(capitalised(pair['headline_measure']))}")
        left, right = st.columns(2)
        left.metric("Headline", percent(pair["headline_value"]),
                    help=f"{plain_markdown(pair['period'])}, {headline_place(pair)}")
        right.metric("Beneath it", percent(pair["sub_value"]),
                     help=plain_markdown(f"{beneath_label(pair)}, {pair['period']}"),
                     delta=f"{abs(pair['sub_value'] - pair['headline_value']) * 100:.0f} points "
                           f"{'higher' if higher else 'lower'}",
                     delta_color="off", delta_arrow="up" if higher else "down")
        st.markdown(markdown_text(headline_sentence(pair)) + ".")
        st.caption(markdown_text(flagged_because(pair)))


def show_headlines(pairs: pd.DataFrame, thresholds: dict[str, Any]) -> None:
    """Headlines hiding a weakness first, two to a row; the rest in a short table beneath."""
    masked = pairs[pairs["masked"]]
    if masked.empty:
        st.success("No good headline figure hides a persistently weak item, team or shift in this period.")
    in_columns([pair for _, pair in masked.iterrows()], show_masked_pair)
    others = pairs[~pairs["masked"]]
    if others.empty:
        return
    with st.expander(f"The other {len(others)} headline figures, and the weakest figure beneath each"):
        st.caption("None of these hides a persistent weakness: either everything beneath holds up, or the headline "
                   "itself is well short of the level set as good, so the weakness is in plain sight.")
        table = pd.DataFrame({
            "Service": others["service"], "Headline": others["headline_measure"].map(capitalised),
            "Figure": others["headline_value"].map(percent),
            "Reading": ["✓ Reads as acceptable" if good else "○ Well short of good itself"
                        for good in others["headline_good"]],
            "Weakest beneath": [beneath_label(p) for _, p in others.iterrows()],
            "Its figure": others["sub_value"].map(percent)})
        small = st.column_config.TextColumn(width="small")
        st.dataframe(table, hide_index=True, height=fitted_height(len(table), 10),
                     column_config={"Figure": small, "Its figure": small})


# Fragile shifts and teams -------------------------------------------------------------------------------------

def show_fragile_place(finding: Finding) -> None:
    """One place persistently worse than the rest of its service, with each figure against the rest."""
    with st.container(border=True):
        st.markdown(f"**{plain_markdown(place_name(finding.service, finding.team, finding.shift))}**  \n"
                    + status_badges(finding.status, finding.confidence))
        for column, evidence in zip(st.columns(max(len(finding.evidence), 1)), finding.evidence):
            column.metric(plain_markdown(capitalised(evidence.measure)),
                          figure_text(evidence.measure, evidence.value),
                          delta=f"{figure_text(evidence.measure, evidence.comparison)} in the rest of the service",
                          delta_color="off", delta_arrow="off")
        st.caption(markdown_text(f"Flagged because {finding.summary}"))


def show_fragile_places(findings: list[Finding]) -> None:
    """The fragility findings, two to a row, or a line saying there are none."""
    if not findings:
        st.success("No team or shift has been persistently worse than the rest of its service.")
    in_columns(findings, show_fragile_place)


# The balanced picture -----------------------------------------------------------------------------------------

def show_counts(picture: pd.DataFrame) -> None:
    """How many judgements fall in each group, as four figures, concerns first."""
    counts = picture["group"].value_counts()
    for column, group in zip(st.columns(len(GROUPS)), reversed(GROUPS)):
        column.metric(STATUS_LABELS[group], int(counts.get(group, 0)), border=True)


def show_judgement(row: dict[str, Any]) -> None:
    """One judgement: where and what, its status and confidence, the sentence, and the evidence behind it."""
    with st.container(border=True):
        st.markdown(f"**{plain_markdown(row['where'])}** · {plain_markdown(row['about'])}&nbsp; "
                    f"{status_badges(row['status'], row['confidence'])}")
        st.markdown(markdown_text(row["summary"]))
        evidence = evidence_frame(row["evidence"])
        with st.expander(f"Evidence ({len(evidence)} {'figure' if len(evidence) == 1 else 'figures'})"):
            st.dataframe(evidence, hide_index=True, height=fitted_height(len(evidence), 8),
                         column_config={"Rows": st.column_config.TextColumn(width="large"),
                                        "Detail": st.column_config.TextColumn(width="large")})
            show_rows_of(row["evidence"], key=f"rows_{row['group']}_{hash((row['where'], row['about'], row['summary']))}")


def show_group(picture: pd.DataFrame, group: str, first: int = FIRST_SHOWN) -> None:
    """One group of the balanced picture: its meaning, the first few judgements, and a switch to show the rest."""
    rows = picture[picture["group"] == group].to_dict("records")
    st.subheader(f"{STATUS_LABELS[group]} ({len(rows)})")
    st.caption(GROUP_MEANINGS[group])
    if not rows:
        st.markdown("_Nothing in this group for the service and period chosen._")
        return
    for row in rows[:first]:
        show_judgement(row)
    for row in rows[first:how_many_shown(len(rows), first, f"show_all_{group}", "judgements")]:
        show_judgement(row)


def in_columns(items: list, show: Callable[[Any], None], per_row: int = 2) -> None:
    """Show items side by side, `per_row` to a row."""
    for start in range(0, len(items), per_row):
        for column, item in zip(st.columns(per_row), items[start:start + per_row]):
            with column:
                show(item)
