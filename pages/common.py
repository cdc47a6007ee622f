"""What every page shares: the store connection, cached queries, and small view helpers."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import background_refresh
from analytics.access import LOCAL_USER
from analytics.audit_trail import os_user
from analytics.concerns import refresh_with_history
from analytics.safe_output import plain_markdown
from analytics.settings import load_settings
from analytics.store import StoreBusy, StoreUnreadable, connect, data_version, database_path
from analytics.store_server import serve
from analytics.stored_insights import Progress, refresh
from analytics.values import cell_as_text

USER_KEY = "access_user"  # the person the gate in app.py let in on this run (analytics.access.User)
ENTERED_THROUGH_APP = "entered_through_app"
WANTED_PAGE = "wanted_page"  # (page file, query parameters) of a first visit that skipped app.py
SOURCE_LABELS = {"audits": "Audits", "complaints": "Complaints", "rota": "Rota", "feedback": "Feedback",
                 "leaders": "Leaders", "actions": "Actions"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_ROW_PIXELS = 35


def require_app_entry() -> None:
    """Send a visit that skipped app.py through it, so its navigation and page settings apply.

    Until app.py has run once in a server process, Streamlit treats a folder named pages/ beside it as
    old-style pages: a first visit straight to /upload runs the page alone and lists every module in
    pages/ as a page of its own.
    """
    if not st.session_state.get(ENTERED_THROUGH_APP):
        # The page asked for and its filters, which app.py opens once it has run (else the visit lands on Home).
        asked = Path(sys._getframe(1).f_code.co_filename)
        st.session_state[WANTED_PAGE] = (f"pages/{asked.name}", st.query_params.to_dict())
        st.switch_page("app.py")


def settle_imports() -> None:
    """Once per server process, after app.py's first run: what the imports made (pandas, Arrow, plotly, Streamlit,
    the analytics: about 150,000 objects) is moved out of the cycle collector's reach. They live as long as the
    process; scanning them made each full collection take about 90 ms, in the middle of whichever page's work
    happened to allocate past the collector's threshold."""
    if not getattr(settle_imports, "done", False):
        gc.freeze()
        settle_imports.done = True  # type: ignore[attr-defined]


def current_database() -> str:
    """The database file this process uses; also the cache key, so each store gets its own connection."""
    return str(database_path())


@st.cache_resource(show_spinner=False)
def connection_for(database: str) -> duckdb.DuckDBPyConnection:
    """The one connection this process keeps to `database` (take a cursor per query).

    While it is open, the command line hands its commands to this process (analytics.store_server)."""
    con = connect(database, wait=5.0)
    serve(con, Path(database), handed_over(database))
    return con


CHANGES_DATA = ("ingest", "remove")  # commands after which the stored findings are worked out again


def handed_over(database: str) -> Callable[..., int]:
    """How this process runs a command handed over by `python -m analytics` for `database` (analytics.store_server).
    The command line's code (ingest and everything it reads files with) is imported when the first command arrives,
    not before a page can show. After a load or removal the findings are worked out again in the background, as
    after one on the Upload page."""
    def run(con: duckdb.DuckDBPyConnection, arguments: dict, *streams) -> int:
        from analytics.__main__ import run_handed_over

        status = run_handed_over(con, arguments, *streams)
        if status == 0 and arguments.get("command") in CHANGES_DATA:
            background_refresh.request(con, database)
        return status
    return run


def get_connection() -> duckdb.DuckDBPyConnection:
    """The connection to the current store; if another program has the store open, or DuckDB cannot read it, say
    so and stop the page."""
    try:
        return connection_for(current_database())
    except StoreBusy as error:
        st.warning(plain_markdown(error), icon=":material/hourglass_top:")
        st.button("Try again", key="store_busy_retry")
        st.stop()
    except StoreUnreadable as error:
        st.error(plain_markdown(error), icon=":material/error:")
        st.button("Try again", key="store_unreadable_retry")
        st.stop()


_seen_versions: dict[str, int] = {}


