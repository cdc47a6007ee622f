"""The Overview, Board report and Settings pages on the real server over the demo data, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from served import (
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
        # Until app.py has run once in the process, a visit straight to a page lands on Home.
        first = browser.new_page()
        first.goto(url)
        first.get_by_text("What is loaded").wait_for(timeout=60_000)
        first.close()
        yield url


def test_overview(page, warm_demo_server: str) -> None:
    open_app_page(page, f"{warm_demo_server}/overview", "What needs attention")
    body = page.inner_text("body")
    for expected in ("Is the service as good as its headline figures say?", "Headline figures and what lies beneath",
                     "66 points lower", "Flagged because", "Fragile shifts and teams", "✓ Strong (", "⚠ Concern ("):
        assert expected in body
    evidence = page.locator('[data-testid="stExpander"]', has_text="Evidence (").first
    evidence.locator("summary").click()
    evidence.locator('[data-testid="stDataFrame"]').wait_for()
    assert_no_exception(page)
    screenshot(page, "overview")


def test_board_report(page, warm_demo_server: str, tmp_path: Path) -> None:
    open_app_page(page, f"{warm_demo_server}/board_report", "What leaders said versus what the evidence shows")
    body = page.inner_text("body")
    for expected in ("Where each key question stands",
                     "Direction of travel: July to September 2026 against April to June 2026",
                     "What is strong, and why", "What is qualified, and why", "What is still fragile", "▼ worse"):
        assert expected in body
    saved = download(page, "Download the print-ready report (.html)", tmp_path)
    assert saved.name == "board_report_all_services_2026-10-31.html" and "@page { size: A4" in saved.read_text()
    page.get_by_label("In one sentence").fill("Staffing is stable on every unit")
    page.get_by_role("button", name="Record this judgement").click()
    page.get_by_text("Recorded: Safe at Oakwood House judged strong").wait_for()
    wait_for_script(page)
    assert "more optimistic than the evidence" in page.inner_text("body")
    assert_no_exception(page)
    screenshot(page, "board_report")


def test_settings(page, warm_demo_server: str) -> None:
    open_app_page(page, f"{warm_demo_server}/settings", "Reset to defaults")
    page.get_by_role("spinbutton", name="An audit item fails a month below").fill("75")
    page.get_by_role("button", name="Save thresholds").click()
    page.get_by_text("is a share: enter a number between 0 and 1", exact=False).wait_for()
    wait_for_script(page)
    assert page.get_by_role("button", name="Reset to defaults").is_disabled()
    assert_no_exception(page)
    screenshot(page, "settings")
    page.get_by_role("tab", name="CQC key questions").click()
    page.get_by_role("button", name="Save the key-question mapping").wait_for()
    wait_for_script(page)
    assert_no_exception(page)
    screenshot(page, "settings_key_questions")
