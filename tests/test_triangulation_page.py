"""The Triangulation page through AppTest on the demo: the chart's summary, its placing, and the shift filter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import DB_ENV
from pages.triangulation_views import scatter_points

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/triangulation.py"


@pytest.fixture
def demo(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(DB_ENV, str(demo_db_copy))
    yield demo_db_copy


def open_page(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params.update(params)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def page_text(app: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "header", "markdown", "caption")
                     for e in getattr(app, kind))


def test_the_chart_comes_with_a_summary_in_words(demo):
    app = open_page()
    text = page_text(app)
    assert "Of 7 places, 2 with an assurance gap (Beech Unit and Town Team)" in text
    assert len(app.get("plotly_chart")) == 1
    assert "| Scheduled audits | 97% (" in text and " answers) |" in text and " shifts) |" in text  # each n shown
    assert "#### Beech Unit · Oakwood House" in text and app.expander[0].label == "Each team's shifts (18)"


def test_the_shift_filter_reaches_the_cards_and_the_chart(demo):
    text = page_text(open_page(shift="Night"))
    assert "Team by team, Night shifts" in text
    assert "#### Beech Unit · Night shift" in text and "#### Willow Unit · Night shift" in text
    assert "#### Beech Unit · Oakwood House" not in text       # no whole-team card
    assert "Early shift" not in text
    assert "Of 4 places, 4 with not enough evidence to say" in text  # the demo's feedback names no shift


def test_points_are_placed_where_the_analytics_put_them():
    rows = pd.DataFrame({
        "team": ["Ash", "Birch", "Oak"], "shift": [None, "Night", None],
        "classification": ["assurance_gap", "agree_good", "not_enough_evidence"],
        "assurance_margin": [3.0, 1.0, 2.0], "experience_margin": [-40.0, 5.0, float("nan")],
        "explanation": ["gap", "good", "unknown"]})
    points = scatter_points(rows)
    assert points[["label", "x", "y", "classification"]].values.tolist() == [
        ["Ash", 3.0, -40.0, "assurance_gap"], ["Birch night shifts", 1.0, 5.0, "agree_good"]]
    assert scatter_points(rows.iloc[0:0]).empty
