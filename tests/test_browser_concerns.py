"""The Concerns and actions page on the real server over the demo data, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from served import assert_no_exception, open_app_page, screenshot, streamlit_server, wait_for_script

from analytics.response import concern_views
from analytics.scope import Scope
from analytics.store import connect

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture(scope="module")
def warm_demo_server(demo_db_copy: Path, browser) -> Iterator[str]:
    """A server over a copy of the demo store whose concerns were followed back through history beforehand (the
    slow part), through which app.py has run once."""
    con = connect(demo_db_copy)
    try:
        concern_views(con, Scope())
    finally:
        con.close()
    with streamlit_server(demo_db_copy) as url:
        # Until app.py has run once in the process, a visit straight to a page lands on Home.
        first = browser.new_page()
        first.goto(url)
        first.get_by_text("What is loaded").wait_for(timeout=60_000)
        first.close()
        yield url


def test_concerns_and_actions(page, warm_demo_server: str) -> None:
    open_app_page(page, f"{warm_demo_server}/concerns", "Action-plan rows that matched no concern")
    body = page.inner_text("body")
    for expected in ("Concerns and actions", "Actions overdue", "Nurse in charge signs the handover sheet",
                     "Concerns by state", "Not working (2)", "Recurring (1)", "first signal in the data",
                     "closed without evidence", "closed with evidence the data contradicts (no change)",
                     "pattern returned: the concern reopens", "Verified (1)", "No longer in the data", "Link this row"):
        assert expected in body, expected
    # The imported row no concern matched, in the last table (its cells are in the grid's accessible table).
    unlinked = page.locator('[data-testid="stDataFrame"]').last
    unlinked.scroll_into_view_if_needed()
    expect(unlinked).to_contain_text("Weekly fire door walk-round")
    # Overdue actions come before the concerns.
    assert body.index("Actions overdue") < body.index("Concerns by state")
    actions = page.locator('[data-testid="stExpander"]', has_text="and what the data shows since").first
    actions.locator("summary").click()
    actions.locator('[data-testid="stDataFrame"]').wait_for()

    form = page.locator('[data-testid="stForm"]', has_text="Record the recognition")
    form.get_by_text("high impact").click()
    form.get_by_label("Likely cause").fill("Night staff not trained on the handover sheet")
    form.get_by_role("button", name="Record the recognition").click()
    page.get_by_text("recognised as high impact", exact=False).first.wait_for(timeout=120_000)
    wait_for_script(page)
    # Recognised today, after the data's last month: on its timeline at once, as of the latest data.
    assert "as high impact; likely cause: Night staff not trained on the handover sheet" in page.inner_text("body")
    assert_no_exception(page)
    screenshot(page, "concerns")