def forget_stale_results() -> None:
    """Drop every cached result if the data changed since this process last looked, wherever the change came from
    (this page, another session, or the command line handing a load to this process). app.py runs it every run."""
    database = current_database()
    version = data_version(get_connection())
    if _seen_versions.get(database, version) != version:
        st.cache_data.clear()
    _seen_versions[database] = version


def data_changed() -> None:
    """Forget cached query results after a load or removal."""
    st.cache_data.clear()


def settings_json() -> str:
    """The store's settings as text: part of every cache key, so a saved setting takes effect at once."""
    return json.dumps(load_settings(get_connection()), sort_keys=True, default=str)


def refresh_findings(work: Callable[[Progress], object] | None = None,
                     first: str = "Working out the findings for the services that changed...") -> None:
    """After a load or removal, bring the stored findings up to date for the services it touched (or do `work`,
    which does that with its own steps), with a progress bar, so the next page opens at once."""
    bar = st.progress(0.0, text=first)

    def show(done: int, of: int, service: str) -> None:
        bar.progress(done / of, text=f"Working out the findings: {plain_markdown(service)} ({done} of {of})")

    if work is None:
        refresh_with_history(get_connection(), progress=show)
    else:
        work(show)
    bar.empty()


def refresh_in_background() -> None:
    """After a load or removal: the stored findings and each concern's history brought up to date in the background
    (analytics.background_refresh), so the person who uploaded can go on; `show_background_refresh` shows it."""
    background_refresh.request(get_connection(), current_database())


@st.fragment(run_every=1.0)
def _refresh_progress() -> None:
    now = background_refresh.state(current_database()).snapshot()
    if now["running"]:
        share = now["done"] / now["of"] if now["of"] else 0.0
        step = f": {plain_markdown(now['step'])} ({now['done']} of {now['of']})" if now["of"] else "..."
        st.progress(share, text=f"Working out the findings for what changed, in the background{step}")
    else:
        st.rerun()  # the whole page again, with the finished state and its figures


def show_background_refresh() -> None:
    """Where the background work stands: a live bar while it runs (other pages meanwhile work out what they show
    themselves, never showing results older than the data), what failed if it failed, and how long it took."""
    now = background_refresh.state(current_database()).snapshot()
    if now["running"]:
        _refresh_progress()
    elif now["error"]:
        st.error(f"Working out the findings after the last change failed ({plain_markdown(now['error'])}). Pages "
                 "work out what they show when opened, so nothing shown is out of date; the details are in the "
                 "dashboard's log.", icon=":material/error:")
    elif now["passes"] and now["seconds"] is not None:
        st.caption(f"The findings are up to date with the data (worked out in the background in "
                   f"{now['seconds']:.0f} s).")


def background_refresh_running() -> bool:
    return bool(background_refresh.state(current_database()).snapshot()["running"])


@st.fragment(run_every=2.0)
def sidebar_refresh_note() -> None:
    """While the background work runs, a note in the sidebar of every page, gone once it has finished (checked
    every two seconds, without running the page again: the page shown worked out its own results meanwhile)."""
    if background_refresh_running():
        st.caption("The findings are being worked out again after the last upload; the Upload page shows how far. "
                   "Pages opened meanwhile work out what they show, so nothing shown is out of date.")


def response_recorded() -> None:
    """After a leader records a recognition, action or view: the latest findings rest on it (the register's
    Well-led rows), so bring them up to date now, with a progress bar, rather than on the next page opened."""
    refresh_findings(lambda show: refresh(get_connection(), progress=show),
                     first="Bringing the findings up to date with what you recorded...")
    data_changed()


def stop_without_data() -> None:
    """With nothing loaded, say how to load the demo data or upload spreadsheets, and end the page there."""
    from pages.data import read  # the data layer reads through this module's connection

    if any(read("row counts", None).values()):
        return
    st.info("No data is loaded yet, so there is nothing to show. Load the demo data (a fictional care home and "
            "homecare service) from the Home page, or upload your own audits, complaints, rota and feedback.")
    left, right = st.columns(2)
    left.page_link("pages/home.py", label="Home: load the demo data", icon=":material/home:")
    right.page_link("pages/upload.py", label="Upload your spreadsheets", icon=":material/upload_file:")
    st.stop()


