"""The Board report page's pieces: the pack's tables, the downloads, and the form to record a leader's view."""

from __future__ import annotations

import re
from functools import partial

import pandas as pd
import streamlit as st

from analytics.audit_trail import record
from analytics.board_pack import (
    STATUS_LABELS,
    BoardPack,
    board_pack_html,
    place_name,
)
from analytics.board_pdf import board_pack_pdf
from analytics.board_summary import (
    GRID_SYMBOLS,
    Point,
    cell_evidence,
)
from analytics.insights import Insights
from analytics.measures import show
from analytics.narrative import STANCES, record_view
from analytics.safe_output import plain_markdown
from analytics.signals import metric
from analytics.workbooks import board_pack_xlsx
from pages.common import XLSX_MIME, current_user, get_connection, how_many_shown, response_recorded
from pages.findings_views import evidence_line, show_rows_of, status_badge

RECORDED = "board_view_recorded"
# Longer tables show this many rows until asked for the rest: the whole group's board report drew about 700 rows of
# sentences in full, which kept the browser busy for more than a second before the next service could be drawn.
SHOWN_ROWS = 20
# Colour follows the symbol, so the colour only repeats what the symbol already says. Streamlit's own colours in the
# cell's Markdown, not a pandas Styler: styling every cell took about 6 ms a table and sent CSS for each.
SYMBOL_COLOURS = {"✓": "blue", "▲": "blue", "⚠": "orange", "▼": "orange", "◐": "orange"}
SYMBOL_COLUMNS = ("Status", "Since last quarter", "Then", "Now", "Evidence shows", "Reading")


def coloured(cell: str) -> str:
    """A status or direction cell (already escaped) in bold, blue for good news and orange for bad, by its symbol."""
    colour = SYMBOL_COLOURS.get(cell[:1])
    return f":{colour}[**{cell}**]" if colour else cell


def show_table(frame: pd.DataFrame, empty: str, key: str | None = None) -> None:
    """A table with every sentence in full (no Service column for one service), or a line saying so. A table longer
    than SHOWN_ROWS shows its first rows, and the rest when asked (`key` names that choice; `empty` by default).

    st.table renders Markdown in its cells: every text cell is escaped, so names show as written."""
    if frame.empty:
        st.markdown(f"_{empty}_")
        return
    if "Service" in frame and frame["Service"].nunique() == 1:
        frame = frame.drop(columns="Service")
    table = st.container()
    frame = frame.head(how_many_shown(len(frame), SHOWN_ROWS, f"all_rows_{key or empty}",
                                      why="The downloads hold every row."))
    frame = frame.map(lambda value: plain_markdown(value) if isinstance(value, str) else value)
    for column in SYMBOL_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map(lambda cell: coloured(cell) if isinstance(cell, str) else cell)
    table.table(frame, hide_index=True, border="horizontal")


def show_judgements(frame: pd.DataFrame, empty: str) -> None:
    """Service-level judgements in a table, with the teams' own in an expander beneath."""
    services = frame[frame["Level"] == "Service"].drop(columns="Level")
    teams = frame[frame["Level"] == "Team"].drop(columns="Level")
    show_table(services, empty if teams.empty else "Nothing at the level of the whole service; see the teams.",
               key=empty)
    if not teams.empty:
        with st.expander(f"Team by team ({len(teams)})"):
            show_table(teams, "", key=f"{empty} (teams)")


def show_must_know(points: list[Point]) -> None:
    """The sentences the board must know, each with its evidence in words and the rows behind it."""
    if not points:
        st.success("Nothing stands out: no concern, fragile area or strength on the evidence for this period.")
    for number, point in enumerate(points, start=1):
        with st.container(border=True):
            st.markdown(f"{status_badge(point.status)} **{number}. "
                        f"{plain_markdown(place_name(point.service, point.team, point.shift))}**  \n"
                        f"{plain_markdown(point.sentence)}")
            st.markdown("\n".join(evidence_line(item) for item in point.evidence[:3]))
            show_rows_of(point.evidence, key=f"must_know_rows_{number}")


