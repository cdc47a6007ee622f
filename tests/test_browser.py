"""The real server in headless Chromium: every page renders without an exception, and a file uploads and loads."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from served import (
    assert_app_navigation,
    assert_no_exception,
    open_app_page,
    screenshot,
    streamlit_server,
    wait_for_script,
)

if TYPE_CHECKING:
    from playwright import sync_api

pytestmark = pytest.mark.browser

# The store holds two services, so the file says which one (without it, the page would ask).
NEW_AUDITS = ("Date,Home,Unit,Audit type,Question,Answer,Audit ref\n"
              "11/03/2026,Oak House,Willow,Falls,Sensor mats checked,Yes,FALLS-9\n"
              "11/03/2026,Oak House,Willow,Falls,Call bell in reach,Not met,FALLS-9\n"
              "31/02/2026,Oak House,Willow,Falls,Bed rails assessed,Yes,FALLS-9\n")
UNMAPPED_TEAM = "Date,Corridor,Audit type,Question,Answer\n04/03/2026,Blue,Falls,Sensor mats checked,Yes\n"


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
    page.get_by_text("needs Team").first.wait_for()
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
        open_app_page(page, f"{url}/upload", "Nothing has been loaded yet")  # the page asked for, through app.py
        assert_app_navigation(page)
        open_app_page(page, f"{url}/upload", "Upload history")
        assert_app_navigation(page)
        assert_no_exception(page)


def test_a_first_visit_to_a_pages_address_opens_that_page_with_its_filters(page: sync_api.Page, loaded_db_file: Path,
                                                                           tmp_path: Path) -> None:
    # A fresh server: until app.py has run once, Streamlit runs a page's address alone, and the visit used to be
    # sent to Home, losing the page and the filters a bookmark or a link asked for. Its own copy of the store: the
    # module's other server holds the file.
    store = tmp_path / "leadership_insight.duckdb"
    shutil.copyfile(loaded_db_file, store)
    page.set_default_timeout(120_000)  # nothing is stored for this store yet: the page's first view works it out
    with streamlit_server(store) as url:
        open_app_page(page, f"{url}/trends?service=Oak+House", "Monthly measures")
        assert page.url.split("?")[0].endswith("/trends") and "service=Oak+House" in page.url
        assert "Showing Oak House" in page.locator('[data-testid="stMain"]').inner_text()
        assert_no_exception(page)


def test_a_first_visit_to_a_pages_address_says_nothing_of_a_page_not_found(page: sync_api.Page, loaded_db_file: Path,
                                                                          tmp_path: Path) -> None:
    # Each page's file is named as its address, so the old-style pages Streamlit runs before app.py has run find it,
    # rather than a "Page not found" dialog over the page app.py then opens.
    store = tmp_path / "leadership_insight.duckdb"
    shutil.copyfile(loaded_db_file, store)
    page.set_default_timeout(120_000)
    with streamlit_server(store) as url:
        open_app_page(page, f"{url}/concerns", "Concerns by state")
        assert page.url.split("?")[0].endswith("/concerns")
        assert page.get_by_text("Page not found").count() == 0
        assert_no_exception(page)