def current_user() -> str:
    """Who is using the app, for the audit trail: the signed-in person's email, else the operating-system user."""
    user = st.session_state.get(USER_KEY)
    return user.email if user is not None and user.email != LOCAL_USER else os_user()


def show_original_text() -> bool:
    """The sidebar's "Show original text" switch, for roles that may see it; everyone else sees masked text."""
    user = st.session_state.get(USER_KEY)
    if user is None or not user.can("see_original_text"):
        return False
    return st.sidebar.toggle("Show original text", value=False, key="show_original_text",
                             help="Complaint summaries and comments are shown with names, phone numbers, addresses "
                                  "and other personal data masked. Your role may see the original text.")


def source_label(name: str) -> str:
    """A source's name as people read it."""
    return SOURCE_LABELS.get(name, name[:1].upper() + name[1:])


def uk_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, or an empty string for no date."""
    return "" if value is None or pd.isna(value) else value.strftime("%d/%m/%Y")


def uk_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM, or an empty string for no time."""
    return "" if value is None or pd.isna(value) else value.strftime("%d/%m/%Y %H:%M")


def cell_text(value: object) -> str:
    """A spreadsheet cell as text for a preview: UK dates, whole numbers without '.0', blanks empty."""
    return cell_as_text(value)

def show_chart(figure: go.Figure, summary: str, key: str | None = None, pickable: bool = False) -> list[dict]:
    """A chart with, right under it, what it shows in words (from analytics.chart_words), for a screen-reader user
    or anyone who would rather read: every chart on every page is drawn through here. With `pickable`, clicking a
    point reruns the page and the points picked are returned (Plotly's x, y, curve and point number of each)."""
    event = st.plotly_chart(figure, key=key, alt=summary, on_select="rerun" if pickable else "ignore",
                            selection_mode="points")
    st.caption(f"In words: {plain_markdown(summary)}")
    return list(event.selection.points) if pickable and event is not None else []


def fitted_height(rows: int, most: int = 15) -> int | str:
    """A table height showing every row, or `most` rows and a scroll bar for longer tables."""
    return "content" if rows <= most else (most + 1) * TABLE_ROW_PIXELS + 3


# Sentences listed in one element at most: beyond this a list is searched, not read (the filters narrow it).
LISTED_AT_MOST = 100


def show_listed(items: pd.DataFrame | Sequence[Any], sentence: Callable[[Any], str]) -> None:
    """Items (a frame's rows as mappings, or a list) as one Markdown list of their sentences (already escaped): one
    element however long, where an element each made a whole group's Trends page send 526 of them. Only the first
    LISTED_AT_MOST are put into words, and a line says how to see the rest."""
    head = items[:LISTED_AT_MOST]
    text = "\n".join(f"- {sentence(item)}" for item in
                     (head.to_dict("records") if isinstance(head, pd.DataFrame) else head))
    if len(items) > LISTED_AT_MOST:
        text += (f"\n\n_The first {LISTED_AT_MOST} of {len(items):,}. Choose a service, team or shift in the filters "
                 "to see the rest._")
    st.markdown(text)


def how_many_shown(total: int, at_most: int, key: str, noun: str = "rows", why: str = "") -> int:
    """How many of `total` items a page shows: all, up to `at_most`; past it the first `at_most`, with a line saying
    so (and `why`) and a toggle, named by `key`, to show every one. The whole group's pages held hundreds of cards
    and table rows, which kept the browser busy for a second or more whenever the page changed."""
    if total <= at_most:
        return total
    note = st.empty()  # above the toggle, filled once the choice is known
    if st.toggle(f"Show all {total:,} {noun}", key=key):
        return total
    note.caption(f"The first {at_most} of {total:,} {noun}.{' ' + why if why else ''}")
    return at_most
