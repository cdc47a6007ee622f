"""Trends, Teams and shifts, Triangulation and Themes through AppTest: demo data, a few rows, an empty store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import DB_ENV
from pages.teams_shifts_views import Cell

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {"pages/trends.py": "Trends", "pages/teams_shifts.py": "Teams and shifts",
         "pages/triangulation.py": "Triangulation", "pages/themes.py": "Themes"}


@pytest.fixture
def demo(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app pointed at the demo store."""
    monkeypatch.setenv(DB_ENV, str(demo_db_copy))
    yield demo_db_copy


def open_page(page: str, **params: str) -> AppTest:
    """The app after its first run, switched to `page` with the given filters in the URL."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update(params)
    app.run()
    app.switch_page(page).run()
    assert_runs(app)
    return app


def assert_runs(app: AppTest) -> None:
    """No exception on the page."""
    assert not app.exception, [e.message for e in app.exception]


def page_text(app: AppTest) -> str:
    """Every piece of text on the page."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(app, kind)]
    return "\n".join(map(str, parts))


def in_order(node: Any) -> Iterator[Any]:
    """The page's elements in the order a reader meets them, containers opened."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for index in sorted(children):
        yield from in_order(children[index])


def charts(app: AppTest) -> int:
    """How many Plotly charts the page drew, each checked to come with its words right under it."""
    elements = list(in_order(app.main))
    drawn = [index for index, element in enumerate(elements) if element.type == "plotly_chart"]
    for index in drawn:
        words = elements[index + 1] if index + 1 < len(elements) else None
        assert words is not None and words.type == "caption" and words.value.startswith("In words: "), \
            f"chart {index} has no words under it"
    assert len(drawn) == len(app.get("plotly_chart"))
    return len(drawn)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_guides_a_user_with_an_empty_store(db_path: Path, page: str) -> None:
    app = open_page(page)
    assert app.title[0].value == PAGES[page]
    assert any("No data is loaded yet" in info.value for info in app.info)
    assert [link.label for link in app.page_link] == ["Home: load the demo data", "Upload your spreadsheets"]
    assert charts(app) == 0


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_on_a_few_rows_of_data(loaded_con: duckdb.DuckDBPyConnection, page: str) -> None:
    app = open_page(page)
    assert app.title[0].value == PAGES[page]
    assert "**The question:**" in page_text(app)


def test_trends_shows_this_month_the_spc_charts_repeat_findings_and_themes(demo: Path) -> None:
    app = open_page("pages/trends.py")
    text = page_text(app)
    for expected in ("**The question:**", "This month: October 2026", "What changed", "What needs attention",
                     "Monthly measures", "Repeat audit findings", "Complaint and feedback themes over time",
                     "Flagged because", "Special cause — improving, high", "Hit and miss against target",
                     ":orange-badge[⚠ Persistent]"):
        assert expected in text, expected
    assert charts(app) == 3  # audit compliance for each of the two services, and the themes over time
    words = [c.value for c in app.caption if c.value.startswith("In words: ")]
    assert words[0].startswith("In words: Audit compliance — Oakwood House, May 2025 to Oct 2026: latest 93% (204 "
                               "answers) in Oct 2026; lowest 79% in Oct 2025")
    assert re.match(r"In words: 5 themes, May 2025 to Oct 2026: .+ \d+ mentions, most in", words[2])
    assert "Tea time call" in words[2]
    assert app.selectbox(key="trends_audit_type").value == "All audit types"
    assert app.number_input(key="trends_target_audit_compliance").value == 90


def test_judge_as_of_offers_the_month_ends_with_data_and_applies_on_choosing(demo: Path) -> None:
    app = open_page("pages/trends.py")
    box = app.selectbox(key="filter_as_of")
    assert box.label == "Judge as of"
    assert box.value == date(2026, 10, 31)  # the latest complete month, by default
    assert box.options[:3] == ["31/10/2026 (latest)", "30/09/2026", "31/08/2026"]  # newest first
    assert box.options[-1] == "31/05/2025" and len(box.options) == 18  # May 2025 to October 2026: the demo's months
    assert "This month: October 2026" in page_text(app) and "as_of" not in app.query_params
    box.select(date(2026, 6, 30)).run()  # no Enter, no leaving the box: choosing is enough
    assert_runs(app)
    text = page_text(app)
    assert "This month: June 2026" in text and "This month: October 2026" not in text
    assert "Showing All services, all teams, all shifts; as of 30/06/2026" in text
    assert app.query_params["as_of"] == "2026-06-30"  # kept in the URL for the next page
    app.switch_page("pages/teams_shifts.py").run()
    assert_runs(app)
    assert app.selectbox(key="filter_as_of").value == date(2026, 6, 30)  # and the next page judges as of it too
    assert "as of 30/06/2026" in page_text(app)
    app.selectbox(key="filter_as_of").select(date(2026, 10, 31)).run()
    assert "as_of" not in app.query_params  # back to the latest: the link no longer pins a date


def test_trends_charts_the_measure_picked_for_a_team_shift_from_the_url(demo: Path) -> None:
    app = open_page("pages/trends.py", service="Oakwood House", team="Willow Unit", shift="Night")
    app.selectbox(key="trends_metric").select("agency_share").run()
    assert_runs(app)
    text = page_text(app)
    assert "Special cause — concerning, high" in text
    assert "Agency share of hours for Willow Unit night shifts" in text  # this month's finding
    assert "trends_audit_type" not in [box.key for box in app.selectbox]  # the audit type picker is for audits
    assert "Oakwood House · Willow Unit · Night shift" in text


def test_trends_says_when_there_are_too_few_months_for_stable_limits(demo: Path) -> None:
    app = open_page("pages/trends.py", service="Oakwood House", as_of="2025-12-31")
    assert any("too few points for stable limits" in warning.value for warning in app.warning)


def test_trends_explains_a_measure_with_no_data_at_a_place(demo: Path) -> None:
    app = open_page("pages/trends.py", service="Oakwood House", team="Beech Unit", shift="Night")
    app.selectbox(key="trends_metric").select("feedback_score").run()
    assert_runs(app)
    assert any("There is no feedback mean score data" in info.value for info in app.info)


def test_teams_and_shifts_shows_the_grid_and_the_evidence_behind_a_cell(demo: Path) -> None:
    app = open_page("pages/teams_shifts.py")
    assert charts(app) == 2 + 1  # a grid per service, and the chosen cell against the rest of its service
    assert ("In words: Oakwood House, the most serious finding about each team and shift: 3 places with a concern "
            "(Beech Unit (whole team), Willow Unit night shifts, and the whole service)") in page_text(app)
    app.selectbox(key="teams_cell").set_value(Cell("Oakwood House", "Willow Unit", "Night")).run()
    assert_runs(app)
    text = page_text(app)
    assert "Why Willow Unit · Night shift is judged as it is" in text
    assert "Flagged because: Willow Unit night shifts at Oakwood House have been worse than the rest" in text
    assert "**Rota**, agency share of hours: **38%**" in text  # an evidence row, with the rows it rests on
    assert "Rows: rota lines on Willow Unit at Oakwood House, nights, May to October 2026" in text  # in words


def test_teams_and_shifts_colours_the_grid_by_a_measure(demo: Path) -> None:
    app = open_page("pages/teams_shifts.py", service="Oakwood House")
    app.segmented_control(key="teams_measure").set_value("agency_share").run()
    assert_runs(app)
    assert "⚠ marks a place a finding flags on this measure" in page_text(app)
    assert charts(app) == 2
    assert ("In words: Oakwood House, May 2026 to Oct 2026, agency share of hours: worst Willow Unit night shifts 38% "
            "against 3% in the rest of the service") in page_text(app)


def test_teams_and_shifts_starts_at_the_cell_in_the_url(demo: Path) -> None:
    app = open_page("pages/teams_shifts.py", service="Oakwood House", team="Willow Unit", shift="Night")
    assert app.selectbox(key="teams_cell").value == Cell("Oakwood House", "Willow Unit", "Night")


def test_triangulation_sets_assurance_beside_lived_experience(demo: Path) -> None:
    app = open_page("pages/triangulation.py")
    text = page_text(app)
    for expected in ("Assurance against experience", "Team by team", ":orange-badge[▼ Assurance gap]",
                     ":blue-badge[● Agree — good]",  # no demo team is experience ahead since rota is not judged
                     "Assurance looks good (scheduled audits averaged 97%", "| Scheduled audits |",
                     "#### Beech Unit · Oakwood House"):
        assert expected in text, expected
    assert charts(app) == 1
    assert "In words: 6 places on the chart. An assurance gap: Town Team (audits +12 pts, experience −77 pts)" in text


def test_triangulation_for_one_team(demo: Path) -> None:
    app = open_page("pages/triangulation.py", service="Riverside Homecare", team="Town Team")
    text = page_text(app)
    assert "#### Town Team" in text and "complaints rose from 3 to 13" in text
    assert "Beech Unit" not in text


def test_themes_shows_volume_trend_concentration_examples_and_emerging_themes(demo: Path) -> None:
    app = open_page("pages/themes.py")
    text = page_text(app)
    for expected in ("Emerging themes", "How much, and how it feels", "Month by month",
                     "Each theme: where it concentrates and what people say", "Flagged because",
                     "**Concentrated in:**", "> “"):
        assert expected in text, expected
    assert charts(app) == 2
    assert re.search(r"In words: \d+ themes, the most mentioned first: [^\n]+ \d+ \(\d+ complaints, \d+ comments",
                     text) and "Tea time call" in text
    table = app.dataframe[0].value
    assert list(table.columns)[:4] == ["Theme", "Mentions", "Complaints", "Comments"]
    assert table["Mentions"].is_monotonic_decreasing


def test_themes_for_one_team_says_what_the_counts_cover(demo: Path) -> None:
    app = open_page("pages/themes.py", service="Oakwood House", team="Beech Unit")
    assert "Counts, charts and examples are for the chosen team and shift" in page_text(app)


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/teams_shifts.py", "pages/triangulation.py"])
def test_pages_read_their_tables_from_the_stored_run(demo: Path, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from analytics import stored_insights

    computed: list[str] = []
    for name, table in list(stored_insights.TABLES.items()):
        monkeypatch.setitem(stored_insights.TABLES, name,
                            lambda con, scope, settings, name=name, table=table: computed.append((name, scope))
                            or table(con, scope, settings))
    st.cache_data.clear()
    open_page(page)
    assert computed == []  # the demo's load stored every table the page shows


def test_trends_for_more_services_than_charts_at_once_tables_them_and_charts_those_chosen(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.trends_views as views

    monkeypatch.setattr(views, "CHARTS_AT_ONCE", 1)
    app = open_page("pages/trends.py")
    [table] = [frame for frame in app.dataframe if "Service" in frame.value.columns]
    services = list(table.value["Service"])
    assert sorted(services) == ["Oakwood House", "Riverside Homecare"]
    assert "Every service, latest month (2)" in page_text(app)
    assert set(table.value.columns) == {"Service", "Latest month", "Value", "Variation", "Assurance", "Shift"}
    picker = app.multiselect(key="trends_charted")
    assert len(picker.value) <= 1
    assert charts(app) == len(picker.value) + 1  # the chosen service's chart and the themes over time
    other = next(s for s in services if s not in picker.value)
    picker.set_value([other]).run()
    assert_runs(app)
    assert charts(app) == 2
    assert any(c.value.startswith(f"In words: Audit compliance — {other},") for c in app.caption)
    app.multiselect(key="trends_charted").set_value([]).run()
    assert charts(app) == 1 and "Choose services above to chart them." in page_text(app)
