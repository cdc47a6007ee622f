"""Every chart in words (analytics.chart_words): the edge cases a chart can meet, as a reader would hear them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.chart_words import (
    comparison_words,
    grid_words,
    scatter_words,
    status_grid_words,
    theme_month_words,
    theme_volume_words,
    trend_words,
    value_words,
)

NAN = math.nan


def months(*values: float, n: list[float] | None = None, types: list[str] | None = None,
           start: str = "2026-01-01") -> pd.DataFrame:
    """A monthly series from January 2026, as an SPC chart's points."""
    frame = pd.DataFrame({"date": pd.date_range(start, periods=len(values), freq="MS"), "value": list(values)})
    if n is not None:
        frame["n"] = n
    if types is not None:
        frame["point_type"] = types
    return frame


@pytest.mark.parametrize(("points", "said"), [
    (months(), "Audit compliance at Willow Unit: no months to show."),
    (months(0.62, n=[48]), ("Audit compliance at Willow Unit, Jan 2026: latest 62% (48 answers) in Jan 2026, the only "
                           "month with a value.")),
    (months(0.8, 0.8, 0.8), ("Audit compliance at Willow Unit, Jan 2026 to Mar 2026: latest 80% in Mar 2026; the same "
                            "80% every month.")),
    (months(0.5, 0.35, 0.91, 0.62, n=[40, 41, 39, 48]),
     ("Audit compliance at Willow Unit, Jan 2026 to Apr 2026: latest 62% (48 answers) in Apr 2026; lowest 35% in Feb "
     "2026, highest 91% in Mar 2026.")),
    (months(0.5, NAN, 0.7), ("Audit compliance at Willow Unit, Jan 2026 to Mar 2026: latest 70% in Mar 2026; lowest 50% "
                            "in Jan 2026, highest 70% in Mar 2026; no value in 1 month (Feb 2026).")),
    (months(0.5, 0.7, NAN), ("Audit compliance at Willow Unit, Jan 2026 to Mar 2026: no value in the latest month, Mar "
                            "2026; the last was 70% in Feb 2026; lowest 50% in Jan 2026, highest 70% in Feb 2026.")),
    (months(NAN, NAN), "Audit compliance at Willow Unit, Jan 2026 to Feb 2026: no month has a value."),
    (months(0.9, 0.4, 0.95, types=["common_cause", "special_cause_concern", "special_cause_improvement"]),
     ("Audit compliance at Willow Unit, Jan 2026 to Mar 2026: latest 95% in Mar 2026; lowest 40% in Feb 2026, highest "
     "95% in Mar 2026; 2 months flagged as special cause (1 concerning and 1 improving).")),
    (months(0.9, 0.91, types=["common_cause", "common_cause"]),
     ("Audit compliance at Willow Unit, Jan 2026 to Feb 2026: latest 91% in Feb 2026; lowest 90% in Jan 2026, highest "
     "91% in Feb 2026; no month flagged as special cause.")),
])
def test_a_trend_in_words(points: pd.DataFrame, said: str) -> None:
    assert trend_words(points, "Audit compliance", "Willow Unit", "share", "answers") == said


def test_a_trend_of_counts_with_one_of_its_sample_and_no_place() -> None:
    assert trend_words(months(2.0, 3.5, n=[2, 1]), "Complaints per month", unit="count", n_label="complaints") == (
        "Complaints per month, Jan 2026 to Feb 2026: latest 3.5 (1 complaint) in Feb 2026; lowest 2 in Jan 2026, "
        "highest 3.5 in Feb 2026.")
    assert "latest 62% (n 48)" in trend_words(months(0.62, n=[48]), "Audit compliance")


@pytest.mark.parametrize(("value", "unit", "said"), [
    (0.625, "share", "62%"), (0.5, "score", "50%"), (3.0, "count", "3"), (2.5, "count", "2.5"),
    (1.234, "rate", "1.23"), (None, "share", "no value"), (NAN, "count", "no value"),
])
def test_values_are_written_as_the_chart_writes_them(value: float | None, unit: str, said: str) -> None:
    assert value_words(value, unit) == said


def cells(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["team", "shift", "value", "rest_of_service"])


@pytest.mark.parametrize(("grid", "said"), [
    (cells(), "Oakwood House, agency share of hours: no place has a figure."),
    (cells(("Willow Unit", "Night", NAN, 0.04)), "Oakwood House, agency share of hours: no place has a figure."),
    (cells(("Willow Unit", "Night", 0.38, 0.04)), ("Oakwood House, agency share of hours: only one place to compare, "
                                                  "Willow Unit night shifts 38% against 4% in the rest of the service.")),
    (cells(("Willow Unit", "Night", 0.05, 0.05), ("Beech Unit", None, 0.05, 0.05)),
     "Oakwood House, agency share of hours: every place level with the rest of its service (2 places)."),
    (cells(("Willow Unit", "Night", 0.38, 0.04), ("Beech Unit", None, 0.01, 0.06), (None, "Early", 0.05, 0.05),
           ("Ash Unit", "Day", NAN, 0.05)),
     ("Oakwood House, agency share of hours: worst Willow Unit night shifts 38% against 4% in the rest of the service; "
     "best Beech Unit (whole team) 1% against 6% in the rest of the service; of 3 places, 1 worse than the rest, "
     "1 better, and 1 level.")),
    (cells(("Willow Unit", "Night", 0.38, NAN)), ("Oakwood House, agency share of hours: Willow Unit night shifts 38%; "
                                                 "no rest of the service to compare with.")),
])
def test_a_grid_of_one_measure_in_words(grid: pd.DataFrame, said: str) -> None:
    assert grid_words(grid, "agency_share", "Oakwood House") == said


