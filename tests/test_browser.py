"""The real server in headless Chromium: every page renders without an exception, and a file uploads and loads."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analytics.store import DB_ENV

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no chromium binary (apt-get install chromium)", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60
WAIT_MS = 30_000
EXCEPTION = '[data-testid="stException"]'

NEW_AUDITS = ("Date,Unit,Audit type,Question,Answer,Audit ref\n"
              "11/03/2026,Willow,Falls,Sensor mats checked,Yes,FALLS-9\n"
              "11/03/2026,Willow,Falls,Call bell in reach,Not met,FALLS-9\n"
              "31/02/2026,Willow,Falls,Bed rails assessed,Yes,FALLS-9\n")
UNMAPPED_TEAM = "Date,Corridor,Audit type,Question,Answer\n04/03/2026,Blue,Falls,Sensor mats checked,Yes\n"


def free_port() -> int:
    """A TCP port nothing is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(database: Path) -> Iterator[str]:
    """Run `streamlit run app.py` on the given store; yields its address and always stops it."""
    port = free_port()
    log = database.parent / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env={**os.environ, DB_ENV: str(database)}, stdout=output, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def loaded_server(loaded_db_file: Path) -> Iterator[str]:
    """A server on a store holding the sample data."""
    with streamlit_server(loaded_db_file) as url:
        yield url


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a store with nothing loaded."""
    with streamlit_server(tmp_path_factory.mktemp("browser_empty") / "leadership_insight.duckdb") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    """Headless Debian Chromium."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: "sync_api.Browser") -> Iterator["sync_api.Page"]:
    """A fresh tab, sized like a laptop screen."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_app_page(page: "sync_api.Page", url: str, expected_text: str) -> None:
    """Go to a page and wait until the script has run far enough to show `expected_text`."""
    page.goto(url)
    page.get_by_text(expected_text, exact=False).first.wait_for()
    wait_for_script(page)


def wait_for_script(page: "sync_api.Page") -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_timeout(500)  # tables and charts paint after the script has finished


def screenshot(page: "sync_api.Page", name: str) -> None:
    """Save the whole page: the app scrolls inside its main panel, so grow the window to fit it first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(900, int(height) + 40)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_app_navigation(page: "sync_api.Page") -> None:
    """The sidebar lists the app's pages, not every module in pages/."""
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    assert [link.split("\n")[-1] for link in links] == ["Home", "Overview", "Trends", "Teams and shifts",
                                                         "Triangulation", "Themes", "Board report", "Upload", "Settings"]


def assert_no_exception(page: "sync_api.Page") -> None:
    """No Streamlit exception box anywhere on the page."""
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, shown.first.inner_text()


def test_home_with_data(page: "sync_api.Page", loaded_server: str) -> None:
    open_app_page(page, loaded_server, "What is loaded")
    body = page.inner_text("body")
    for expected in ("Leadership Insight", "Audit answers", "Rota lines", "03/02/2026 to 10/03/2026",
                     "Elm Court, Oak House", "Upload more spreadsheets"):
        assert expected in body
    assert_app_navigation(page)
    assert_no_exception(page)
    screenshot(page, "home")


def test_home_on_an_empty_store(page: "sync_api.Page", empty_server: str) -> None:
    open_app_page(page, empty_server, "No data loaded yet")
    body = page.inner_text("body")
    assert "Load the demo data" in body and "Upload your spreadsheets" in body
    assert_no_exception(page)
    screenshot(page, "home_empty")


def test_upload_page_with_history(page: "sync_api.Page", loaded_server: str) -> None:
    open_app_page(page, f"{loaded_server}/upload", "Upload history")
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    page.locator('[data-testid="stDataFrame"]').wait_for()
    assert_app_navigation(page)
    assert_no_exception(page)
    screenshot(page, "upload")


def test_upload_page_on_an_empty_store(page: "sync_api.Page", empty_server: str) -> None:
    open_app_page(page, f"{empty_server}/upload", "Nothing has been loaded yet")
    assert_no_exception(page)
    screenshot(page, "upload_empty")


def test_a_file_needing_a_column_chosen_shows_what_to_map(page: "sync_api.Page", empty_server: str) -> None:
    open_app_page(page, f"{empty_server}/upload", "Upload history")
    choose_file(page, "falls_by_corridor.csv", UNMAPPED_TEAM)
    page.get_by_text("needs Team").wait_for()
    wait_for_script(page)
    assert page.get_by_role("button", name="Load falls_by_corridor.csv").is_disabled()
    assert_no_exception(page)
    screenshot(page, "upload_mapping")


def test_uploading_and_loading_a_file(page: "sync_api.Page", loaded_server: str) -> None:
    open_app_page(page, f"{loaded_server}/upload", "Upload history")
    choose_file(page, "falls_audit.csv", NEW_AUDITS)
    page.get_by_role("button", name="Load falls_audit.csv").click()
    page.get_by_text("falls_audit.csv: audits (long layout), batch 5: 2 new").wait_for()
    wait_for_script(page)
    assert "1 row was not loaded" in page.inner_text("body")
    assert page.get_by_role("button", name="Download the rows to fix (.xlsx)").is_visible()
    assert_app_navigation(page)
    assert_no_exception(page)
    screenshot(page, "upload_loaded")
    open_app_page(page, loaded_server, "What is loaded")
    assert "falls_audit.csv" in page.inner_text("body")


def choose_file(page: "sync_api.Page", name: str, text: str) -> None:
    """Put a CSV into the Upload page's file input, as a person picking it would."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    page.get_by_role("button", name=f"Load {name}").wait_for()


def test_a_first_visit_straight_to_a_page_gets_the_apps_navigation(page: "sync_api.Page", tmp_path: Path) -> None:
    # Streamlit runs a folder named pages/ as old-style pages until app.py has run once in the process.
    with streamlit_server(tmp_path / "leadership_insight.duckdb") as url:
        open_app_page(page, f"{url}/upload", "Leadership Insight")
        assert_app_navigation(page)
        open_app_page(page, f"{url}/upload", "Upload history")
        assert_app_navigation(page)
        assert_no_exception(page)
