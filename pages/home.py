"""Home: what the product is, and what data it holds."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.batches import coverage
from analytics.demo import load_demo
from analytics.safe_output import plain_markdown
from analytics.scope import Scope, latest_complete_month
from analytics.store import database_path
from pages.access_gate import page_user
from pages.common import (
    connection_for,
    current_database,
    data_changed,
    get_connection,
    loaded_batches,
    loaded_row_counts,
    refresh_findings,
    require_app_entry,
    uk_date,
    uk_datetime,
)

ROW_LABELS = {"audits": "Audit answers", "complaints": "Complaints", "rota": "Rota lines",
              "feedback": "Feedback answers"}


@st.cache_data(show_spinner=False)
def cached_coverage(database: str, services: tuple[str, ...] | None) -> dict[str, tuple[list[str], date | None,
                                                                                     date | None]]:
    """Per source: the services it covers and its first and last date."""
    return coverage(connection_for(database), Scope(services))


@st.cache_data(show_spinner=False)
def judged_as_of(database: str, services: tuple[str, ...] | None) -> tuple[date | None, list[str]]:
    """The date the pages judge as of by default, and the months left out as partial."""
    return latest_complete_month(connection_for(database), Scope(services))


@st.cache_data(show_spinner=False)
def scoped_counts(database: str, services: tuple[str, ...]) -> dict[str, int]:
    """Rows per source in the person's services only."""
    cur = connection_for(database).cursor()
    marks = ", ".join("?" for _ in services) or "NULL"
    return {table: cur.execute(f"SELECT count(*) FROM {table} WHERE service IN ({marks})", list(services)).fetchone()[0]
            for table in ROW_LABELS}


def services_text(services: list[str]) -> str:
    """The services by name when there are a few, else how many."""
    if len(services) <= 3:
        return ", ".join(services)
    return f"{len(services)} services"


def load_demo_data() -> None:
    """Write the demo spreadsheets beside the store and load them."""
    with st.spinner("Loading the demo data (a fictional care home and homecare service)..."):
        load_demo(get_connection(), database_path().parent / "demo")
    data_changed()
    refresh_findings()


require_app_entry()
st.title("Leadership Insight")
st.markdown(
    "Leadership Insight shows leaders of adult social care services the true state of their service: "
    "which teams, shifts and standards are slipping, not just the flattering average across the home. "
    "It brings together your audits, complaints, rota and feedback exports so that patterns hidden in "
    "separate spreadsheets become visible.")

user = page_user()
counts = loaded_row_counts()
if user.services is not None and any(counts.values()):
    counts = scoped_counts(current_database(), user.services)
if not any(loaded_row_counts().values()):
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
    st.subheader("What is loaded")
    spans = cached_coverage(current_database(), user.services)
    for column, (name, count) in zip(st.columns(len(counts)), counts.items()):
        services, first, last = spans[name]
        with column, st.container(border=True):
            st.metric(ROW_LABELS[name], f"{count:,}")
            if count:
                st.caption(f"{plain_markdown(services_text(services))}  \n{uk_date(first)} to {uk_date(last)}")
            else:
                st.caption("Nothing loaded yet")
    as_of, partial = judged_as_of(current_database(), user.services)
    if as_of is not None:
        st.caption(f"The pages judge the data as of {uk_date(as_of)}, the end of the last month every loaded source "
                   "covers" + (": " + plain_markdown("; ".join(partial)) + "." if partial else "."))
    if user.can("upload"):
        batches = loaded_batches(user.services)
        if not batches.empty:
            latest = batches.iloc[0]
            st.caption(f"Last upload {uk_datetime(latest.loaded_at)} by {plain_markdown(latest.loaded_by)}: "
                       f"{plain_markdown(latest.file_name)}")
        st.page_link("pages/upload.py", label="Upload more spreadsheets", icon=":material/upload_file:")