def show_grid(pack: BoardPack, insights: Insights) -> None:
    """Key question by service and team; choosing a cell opens its sentence, evidence and rows."""
    grid = pack.grid_table
    if grid.empty:
        st.markdown("_No key question has evidence for this service yet._")
        return
    shown = grid.assign(Team=grid["Team"].fillna("Whole service"))
    event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-cell", key="board_grid",
                         height=min(35 * (len(shown) + 1) + 3, 600))
    st.caption("Choose a cell to open the evidence and the rows behind it. " + " ".join(GRID_SYMBOLS.values()))
    cells = event.selection.cells if event is not None else []
    if not cells or cells[0][1] in ("Service", "Team"):
        return
    row, question = cells[0]
    service, team = grid.iloc[row]["Service"], grid.iloc[row]["Team"]
    team = team if isinstance(team, str) else None
    sentence, evidence = cell_evidence(insights, service, team, question)
    with st.container(border=True):
        st.markdown(f"**{plain_markdown(place_name(service, team))} · {plain_markdown(question)}**: "
                    f"{plain_markdown(grid.iloc[row][question] or '○ No judgement')}  \n{plain_markdown(sentence)}")
        if evidence:
            st.markdown("\n".join(evidence_line(item) for item in evidence))
            show_rows_of(evidence, key=f"grid_rows_{row}_{question}")


def show_measures(frame: pd.DataFrame) -> None:
    """The measures that matter: the two quarters' figures and the Making Data Count icons in words."""
    if frame.empty:
        st.markdown("_No monthly measures for this period._")
        return
    table = pd.DataFrame({
        "Service": frame["service"], "Measure": frame["measure"],
        "Last quarter": [_figure(r) for r in frame.to_dict("records")],
        "Quarter before": [_figure(r, "before") for r in frame.to_dict("records")],
        "Variation": frame["variation_symbol"] + " " + frame["variation"],
        "Assurance": frame["assurance_symbol"] + " " + frame["assurance"]})
    show_table(table, "", key="measures")


def _figure(row: dict, which: str = "now") -> str:
    value = row[which]
    return "no data" if value is None else f"{show(metric(row['metric']).measure, value)} ({row[which + '_n']:,.0f})"


def show_downloads(pack: BoardPack) -> None:
    """The board pack as a workbook, a PDF and a page to print."""
    scope = re.sub(r"[^a-z0-9]+", "_", pack.scope.lower()).strip("_") or "services"
    stem = f"board_report_{scope}_{pack.as_of:%Y-%m-%d}"
    left, middle, right = st.columns(3)
    # Each file is made when its button is pressed (the PDF about 0.3 s, the workbook 0.07 s), not on every view.
    middle.download_button("Download the board pack (.pdf)", partial(board_pack_pdf, pack), file_name=f"{stem}.pdf",
                           mime="application/pdf", icon=":material/picture_as_pdf:", on_click=record_export,
                           args=({"what": "board pack", "format": "pdf", "scope": pack.scope, "file": f"{stem}.pdf"},))
    left.download_button("Download the board pack (.xlsx)", partial(board_pack_xlsx, pack), file_name=f"{stem}.xlsx",
                         mime=XLSX_MIME, icon=":material/table_view:", on_click=record_export,
                         args=({"what": "board pack", "format": "xlsx", "scope": pack.scope, "file": f"{stem}.xlsx"},))
    right.download_button("Download the print-ready report (.html)", partial(board_pack_html, pack),
                          file_name=f"{stem}.html", mime="text/html", icon=":material/print:", on_click=record_export,
                          args=({"what": "board pack", "format": "html", "scope": pack.scope, "file": f"{stem}.html"},))
    right.caption("A web page to print: each section starts on a new A4 page.")


def record_export(detail: dict) -> None:
    """Note a download in the audit trail (runs when the button is clicked)."""
    record(get_connection().cursor(), current_user(), "export", detail)


def show_record_view_form(services: list[str], chosen: str | None, questions: list[str]) -> None:
    """A small form to record a leader's own judgement of a key question, to set against the evidence."""
    if message := st.session_state.pop(RECORDED, None):
        st.success(message)
    with st.form("record_view", clear_on_submit=True, border=True):
        st.markdown("**Record a leader's judgement**")
        left, middle, right = st.columns(3)
        service = left.selectbox("Service", services, index=services.index(chosen) if chosen in services else 0)
        key_question = middle.selectbox("Key question", questions)
        stance = right.selectbox("Leaders judge it", STANCES, format_func=STATUS_LABELS.get)
        statement = st.text_input("In one sentence", placeholder="e.g. Staffing is stable on every unit")
        if not st.form_submit_button("Record this judgement", type="primary"):
            return
    try:
        record_view(get_connection(), service, key_question, stance, statement, recorded_by=current_user())
    except ValueError as problem:
        st.error(plain_markdown(str(problem).capitalize()))
        return
    st.session_state[RECORDED] = (f"Recorded: {plain_markdown(key_question)} at {plain_markdown(service)} judged "
                                  f"{stance}. It is set against the evidence above.")
    response_recorded()
    st.rerun()
