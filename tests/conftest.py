"""Shared fixtures: throwaway stores, a small hand-made data set, the demo data, servers and a browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
import served
from openpyxl import Workbook

from analytics import background_refresh
from analytics.demo import prepare_demo
from analytics.ingest import ingest_path
from analytics.store import DB_ENV, connect

if TYPE_CHECKING:
    from playwright import sync_api

SAMPLE_LOADED_BY = "test.lead@example.org"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A page's upload or removal goes on working out findings in a thread (analytics.background_refresh): each test
    ends once that has finished, before its fixtures close the store, and fails if it failed."""
    try:
        return (yield)
    finally:
        failed = {database: error for database, error in background_refresh.wait_all(timeout=600).items() if error}
        background_refresh._REFRESHES.clear()  # the next test starts with no store's work known
        if failed:
            raise AssertionError(f"the background refresh failed: {failed}")


AUDIT_ROWS = [
    ["Date of audit", "Service", "Unit", "Shift", "Audit type", "Question", "Answer", "Audit ref", "Auditor"],
    ["03/02/2026", "Oak House", "Rowan", "Early", "Medication", "MAR charts signed", "Yes", "MED-1", "Jo Bloggs"],
    ["03/02/2026", "Oak House", "Rowan", "Early", "Medication", "Fridge temperature logged", "No", "MED-1",
     "Jo Bloggs"],
    ["03/02/2026", "Oak House", "Rowan", "Early", "Medication", "PRN protocols in place", "Yes", "MED-1",
     "Jo Bloggs"],
    ["10/03/2026", "Elm Court", "Willow", "Night", "Medication", "MAR charts signed", "No", "MED-2", "Sam Patel"],
    ["10/03/2026", "Elm Court", "Willow", "Night", "Medication", "Fridge temperature logged", "Yes", "MED-2",
     "Sam Patel"],
    ["not a date", "Elm Court", "Willow", "Night", "Medication", "PRN protocols in place", "Yes", "MED-3",
     "Sam Patel"],
]
COMPLAINT_ROWS = [
    ["Ref", "Date received", "Service", "Unit", "Category", "Summary", "Complainant", "Outcome", "Status"],
    ["C-101", "05/01/2026", "Oak House", "Rowan", "Communication", "Calls not returned", "Daughter", "Upheld",
     "Closed"],
    ["C-102", "19/02/2026", "Elm Court", "Willow", "Laundry", "Clothes went missing", "Son", "Not upheld", "Closed"],
    ["C-103", "02/03/2026", "Oak House", "Rowan", "Staffing", "Unfamiliar agency staff at night", "Resident", "",
     "Open"],
]
ROTA_ROWS = [
    ["Date", "Service", "Unit", "Shift", "Role", "Planned hours", "Actual hours", "Agency hours"],
    ["02/02/2026", "Oak House", "Rowan", "Early", "Carer", 32, 30, 8],
    ["02/02/2026", "Oak House", "Rowan", "Night", "Carer", 24, 24, 12],
    ["02/02/2026", "Elm Court", "Willow", "Early", "Carer", 40, 36, 0],
    ["09/02/2026", "Elm Court", "Willow", "Night", "Carer", 24, 16, 8],
]
FEEDBACK_ROWS = [
    ["Date", "Service", "Unit", "Respondent", "Rating", "Comment"],
    ["12/01/2026", "Oak House", "Rowan", "Relative", "Very good", "Staff are kind and patient"],
    ["20/02/2026", "Elm Court", "Willow", "Resident", "Poor", "Nobody answered the call bell at night"],
    ["03/03/2026", "Oak House", "Rowan", "Relative", "Good", "Activities have improved"],
]


def _write_xlsx(path: Path, rows: list[list[object]], sheet: str) -> Path:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _write_csv(path: Path, rows: list[list[object]]) -> Path:
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    return path


