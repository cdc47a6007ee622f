"""Findings as the insight pages show them: the cached analytics run, status badges, sentences and evidence."""

from __future__ import annotations

import streamlit as st

from analytics.board_pack import STATUS_LABELS
from analytics.evidence_rows import DATE_COLUMNS, RowSelection, describe, evidence_words, selection_of
from analytics.findings import Evidence, Finding, comparison_text, figure_text
from analytics.insights import Insights
from analytics.register import STATUS_RANK
from analytics.safe_output import plain_markdown, safe_csv
from pages.common import source_label
from pages.data import read
from pages.filters import Filters

# Badge colours per status, on every page; the symbol in each label says it too (not colour alone). Concern red and
# fragile yellow differ in hue and lightness, so the two never read as two shades of amber.
STATUS_COLOURS = {"strong": "blue", "improving": "violet", "fragile": "yellow", "concern": "red",
                  "not_enough_evidence": "gray"}
KIND_WORDS = {
    "repeat_finding": "Repeat audit finding", "masked_weakness": "Weakness behind a good average",
    "fragility": "Weaker than the rest of the service", "assurance_gap": "Assurance gap",
    "experience_ahead": "Experience ahead of assurance", "emerging_theme": "Emerging theme",
    "special_cause": "Real change in a monthly measure", "embedded_improvement": "Embedded improvement",
    "not_embedded": "Improvement not yet embedded", "strength": "Strength",
    "narrative_mismatch": "Leaders' view differs from the evidence",
}


def current_insights(database: str, filters: Filters) -> Insights:
    """Every finding for the chosen service and date (teams and shifts are filtered afterwards), cached."""
    return read("insights", filters.scope.services, filters.as_of)


def at_place(findings: list[Finding], team: str | None, shift: str | None) -> list[Finding]:
    """The findings that apply where the user is looking: that team and shift, and whole-service findings."""
    return [f for f in findings
            if (team is None or f.team in (None, team)) and (shift is None or f.shift in (None, shift))]


def worst_first(findings: list[Finding]) -> list[Finding]:
    """Concerns first, then fragile, improving and strong; within each, the most local place, then the latest."""
    return sorted(findings, key=lambda f: (STATUS_RANK.get(f.status, 4), (f.team is None) + (f.shift is None),
                                           -f.period_end.toordinal()))


def status_symbol(status: str) -> str:
    """The symbol that stands for a status, e.g. '⚠' for a concern."""
    return STATUS_LABELS.get(status, STATUS_LABELS["not_enough_evidence"]).split(" ", 1)[0]


def status_words(status: str) -> str:
    """A status in a word or two with its symbol, e.g. '⚠ Concern', '↗ Improving'."""
    return STATUS_LABELS.get(status, STATUS_LABELS["not_enough_evidence"]).split(",")[0]


def status_badge(status: str) -> str:
    """A status as an inline Markdown badge with its symbol, e.g. ':orange-badge[⚠ Concern]'."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{status_words(status)}]"


def place_words(finding: Finding) -> str:
    """Where a finding sits, e.g. 'Oakwood House · Willow Unit · Night shift'."""
    parts = [finding.service, finding.team or "whole service", f"{finding.shift} shift" if finding.shift else None]
    return " · ".join(part for part in parts if part)


def show_finding(finding: Finding, evidence: bool = False) -> None:
    """One finding: its status badge, what and where, the sentence saying why, and optionally its evidence."""
    subject = finding.subject[:1].upper() + finding.subject[1:]
    st.markdown(f"{status_badge(finding.status)} **{plain_markdown(subject)}** — "
                f"{plain_markdown(place_words(finding))} "
                f":gray[({KIND_WORDS.get(finding.kind, finding.kind).lower()})]  \n"
                f"Flagged because: {plain_markdown(finding.summary)}")
    if evidence and finding.evidence:
        st.markdown("\n".join(evidence_line(item) for item in finding.evidence))
        show_rows_of(finding.evidence, key=f"rows_{hash((finding.summary, finding.service, finding.team))}")


def show_findings(findings: list[Finding], shown: int = 5, evidence: bool = False) -> None:
    """The first `shown` findings, the rest behind an expander."""
    for finding in findings[:shown]:
        show_finding(finding, evidence)
    if len(findings) > shown:
        with st.expander(f"{len(findings) - shown} more"):
            for finding in findings[shown:]:
                show_finding(finding, evidence)


def evidence_line(item: Evidence) -> str:
    """One piece of evidence as a Markdown bullet: the figure against its comparison, the detail and its rows."""
    against = comparison_text(item.measure, item.comparison)
    figure = figure_text(item.measure, item.value)
    shown = f": **{figure}**{against}" if figure else against  # a recorded judgement has no figure
    period = f", {plain_markdown(item.period)}" if item.period else ""
    detail = f". {plain_markdown(item.detail[:1].upper() + item.detail[1:])}" if item.detail else ""
    words = evidence_words(item)
    rows = f"  \n  :gray[Rows: {plain_markdown(words)}]" if words else ""
    return f"- **{source_label(item.source)}**, {plain_markdown(item.measure)}{shown}{period}{detail}{rows}"


# The rows behind a figure -----------------------------------------------------------------------------------------

def show_rows_of(evidence: tuple[Evidence, ...] | list[Evidence], key: str) -> None:
    """A switch that opens the rows behind each figure (masked unless the person may see the original and asked
    to), each in a table with a download."""
    openable = [item for item in evidence if selection_of(item) is not None]
    if not openable or not st.toggle("Open the rows behind these figures", key=key):
        return
    for number, item in enumerate(openable):
        show_rows(selection_of(item), key=f"{key}_{number}")


def show_rows(selection: RowSelection, key: str) -> None:
    """The rows of one selection, said in words, in a table with a download (masked as every page shows text)."""
    original = bool(st.session_state.get("show_original_text"))
    rows = read("rows", selection, original)
    words = describe(selection)
    st.markdown(f"**{plain_markdown(words[:1].upper() + words[1:])}**: {len(rows):,} rows"
                + (" (the latest 5,000)" if len(rows) >= 5000 else ""))
    st.dataframe(rows, hide_index=True, height=min(35 * (len(rows) + 1) + 3, 300),
                 column_config={DATE_COLUMNS[selection.source]: st.column_config.DateColumn(format="DD/MM/YYYY")})
    st.download_button("Download these rows (.csv)", safe_csv(rows), file_name=f"rows_{selection.source}.csv",
                       mime="text/csv", key=key, icon=":material/download:")
