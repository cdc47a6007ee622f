"""The parts of the Teams and shifts page: the team x shift grid, and the evidence behind one cell."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics.chart_words import comparison_words, grid_words, status_grid_words
from analytics.findings import Finding
from analytics.fragility import MEASURES
from analytics.register import STATUS_RANK
from analytics.safe_output import plain_markdown
from pages.charts import WORSE_SCALE, comparison_lines, place_heatmap, value_text
from pages.common import show_chart
from pages.findings_views import show_finding, status_symbol, status_words, worst_first

OVERALL = "overall"
WHOLE_TEAM = "Whole team"
ALL_TEAMS = "All teams"
FLAG = "⚠"
# Overall judgement as a heatmap value: blue below zero (strong, improving), pale for no flags, orange above.
STATUS_HEAT = {"strong": -1.0, "improving": -1.0, "fragile": 1.0, "concern": 2.0}


@dataclass(frozen=True)
class Cell:
    """One place in the grid: a team's shift, a whole team (shift None) or a shift across teams (team None)."""

    service: str
    team: str | None
    shift: str | None

    def words(self) -> str:
        """The place as a label, e.g. 'Willow Unit · Night shift'."""
        return f"{self.team or ALL_TEAMS} · {f'{self.shift} shift' if self.shift else WHOLE_TEAM.lower()}"


def measure_label(measure: str) -> str:
    """A measure's name with a capital, e.g. 'Agency share of hours'."""
    label = MEASURES[measure].label
    return label[:1].upper() + label[1:]


def findings_at(findings: list[Finding], cell: Cell) -> list[Finding]:
    """The findings about exactly this place."""
    return [f for f in findings if (f.service, f.team, f.shift) == (cell.service, cell.team, cell.shift)]


def worst_status(findings: list[Finding]) -> str | None:
    """The most serious status among findings, None without any."""
    return worst_first(findings)[0].status if findings else None


def flags_measure(finding: Finding, measure: str) -> bool:
    """Whether a concern or fragile finding rests on this measure."""
    label = MEASURES[measure].label
    return finding.status in ("concern", "fragile") and (
        label in finding.subject.lower() or any(e.measure == label for e in finding.evidence))


def grid_places(table: pd.DataFrame, service: str) -> tuple[list[str], list[str]]:
    """The teams and the shifts the service's data names."""
    rows = table[table["service"] == service]
    return sorted(rows["team"].dropna().unique()), sorted(rows["shift"].dropna().unique())


def grid_cells(service: str, teams: list[str], shifts: list[str]) -> list[Cell]:
    """Every cell the grid draws, row by row: each team then all teams, each shift then the whole team."""
    return [Cell(service, team, shift) for team in [*teams, None] for shift in [*shifts, None]]