def test_a_grid_where_higher_is_better_names_the_lowest_as_worst() -> None:
    said = grid_words(cells(("Willow Unit", "Night", 0.80, 0.97), ("Beech Unit", "Day", 0.99, 0.95)), "fill_rate", "X")
    assert "worst Willow Unit night shifts 80%" in said and "best Beech Unit day shifts 99%" in said


@pytest.mark.parametrize(("statuses", "said"), [
    ([], "Oakwood House: no teams or shifts to show."),
    ([("Willow Unit", "Night", None)], "Oakwood House: 1 with no flags."),
    ([("Willow Unit", "Night", "concern"), ("Beech Unit", None, "fragile"), (None, None, None), (None, "Day", "strong"),
      ("Ash Unit", "Day", "not_enough_evidence")],
     ("Oakwood House: 1 place with a concern (Willow Unit night shifts), 1 place fragile (Beech Unit (whole team)), "
     "1 place strong (Day shifts (all teams)), 1 with limited evidence only, and 1 with no flags.")),
])
def test_a_grid_of_judgements_in_words(statuses: list[tuple], said: str) -> None:
    frame = pd.DataFrame(statuses, columns=["team", "shift", "status"])
    assert status_grid_words(frame, "Oakwood House") == said


def test_a_place_against_the_rest_in_words() -> None:
    frame = pd.DataFrame({"measure": ["agency_share"] * 3 + ["fill_rate"],
                          "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-03-01"]),
                          "value": [0.30, 0.02, 0.38, NAN], "rest_of_service": [0.04, 0.04, 0.05, 0.97]})
    assert comparison_words(frame, "Willow Unit · Night shift") == (
        "Willow Unit · Night shift against the rest of its service, Jan 2026 to Mar 2026: Agency share of hours 38% "
        "against 5% in Mar 2026, worse than the rest in 2 of 3 months; Rota fill rate: no month with "
        "both figures.")
    assert comparison_words(frame.iloc[0:0], "Willow Unit") == "Willow Unit: no months to compare."


def test_themes_in_words() -> None:
    volumes = pd.DataFrame({"theme": ["Staffing", "Food", "Laundry"], "complaints": [1, 12, 0],
                            "feedback": [0, 28, 2], "rating": [NAN, 0.55, 0.9]})
    assert theme_volume_words(volumes) == (
        "3 themes, the most mentioned first: Food 40 (12 complaints, 28 comments; comments rate 55% on average); "
        "Laundry 2 (0 complaints, 2 comments; comments rate 90% on average); Staffing 1 (1 complaint, 0 comments).")
    assert theme_volume_words(volumes.iloc[0:0]) == "No theme has any mentions."
    monthly = pd.DataFrame({"theme": ["Food", "Food", "Food", "Laundry"], "source": ["complaints", "feedback"] * 2,
                            "month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01", "2026-02-01"]),
                            "mentions": [2, 3, 1, 4]})
    assert theme_month_words(monthly) == (
        "2 themes, Jan 2026 to Feb 2026: Food 6 mentions, most in Jan 2026 (5), 1 in Feb 2026; Laundry 4 mentions, "
        "most in Feb 2026 (4, the latest month).")
    assert theme_month_words(monthly.iloc[:2]) == "1 theme, Jan 2026: Food 5 mentions."
    assert theme_month_words(monthly.iloc[0:0]) == "No mentions to show."


def test_the_triangulation_chart_in_words() -> None:
    points = pd.DataFrame({"x": [4.0, 9.0, 1.0, 12.0, -6.0], "y": [-18.0, 5.0, 2.0, 10.0, -3.0],
                           "label": ["Willow Unit night shifts", "Ash", "Birch", "Cedar", "Beech Unit"],
                           "classification": ["assurance_gap", "agree_good", "agree_good", "agree_good",
                                              "agree_concern"]})
    assert scatter_words(points) == (
        "5 places on the chart. An assurance gap: Willow Unit night shifts (audits +4 pts, experience −18 pts). "
        "Assurance and experience agreeing on a concern: Beech Unit (audits −6 pts, experience −3 pts). 3 places with "
        "assurance and experience agreeing all is well (audits +1 pts to +12 pts, experience +2 pts to +10 pts).")
    assert scatter_words(points.iloc[0:0]) == "No place has both sides to set against each other."
