"""The Trends, Teams and shifts, Triangulation and Themes pages on the real server over the demo data, in Chromium."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from served import assert_no_exception, open_app_page, screenshot, wait_for_script

if TYPE_CHECKING:
    from playwright import sync_api

pytestmark = pytest.mark.browser
FIRST_RUN_MS = 120_000


def open_page(page: "sync_api.Page", server: str, path: str, expected_text: str) -> None:
    """Open the app's home first (a first visit straight to a page runs before app.py has set up the
    navigation), then the page, waiting until it shows `expected_text`; a fresh server's first analytics run
    can take a while, so allow longer than the usual wait."""
    page.set_default_timeout(FIRST_RUN_MS)
    open_app_page(page, server, "Leadership Insight")
    open_app_page(page, f"{server}/{path}", expected_text)


def charts_drawn(page: "sync_api.Page") -> int:
    """How many Plotly charts have painted."""
    page.locator(".js-plotly-plot").first.wait_for()
    return page.locator(".js-plotly-plot").count()


def test_trends_page(page: "sync_api.Page", demo_server: str) -> None:  # noqa: F811
    open_page(page, demo_server, "trends", "This month: October 2026")
    body = page.inner_text("body")
    for expected in ("What changed", "What needs attention", "Monthly measures", "Special cause — improving, high",
                     "Flagged because", "Repeat audit findings", "Persistent",
                     "Complaint and feedback themes over time"):
        assert expected in body, expected
    assert charts_drawn(page) == 3
    # The charts' words are drawn by Plotly after the page's script has run: read once they are there.
    page.get_by_text("Upper process limit").first.wait_for()
    body = page.inner_text("body")
    assert "Audit compliance — Oakwood House" in body and "Upper process limit" in body
    # The actions of the demo's action plan about the service's audits, marked on its chart at their dates.
    assert "Actions marked on the chart: 1. 21 Nov 2025, Done: Nurse in charge checks every MAR chart" in body
    assert_no_exception(page)
    screenshot(page, "trends")
    # A month's point opens the rows behind it (September 2026, the last but one point of the first chart).
    points = page.locator(".js-plotly-plot").first.locator(".scatterlayer .trace .points path")
    points.nth(points.count() - 2).click(force=True)
    page.get_by_text("Download these rows (.csv)").first.wait_for()
    assert re.search(r"Audit answers at Oakwood House, September 2026: [\d,]+ rows", page.inner_text("body"))
    assert_no_exception(page)


def test_trends_for_a_team_shift_from_a_link(page: "sync_api.Page", demo_server: str) -> None:  # noqa: F811
    open_page(page, demo_server, "trends?service=Oakwood+House&team=Willow+Unit&shift=Night",
              "Oakwood House · Willow Unit · Night shift")
    page.get_by_text("Agency share of hours for Willow Unit night shifts").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "trends_willow_night")


def test_teams_and_shifts_page(page: "sync_api.Page", demo_server: str) -> None:  # noqa: F811
    open_page(page, demo_server, "teams_shifts", "Look closer at")
    assert charts_drawn(page) == 3
    body = page.inner_text("body")
    assert "Why Beech Unit · whole team is judged as it is" in body and "Flagged because" in body
    assert_no_exception(page)
    screenshot(page, "teams_shifts")
    # A cell clicked in the grid opens it below (the first cell: Beech Unit's early shifts).
    cells = page.locator(".js-plotly-plot").first.locator(".scatterlayer .trace .points path")
    cells.nth(0).click(force=True)
    page.get_by_text("Why Beech Unit · Early shift is judged as it is").wait_for()
    wait_for_script(page)
    assert_no_exception(page)
    page.get_by_text("Agency share of hours", exact=True).first.click()
    wait_for_script(page)
    page.get_by_text("⚠ marks a place a finding flags on this measure").wait_for()
    assert "38%" in page.locator(".js-plotly-plot").first.inner_text()  # Willow Unit nights, written in the cell
    assert_no_exception(page)
    screenshot(page, "teams_shifts_agency")


def test_triangulation_page(page: "sync_api.Page", demo_server: str) -> None:  # noqa: F811
    open_page(page, demo_server, "triangulation", "Team by team")
    page.get_by_text("Experience ahead").first.wait_for()  # the quadrant's labels, once Plotly has drawn it
    body = page.inner_text("body")
    for expected in ("Assurance gap", "Experience ahead", "Agree — good", "Internal assurance", "Lived experience",
                     "Beech Unit · Oakwood House"):
        assert expected in body, expected
    assert charts_drawn(page) == 1
    assert_no_exception(page)
    screenshot(page, "triangulation")


def test_themes_page(page: "sync_api.Page", demo_server: str) -> None:  # noqa: F811
    open_page(page, demo_server, "themes", "Emerging themes")
    body = page.inner_text("body")
    for expected in ("How much, and how it feels", "Month by month", "Concentrated in:", "Flagged because"):
        assert expected in body, expected
    assert charts_drawn(page) == 2
    assert_no_exception(page)
    screenshot(page, "themes")


@pytest.mark.parametrize("path", ["trends", "teams_shifts", "triangulation", "themes"])
def test_each_page_on_an_empty_store_guides_the_user(page: "sync_api.Page", empty_server: str,  # noqa: F811
                                                     path: str) -> None:
    open_page(page, empty_server, path, "No data is loaded yet")
    assert page.get_by_text("Home: load the demo data").is_visible()
    assert_no_exception(page)
    screenshot(page, f"{path}_empty")