def grid(service: str, teams: list[str], shifts: list[str], fill) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Heat, text and hover for every cell, from `fill(cell) -> (heat, text, hover)`."""
    index, columns = [*teams, ALL_TEAMS], [*shifts, WHOLE_TEAM]
    heat, text, hover = (pd.DataFrame(index=index, columns=columns, dtype=object) for _ in range(3))
    for cell in grid_cells(service, teams, shifts):
        team, shift = cell.team or ALL_TEAMS, cell.shift or WHOLE_TEAM
        heat.loc[team, shift], text.loc[team, shift], hover.loc[team, shift] = fill(cell)
    return heat, text, hover


def judgement_words(service: str, teams: list[str], shifts: list[str], findings: list[Finding]) -> str:
    """The judgement grid in words, from the statuses its cells show."""
    cells = grid_cells(service, teams, shifts)
    return status_grid_words(pd.DataFrame({"team": [c.team for c in cells], "shift": [c.shift for c in cells],
                                           "status": [worst_status(findings_at(findings, c)) for c in cells]}),
                             f"{service}, the most serious finding about each team and shift")


def measure_words(service: str, teams: list[str], shifts: list[str], figures: pd.DataFrame, measure: str) -> str:
    """The measure grid in words, from the figures its cells show."""
    figures = figures[(figures["service"] == service) & (figures["measure"] == measure)]
    by_place = {(None if pd.isna(r.team) else r.team, None if pd.isna(r.shift) else r.shift): r
                for r in figures.itertuples()}
    rows = [by_place.get((c.team, c.shift)) for c in grid_cells(service, teams, shifts)]
    cells = pd.DataFrame([{"team": r.team, "shift": r.shift, "value": r.value, "rest_of_service": r.rest_of_service}
                          for r in rows if r is not None], columns=["team", "shift", "value", "rest_of_service"])
    return grid_words(cells, measure, f"{service}, {window_words(figures)}")


def judgement_figure(service: str, teams: list[str], shifts: list[str], findings: list[Finding]):
    """The grid of the worst finding per place, each cell naming its status with a symbol and counting its findings."""
    def fill(cell: Cell) -> tuple[float, str, str]:
        here = findings_at(findings, cell)
        status = worst_status(here)
        if status is None:
            return 0.0, "○ No flags", "No findings about exactly this place"
        count = f"{len(here)} finding{'s' if len(here) > 1 else ''}"
        return STATUS_HEAT.get(status, 0.0), f"{status_words(status)}<br>{count}", "<br>".join(
            f"{status_symbol(f.status)} {f.subject}" for f in worst_first(here))

    heat, text, hover = grid(service, teams, shifts, fill)
    figure = place_heatmap(heat, text, hover, f"{service}: the most serious finding about each team and shift",
                           WORSE_SCALE, "", zmid=0.0)
    figure.update_traces(zmin=-2, zmax=2, showscale=False, selector={"type": "heatmap"})
    return figure


def measure_figure(service: str, teams: list[str], shifts: list[str], figures: pd.DataFrame, measure: str,
                   findings: list[Finding]):
    """The grid of one measure over the recent window, coloured by how much worse than the rest of the service."""
    spec = MEASURES[measure]
    figures = figures[(figures["service"] == service) & (figures["measure"] == measure)]
    by_place = {(None if pd.isna(r.team) else r.team, None if pd.isna(r.shift) else r.shift): r
                for r in figures.itertuples()}

    def fill(cell: Cell) -> tuple[float, str, str]:
        row = by_place.get((cell.team, cell.shift))
        if row is None or pd.isna(row.value):
            return float("nan"), "", "No figures for exactly this place"
        worse = (row.value - row.rest_of_service) * (1 if spec.higher_is_worse else -1)
        flagged = any(flags_measure(f, measure) for f in findings_at(findings, cell))
        value, rest = value_text(row.value, spec.as_percent), value_text(row.rest_of_service, spec.as_percent)
        note = f"<br>{FLAG} flagged by a finding" if flagged else ""
        return worse, f"{FLAG + ' ' if flagged else ''}{value}<br>({rest} rest)", \
            f"{value} from {row.n:,.0f} {row.n_label} against {rest} in the rest of {service}{note}"

    heat, text, hover = grid(service, teams, shifts, fill)
    # A few points' difference stays pale: colour is kept for gaps as big as the ones the findings flag.
    reach = max(float(pd.to_numeric(heat.stack(), errors="coerce").abs().max()), 0.1 if spec.as_percent else 1.0)
    window = window_words(figures)
    figure = place_heatmap(heat, text, hover, f"{service}: {spec.label}, {window}",
                           WORSE_SCALE, "Worse than<br>the rest →", zmid=0.0)
    figure.update_traces(zmin=-reach, zmax=reach, colorbar={"tickformat": ".0%" if spec.as_percent else ".1f"},
                         selector={"type": "heatmap"})
    return figure


def window_words(figures: pd.DataFrame) -> str:
    """The months the figures cover, e.g. 'May 2026 to Oct 2026'."""
    if figures.empty:
        return "no months"
    return f"{figures['start'].iloc[0]:%b %Y} to {figures['end'].iloc[0]:%b %Y}"


def picked_cell(service: str, picked: list[dict]) -> Cell | None:
    """The grid cell a click picked (its team down the side, its shift across the top), or None."""
    if not picked:
        return None
    team, shift = picked[0].get("y"), picked[0].get("x")
    return Cell(service, None if team == ALL_TEAMS else team, None if shift == WHOLE_TEAM else shift)


def cell_choices(services: list[str], table: pd.DataFrame, findings: list[Finding]) -> list[Cell]:
    """Every place in the grids, the most serious first, so the default choice is the one to look at."""
    cells = []
    for service in services:
        teams, shifts = grid_places(table, service)
        cells += [Cell(service, team, shift) for team in [*teams, None] for shift in [*shifts, None]]
    return sorted(cells, key=lambda c: STATUS_RANK.get(worst_status(findings_at(findings, c)), 4))


def cell_label(cell: Cell, findings: list[Finding], services: int) -> str:
    """A choice in the cell picker, with its worst status."""
    status = worst_status(findings_at(findings, cell))
    mark = f" — {status_words(status)}" if status else ""
    return f"{cell.service + ' · ' if services > 1 else ''}{cell.words()}{mark}"


def show_cell(cell: Cell, table: pd.DataFrame, findings: list[Finding]) -> None:
    """The evidence behind one cell: its findings with their evidence rows, and its measures over time."""
    here = worst_first(findings_at(findings, cell))
    st.subheader(f"Why {plain_markdown(cell.words())} is judged as it is")
    if here:
        for finding in here:
            show_finding(finding, evidence=True)
    else:
        st.markdown("No finding is about exactly this place: nothing here has been persistently worse than the "
                    "rest of the service, or changed beyond the usual variation.")
    if cell.team and cell.shift:
        wider = worst_first(findings_at(findings, Cell(cell.service, cell.team, None)))
        if wider:
            with st.expander(f"{len(wider)} finding{'s' if len(wider) > 1 else ''} about the whole of "
                             f"{plain_markdown(cell.team)}"):
                for finding in wider:
                    show_finding(finding, evidence=True)
    rows = table[(table["service"] == cell.service)
                 & (table["team"].isna() if cell.team is None else table["team"] == cell.team)
                 & (table["shift"].isna() if cell.shift is None else table["shift"] == cell.shift)]
    if cell.team is None and cell.shift is None or rows.empty:
        return
    rows = rows.assign(label=[measure_label(m) for m in rows["measure"]],
                       share=[MEASURES[m].as_percent for m in rows["measure"]],
                       month=pd.to_datetime(rows["month"]))
    show_chart(comparison_lines(rows, f"{cell.words()} against the rest of {cell.service}, month by month"),
               comparison_words(rows, f"{cell.words()} at {cell.service}"), key=f"comparison_{cell}")
