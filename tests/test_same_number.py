"""The same filter gives the same number on every page: each measure as the register (Board report, Overview), the
Teams and shifts grid and the trend charts show it equals its one definition in analytics.measures."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import measures
from analytics.fragility import MEASURE_IDS, place_figures
from analytics.register import baseline_evidence, register_window
from analytics.scope import Scope
from analytics.settings import load_settings
from analytics.signals import metric_series

# The Trends page's metric ids, by the measure they chart.
TREND_IDS = {"fill_rate": "rota_fill_rate", "complaints": "complaints_per_month",
             "complaint_rate": "complaints_per_1000_hours"}
REGISTER_MEASURES = {"audit_compliance": "audit compliance", "fill_rate": "fill rate",
                     "feedback_score": "mean feedback score"}


@pytest.fixture(scope="module")
def window(demo_con):
    settings = load_settings(demo_con)
    found = register_window(demo_con, Scope(), settings)
    return settings, found.start, found.end


def defined(con, measure_id, by, start, end, settings) -> pd.DataFrame:
    monthly = measures.monthly(con, Scope(), measure_id, tuple(by), start, end, settings).dropna(subset=by)
    return measures.over_window(monthly, by, measure_id)


@pytest.mark.parametrize("measure_id", list(REGISTER_MEASURES))
@pytest.mark.parametrize("level", [["service"], ["service", "team"]])
def test_the_register_shows_each_measure_as_defined(demo_con, window, measure_id, level):
    settings, start, end = window
    evidence = baseline_evidence(demo_con, Scope(), settings, register_window(demo_con, Scope(), settings))
    shown = evidence[evidence["measure"] == REGISTER_MEASURES[measure_id]]
    shown = shown[shown["team"].isna()] if level == ["service"] else shown[shown["team"].notna()]
    if measure_id == "audit_compliance":  # the register shows audits per key question: sum them back
        return _audits_add_up(shown, defined(demo_con, measure_id, level, start, end, settings), level)
    expected = defined(demo_con, measure_id, level, start, end, settings)
    merged = shown.merge(expected, on=level, suffixes=("", "_defined"))
    assert len(merged) == len(shown) > 0
    assert merged["value"].to_numpy() == pytest.approx(merged["value_defined"].to_numpy())
    assert (merged["count"] == merged["n"]).all()


def _audits_add_up(shown: pd.DataFrame, expected: pd.DataFrame, level: list[str]) -> None:
    shown = shown.assign(score=shown["value"] * shown["count"])
    totals = shown.groupby(level, as_index=False)[["score", "count"]].sum()
    merged = totals.merge(expected, on=level)
    assert len(merged) == len(totals) > 0
    # Audit types outside every key question are left out of the register, so its answers are at most the whole.
    assert (merged["count"] <= merged["n"]).all()
    full = merged[merged["count"] == merged["n"]]
    assert (full["score"] / full["count"]).to_numpy() == pytest.approx(full["value"].to_numpy())


@pytest.mark.parametrize("name", ["fill_rate", "agency_share", "handover_completion", "audit_compliance",
                                  "feedback_score", "complaints_per_1000_hours"])
def test_the_teams_and_shifts_grid_shows_each_measure_as_defined(demo_con, window, name):
    settings, start, end = window
    measure_id = MEASURE_IDS.get(name, name)
    figures = place_figures(demo_con, Scope(), settings)
    compared = 0
    for keys in (["team"], ["shift"], ["team", "shift"]):
        level = ["service", *keys]
        others = [c for c in ("team", "shift") if c not in keys]
        shown = figures[(figures["measure"] == name) & figures[others].isna().all(axis=1)
                        & figures[keys].notna().all(axis=1)]
        expected = defined(demo_con, measure_id, level, start, end, settings)
        merged = shown.merge(expected, on=level, suffixes=("", "_defined"))
        assert len(merged) == len(shown) == len(expected), (name, keys)
        compared += len(merged)
        assert merged["value"].to_numpy() == pytest.approx(merged["value_defined"].to_numpy())
        assert (merged["n"] == merged["n_defined"]).all()
        assert set(shown["n_label"]) <= {measures.measure(measure_id).n_label}
    assert compared > 0


@pytest.mark.parametrize("measure_id", ["audit_compliance", "fill_rate", "agency_share", "handover_completion",
                                        "complaints", "complaint_rate", "feedback_score"])
def test_the_trend_charts_show_each_month_as_defined(demo_con, window, measure_id):
    settings, start, end = window
    service, team = "Oakwood House", "Willow Unit"
    series = metric_series(demo_con, Scope(), TREND_IDS.get(measure_id, measure_id), service, team,
                           settings=settings)
    monthly = measures.monthly(demo_con, Scope(), measure_id, ("service", "team"), start, end, settings)
    monthly = monthly[(monthly["service"] == service) & (monthly["team"] == team)]
    merged = series.merge(monthly, on="month", suffixes=("", "_defined"))
    assert len(merged) == len(monthly) > 0
    assert merged["value"].to_numpy() == pytest.approx(merged["value_defined"].to_numpy())


@pytest.mark.parametrize("chart_months", [24, 3])  # 3: the chart's months do not reach the quarter before
def test_the_board_shows_each_quarter_as_defined(demo_con, window, chart_months):
    from analytics.board_summary import BOARD_MEASURES, last_complete_quarter, measure_summary, quarter_before
    from analytics.signals import metric, spc_chart
    from analytics.spc_icons import variation_icon

    settings, _, end = window
    settings = {**settings, "thresholds": {**settings["thresholds"], "spc_window_months": chart_months}}
    service = "Oakwood House"
    summary = measure_summary(demo_con, [service], end, settings).set_index("metric")
    quarter = last_complete_quarter(end)
    checked = 0
    for metric_id in BOARD_MEASURES:
        measure_id = metric(metric_id).measure
        for column, (start, stop) in (("now", quarter), ("before", quarter_before(quarter))):
            expected = defined(demo_con, measure_id, ["service"], start, stop, settings)
            expected = expected[expected["service"] == service]
            shown = summary.loc[metric_id]
            if expected.empty:
                assert shown[column] is None
                continue
            assert shown[column] == pytest.approx(float(expected["value"].iloc[0]))
            assert shown[f"{column}_n"] == float(expected["n"].iloc[0])
            checked += 1
        chart = spc_chart(demo_con, Scope((service,), quarter[1]), settings, metric_id, service)
        assert summary.loc[metric_id, "variation"] == variation_icon(chart).label
        assert len(summary.loc[metric_id, "points"]) == len(chart.points) <= chart_months
    assert checked >= 8


def test_the_board_reads_its_measures_as_they_were_computed(demo_con, window):
    """measure_summary reads the stored run: the same rows, figures, icons and chart points as computed directly."""
    from analytics.board_summary import _measure_rows, measure_summary

    settings, _, end = window
    services = ["Oakwood House", "Riverside Homecare"]
    stored = measure_summary(demo_con, services, end, settings)
    computed = _measure_rows(demo_con, services, end, settings)
    assert len(stored) == len(computed) == 10
    for (_, row), expected in zip(stored.iterrows(), computed):
        points, expected_points = row.pop("points"), expected.pop("points")
        assert row.to_dict().keys() == expected.keys()
        for key, value in expected.items():
            assert row[key] == (pytest.approx(value) if isinstance(value, float) else value), key
        if expected_points is None:
            assert points is None
        else:
            pd.testing.assert_frame_equal(points, expected_points.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("rebased", [False, True])
def test_trend_charts_of_a_service_read_from_the_stored_run_are_the_charts_computed(demo_con, window, rebased):
    from analytics.signals import metric_catalogue, spc_chart, stored_chart

    settings, _, end = window
    for entry in metric_catalogue():
        live = spc_chart(demo_con, Scope(("Oakwood House",)), settings, entry.id, "Oakwood House")
        rebase = (live.points["date"].iloc[-6].date(),) if rebased else ()
        if rebased:
            live = spc_chart(demo_con, Scope(("Oakwood House",)), settings, entry.id, "Oakwood House", rebase=rebase)
        stored = stored_chart(demo_con, Scope(("Oakwood House",)), settings, entry.id, "Oakwood House", rebase=rebase)
        pd.testing.assert_frame_equal(stored.points, live.points, check_dtype=False)
        assert (stored.assurance, stored.latest_variation, stored.warnings) == \
            (live.assurance, live.latest_variation, live.warnings)
    team = stored_chart(demo_con, Scope(("Oakwood House",)), settings, "agency_share", "Oakwood House", "Willow Unit")
    assert team.points.equals(spc_chart(demo_con, Scope(("Oakwood House",)), settings, "agency_share",
                                        "Oakwood House", "Willow Unit").points)
