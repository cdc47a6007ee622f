"""The real server under hostile input: a workbook that would make the reader abort leaves the server up, and the
command line works beside the running dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hostile_files import stray_cell
from served import assert_no_exception, open_app_page, screenshot, streamlit_server, wait_for_script

if TYPE_CHECKING:
    from playwright import sync_api

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def server_and_store(tmp_path_factory: pytest.TempPathFactory):
    database = tmp_path_factory.mktemp("hostile_browser") / "leadership_insight.duckdb"
    with streamlit_server(database) as url:
        yield url, database


def test_a_stray_cell_workbook_is_refused_and_the_server_stays_up(page: "sync_api.Page", server_and_store,
                                                                   tmp_path: Path) -> None:
    url, _ = server_and_store
    workbook = stray_cell(tmp_path / "tiny.xlsx")
    open_app_page(page, url, "Leadership Insight")  # a server's first visit goes through the app's home page
    open_app_page(page, f"{url}/upload", "Upload history")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "tiny.xlsx", "mimeType": XLSX_MIME, "buffer": workbook.read_bytes()})
    page.get_by_text("stray cell far below or to the right of the table").wait_for(timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)
    screenshot(page, "upload_stray_cell_refused")
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
        assert answer.status == 200
    open_app_page(page, url, "Leadership Insight")
    assert_no_exception(page)


def test_the_command_line_works_beside_the_running_dashboard(page: "sync_api.Page", server_and_store,
                                                             tmp_path: Path) -> None:
    url, database = server_and_store
    open_app_page(page, url, "Leadership Insight")  # the dashboard has the store open now
    complaints = tmp_path / "complaints.csv"
    complaints.write_text("Ref,Date received,Home,Unit,Summary\nC-1,02/03/2026,Oakwood,Rowan,Cold tea\n"
                          "C-2,03/03/2026,Oakwood,Rowan,Late call\n")
    done = subprocess.run([sys.executable, "-m", "analytics", "--db", str(database), "ingest", str(complaints)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LEADERSHIP_INSIGHT_WAIT_SECONDS": "2"})
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stdout
    # The dashboard's own pages show the load at once (its results are keyed by the store's data version).
    open_app_page(page, url, "What is loaded")
    assert "complaints.csv" in page.inner_text("body")
