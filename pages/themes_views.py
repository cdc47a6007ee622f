"""The parts of the Themes page: what people write about, how much, how it feels, where and whether it is growing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.findings import percent
from analytics.privacy import mask_series, mask_text
from analytics.safe_output import plain_markdown

TREND_WORDS = {"emerging": "▲ Emerging", "rising": "▲ Rising", "falling": "▼ Falling", "stable": "● Stable",
               "new": "✦ New"}
EXAMPLES = 3
EXAMPLE_LENGTH = 140


def at_place(mentions: pd.DataFrame, team: str | None, shift: str | None) -> pd.DataFrame:
    """The mentions from the chosen team and shift."""
    if team:
        mentions = mentions[mentions["team"] == team]
    if shift:
        mentions = mentions[mentions["shift"] == shift]
    return mentions


def theme_volumes(mentions: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Per theme at the chosen place: complaints and comments, the mean rating of its comments and its trend."""
    counts = mentions.groupby(["theme", "source"]).size().unstack("source", fill_value=0) \
        .reindex(columns=["complaints", "feedback"], fill_value=0)
    counts["rating"] = mentions.groupby("theme")["rating_score"].mean()
    volumes = counts.reset_index().merge(table[["theme", "trend", "category", "top_teams", "top_shifts",
                                                "emerging_in", "examples"]], on="theme", how="left")
    volumes["mentions"] = volumes["complaints"] + volumes["feedback"]
    volumes["note"] = [f"  {percent(r) if pd.notna(r) else 'no ratings'} · {TREND_WORDS.get(t, '')}"
                       for r, t in zip(volumes["rating"], volumes["trend"])]
    return volumes.sort_values("mentions", ascending=False, ignore_index=True)


def summary_table(volumes: pd.DataFrame, original: bool = False) -> pd.DataFrame:
    """The themes as a short table: words and percentages, not a wall of numbers.

    The provider's category is free text that may name someone ("Complaint about nurse Jane Smith"): personal data
    in it is masked, as in the summaries, unless `original`."""
    categories = volumes["category"].astype(object)
    return pd.DataFrame({
        "Theme": volumes["theme"], "Mentions": volumes["mentions"], "Complaints": volumes["complaints"],
        "Comments": volumes["feedback"],
        "Mean rating of comments": [percent(r) if pd.notna(r) else "—" for r in volumes["rating"]],
        "Trend": [TREND_WORDS.get(t, "—") for t in volumes["trend"]],
        "Most often filed as": (categories if original else mask_series(categories)).fillna("—"),
    })


def monthly_by_source(mentions: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Mentions per theme, month and source, for the small multiples."""
    chosen = mentions[mentions["theme"].isin(themes)]
    return chosen.groupby(["theme", "month", "source"]).size().rename("mentions").reset_index()


def examples(theme: str, mentions: pd.DataFrame, row: pd.Series, whole_service: bool) -> list[str]:
    """Two or three short comments: the theme table's where the whole service is shown, else the place's latest."""
    if whole_service and isinstance(row["examples"], list):
        return row["examples"][:EXAMPLES]
    texts = mentions[mentions["theme"] == theme].sort_values("date", ascending=False)["text"].str.strip()
    short = texts[texts.str.len() <= EXAMPLE_LENGTH].drop_duplicates()
    return (short if len(short) >= 2 else texts.str.slice(0, EXAMPLE_LENGTH)).head(EXAMPLES).tolist()


def show_theme_card(row: pd.Series, mentions: pd.DataFrame, whole_service: bool, original: bool = False) -> None:
    """One theme: how much and how it feels, where it concentrates or is emerging, and what people say."""
    with st.container(border=True):
        st.markdown(f"#### {plain_markdown(row['theme'])}")
        rating = f"comments rate {percent(row['rating'])} on average" if pd.notna(row["rating"]) else "no ratings"
        lines = [f"{row['complaints']} complaints and {row['feedback']} comments; {rating}; "
                 f"{TREND_WORDS.get(row['trend'], '—')}"]
        if isinstance(row["emerging_in"], str) and row["emerging_in"]:
            lines.append(f":orange-badge[⚠ Emerging] in {plain_markdown(row['emerging_in'])}")
        for label, column in (("Concentrated in", "top_teams"), ("Most on", "top_shifts")):
            if isinstance(row[column], str) and row[column]:
                lines.append(f"**{label}:** {plain_markdown(row[column])}")
        st.markdown("  \n".join(lines))
        # Personal data masked on screen unless the person's role may see the original and asked to.
        quotes = [f"> “{plain_markdown(text if original else mask_text(text))}”"
                  for text in examples(row["theme"], mentions, row, whole_service)]
        st.markdown("\n>\n".join(quotes))


def show_theme_cards(volumes: pd.DataFrame, mentions: pd.DataFrame, whole_service: bool,
                     original: bool = False) -> None:
    """The themes as cards, two abreast, the biggest first."""
    columns = st.columns(2)
    for index, (_, row) in enumerate(volumes.iterrows()):
        with columns[index % 2]:
            show_theme_card(row, mentions, whole_service, original)