def write_sample_spreadsheets(folder: Path) -> list[Path]:
    """Write one tiny export per source (two workbooks, two CSVs); the audits hold one undated row."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_xlsx(folder / "medication_audits.xlsx", AUDIT_ROWS, "Audits"),
        _write_csv(folder / "complaints_log.csv", COMPLAINT_ROWS),
        _write_xlsx(folder / "rota_february.xlsx", ROTA_ROWS, "Rota"),
        _write_csv(folder / "family_survey.csv", FEEDBACK_ROWS),
    ]


def load_sample_data(connection: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """Load the sample spreadsheets as a quality lead would."""
    for path in files:
        ingest_path(connection, path, loaded_by=SAMPLE_LOADED_BY)


@pytest.fixture(scope="session")
def sample_spreadsheets(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample spreadsheets, written once per test session (read them, don't change them)."""
    return write_sample_spreadsheets(tmp_path_factory.mktemp("sample_spreadsheets"))


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database file, which $LEADERSHIP_INSIGHT_DB points at for the test."""
    path = tmp_path / "store" / "leadership_insight.duckdb"
    monkeypatch.setenv(DB_ENV, str(path))
    return path


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connected, empty store, closed after the test."""
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def loaded_con(con: duckdb.DuckDBPyConnection, sample_spreadsheets: list[Path]) -> duckdb.DuckDBPyConnection:
    """The store with the sample spreadsheets loaded: one batch per source."""
    load_sample_data(con, sample_spreadsheets)
    return con


@pytest.fixture(scope="module")
def loaded_db_file(tmp_path_factory: pytest.TempPathFactory, sample_spreadsheets: list[Path]) -> Path:
    """A database file holding the sample data, closed so that another process (a server) can open it."""
    path = tmp_path_factory.mktemp("loaded_store") / "leadership_insight.duckdb"
    connection = connect(path)
    try:
        load_sample_data(connection, sample_spreadsheets)
    finally:
        connection.close()
    return path


@pytest.fixture(scope="session")
def pristine_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data loaded once per session, its findings and concerns' history worked out as `demo` does;
    copy it (demo_db_copy) rather than change it."""
    folder = tmp_path_factory.mktemp("pristine_demo")
    connection = connect(folder / "demo.duckdb")
    try:
        prepare_demo(connection, folder / "files")
    finally:
        connection.close()
    return folder / "demo.duckdb"


@pytest.fixture(scope="module")
def demo_db_copy(pristine_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module's own copy of the demo store, closed, free to change."""
    copy = tmp_path_factory.mktemp("demo_copy") / "leadership_insight.duckdb"
    shutil.copyfile(pristine_demo_db, copy)
    return copy


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    """Headless Debian Chromium (the browser tests skip, saying why, where it or Playwright is missing)."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(served.CHROMIUM).exists():
        pytest.skip("no chromium binary (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=served.CHROMIUM, args=served.CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    """A fresh tab, sized like a laptop screen."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(served.WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def loaded_server(loaded_db_file: Path) -> Iterator[str]:
    """A server on a store holding the sample data."""
    with served.streamlit_server(loaded_db_file) as url:
        yield url


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a store with nothing loaded."""
    with served.streamlit_server(tmp_path_factory.mktemp("browser_empty") / "leadership_insight.duckdb") as url:
        yield url


@pytest.fixture(scope="module")
def demo_server(demo_db_copy: Path) -> Iterator[str]:
    """A server on a copy of the demo store."""
    with served.streamlit_server(demo_db_copy) as url:
        yield url


@pytest.fixture(scope="module")
def demo_con(demo_db_copy: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to this module's copy of the demo store, closed after the module."""
    connection = connect(demo_db_copy)
    yield connection
    connection.close()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list:
    """How many services' insights were computed, rather than read back from the store (each run's services)."""
    from analytics import stored_insights

    calls: list = []
    real = stored_insights.run_insights

    def run(con, scope, settings):
        calls.append(scope.services)
        return real(con, scope, settings)

    monkeypatch.setattr(stored_insights, "run_insights", run)
    return calls
