"""Home's start-here list, the board report's grid, a drill-down from a finding and the PDF, on the real server
over the demo data in headless Chromium, with screenshots at 1400 px wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from served import (
    SCREENSHOTS,
    WAIT_MS,
    assert_no_exception,
    download,
    open_app_page,
    screenshot,
    streamlit_server,
    wait_for_script,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def warm_demo_server(demo_db_copy: Path, browser) -> Iterator[str]:
    """A server over a copy of the demo store, through which app.py has run once."""
    with streamlit_server(demo_db_copy) as url:
        first = browser.new_page()
        first.goto(url)
        first.get_by_text("What is loaded").wait_for(timeout=240_000)  # the first run computes the stored findings
        first.close()
        yield url


def test_home_starts_here(page, warm_demo_server: str) -> None:
    open_app_page(page, warm_demo_server, "Start here")
    body = page.inner_text("body")
    assert "What needs attention in the month to 31/10/2026" in body and "New since last month" in body
    assert body.index("Start here") < body.index("What is loaded")
    assert page.get_by_text("Look closer on", exact=False).count() >= 3
    assert_no_exception(page)
    screenshot(page, "home_start_here")


def test_board_report_grid_opens_a_cell_and_the_pdf_downloads(page, warm_demo_server: str, tmp_path: Path) -> None:
    open_app_page(page, f"{warm_demo_server}/board_report", "What the board must know")
    body = page.inner_text("body")
    assert "Direction of travel: July to September 2026 against April to June 2026" in body
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)  # the first place's name, then two cells right: Safe
    wait_for_script(page)
    page.keyboard.press("ArrowRight")
    wait_for_script(page)
    page.keyboard.press("ArrowRight")
    page.get_by_text("Oakwood House · Safe", exact=False).first.wait_for()
    wait_for_script(page)
    assert "Oakwood House · Safe" in page.inner_text("body")
    saved = download(page, "Download the board pack (.pdf)", tmp_path)
    assert saved.name == "board_report_all_services_2026-10-31.pdf"
    document = pdfium.PdfDocument(saved.read_bytes())
    assert len(document) >= 3
    for number in range(2):
        document[number].render(scale=1.5).to_pil().save(SCREENSHOTS / f"board_pack_pdf_page{number + 1}.png")
    assert_no_exception(page)
    screenshot(page, "board_report_grid")


def test_overview_leads_with_concerns_and_opens_rows(page, warm_demo_server: str) -> None:
    open_app_page(page, f"{warm_demo_server}/overview", "What needs attention")
    body = page.inner_text("body")
    assert body.index("What needs attention") < body.index("Headline figures") < body.index("What is strong")
    wait_for_script(page)  # a click while the script still runs can be lost in the rerun it starts
    evidence = page.locator('[data-testid="stExpander"]', has_text="Evidence (").first
    evidence.locator("summary").click()
    switch = evidence.get_by_text("Open the rows behind these figures")
    switch.wait_for()
    checked = evidence.locator('input[type="checkbox"]').first
    rows_button = evidence.get_by_role("button", name="Download these rows (.csv)").first
    for _ in range(3):
        # Under the whole suite's load a click can land while the server is still busy and be lost: the switch is
        # pressed again only if it did not take.
        if not checked.is_checked():
            switch.click()
        try:
            rows_button.wait_for(timeout=WAIT_MS)
            break
        except PlaywrightTimeout:
            wait_for_script(page)
    rows_button.wait_for(timeout=WAIT_MS)
    wait_for_script(page)
    assert " rows" in evidence.inner_text()
    assert_no_exception(page)
    screenshot(page, "overview_concerns_first")
