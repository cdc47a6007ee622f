"""Home: where to start this month (the things needing attention in the person's services, with what changed since
last month), and what data is loaded."""

from __future__ import annotations

import streamlit as st

from analytics.board_pack import place_name
from analytics.board_summary import Point, month_end_before, start_here
from analytics.safe_output import plain_markdown
from analytics.store import database_path
from pages.access_gate import page_user
from pages.common import (
    data_changed,
    get_connection,
    refresh_findings,
    require_app_entry,
    uk_date,
    uk_datetime,
)
from pages.data import read
from pages.findings_views import KIND_WORDS, status_badge

ROW_LABELS = {"audits": "Audit answers", "complaints": "Complaints", "rota": "Rota lines",
              "feedback": "Feedback answers"}
# Where each kind of finding is looked at most closely.
KIND_PAGES = {"repeat_finding": ("pages/teams_shifts.py", "Teams and shifts"),
              "fragility": ("pages/teams_shifts.py", "Teams and shifts"),
              "masked_weakness": ("pages/overview.py", "Overview"),
              "special_cause": ("pages/trends.py", "Trends"),
              "emerging_theme": ("pages/themes.py", "Themes"),
              "assurance_gap": ("pages/triangulation.py", "Triangulation"),
              "experience_ahead": ("pages/triangulation.py", "Triangulation"),
              "not_embedded": ("pages/trends.py", "Trends"),
              "narrative_mismatch": ("pages/board_report.py", "Board report")}


def services_text(services: list[str]) -> str:
    """The services by name when there are a few, else how many."""
    if len(services) <= 3:
        return ", ".join(services)
    return f"{len(services)} services"


def show_point(point: Point, number: int) -> None:
    """One thing needing attention: its status, where, the sentence, what changed and a link to look closer."""
    page, title = KIND_PAGES.get(point.kind, ("pages/overview.py", "Overview"))
    with st.container(border=True):
        st.markdown(f"{status_badge(point.status)} :gray-badge[{plain_markdown(point.change)}] "
                    f"**{number}. {plain_markdown(place_name(point.service, point.team, point.shift))}** "
                    f":gray[({KIND_WORDS.get(point.kind, point.kind).lower()})]  \n{plain_markdown(point.sentence)}")
        params = {"service": point.service} | ({"team": point.team} if point.team else {}) \
            | ({"shift": point.shift} if point.shift else {})
        st.page_link(page, label=f"Look closer on {title}", icon=":material/arrow_forward:", query_params=params)


def show_start_here(services: tuple[str, ...] | None) -> None:
    """The things needing attention this month, concerns first, each with what changed since last month."""
    now = read("insights", services, None)
    if now.as_of is None:
        return
    before = read("insights", services, month_end_before(now.as_of))
    points, gone = start_here(now, before, services)
    st.subheader("Start here")
    st.caption(f"What needs attention in the month to {uk_date(now.as_of)}, concerns first, against the findings "
               f"at {uk_date(before.as_of)}.")
    if not points:
        st.success("Nothing is a concern or fragile in your services this month.")
    for number, point in enumerate(points, start=1):
        show_point(point, number)
    if gone:
        said = dict.fromkeys(f"{place_name(p.service, p.team, p.shift)}, {p.subject}" for p in gone)
        st.caption("No longer found since last month: " + plain_markdown("; ".join(said)) + ".")


def load_demo_data() -> None:
    """Write the demo spreadsheets beside the store, load them and work out their findings."""
    from analytics.demo import prepare_demo  # ingest's code, imported only when asked for

    refresh_findings(lambda show: prepare_demo(get_connection(), database_path().parent / "demo", progress=show),
                     first="Loading the demo data (a fictional care home and homecare service)...")
    data_changed()


require_app_entry()
st.title("Leadership Insight")
st.markdown(
    "Leadership Insight shows leaders of adult social care services the true state of their service: "
    "which teams, shifts and standards are slipping, not just the flattering average across the home. "
    "It brings together your audits, complaints, rota and feedback exports so that patterns hidden in "
    "separate spreadsheets become visible.")

user = page_user()
counts = read("row counts", None)
if user.services is not None and any(counts.values()):
    counts = read("row counts", user.services)
if not any(read("row counts", None).values()):
    st.subheader("No data loaded yet")
    st.markdown("Start with the demo data to see what the dashboard shows, or load your own spreadsheets.")
    left, right = st.columns(2)
    with left:
        if user.can("upload"):
            st.button("Load the demo data", type="primary", on_click=load_demo_data)
            st.caption("Or, with the dashboard stopped, run `python -m analytics demo` in the project folder.")
        else:
            st.caption("A quality lead or administrator loads the spreadsheets.")
    with right:
        st.page_link("pages/upload.py", label="Upload your spreadsheets", icon=":material/upload_file:")
        st.caption("Audits, complaints logs, rotas and feedback surveys: .xlsx, .xlsm, .xls or .csv.")
else:
    show_start_here(user.services)
    st.subheader("What is loaded")
    spans = read("coverage", user.services)
    counts = {name: counts.get(name, 0) for name in ROW_LABELS}
    for column, (name, count) in zip(st.columns(len(counts)), counts.items()):
        services, first, last = spans[name]
        with column, st.container(border=True):
            st.metric(ROW_LABELS[name], f"{count:,}")
            if count:
                st.caption(f"{plain_markdown(services_text(services))}  \n{uk_date(first)} to {uk_date(last)}")
            else:
                st.caption("Nothing loaded yet")
    as_of, partial = read("judged as of", user.services)
    if as_of is not None:
        st.caption(f"The pages judge the data as of {uk_date(as_of)}, the end of the last month every loaded source "
                   "covers" + (": " + plain_markdown("; ".join(partial)) + "." if partial else "."))
    if user.can("upload"):
        batches = read("batches", user.services)
        if not batches.empty:
            latest = batches.iloc[0]
            st.caption(f"Last upload {uk_datetime(latest.loaded_at)} by {plain_markdown(latest.loaded_by)}: "
                       f"{plain_markdown(latest.file_name)}")
        st.page_link("pages/upload.py", label="Upload more spreadsheets", icon=":material/upload_file:")
