"""Each tunable setting declared once (analytics.setting_rules): every default threshold and file limit has its
label and check, and the checks hold wherever a setting is saved from, not only on the Settings page."""

from __future__ import annotations

import duckdb
import pytest

from analytics.setting_rules import LIMITS, THRESHOLDS, limit_problems, threshold_problems
from analytics.settings import default_settings, load_settings, save_setting


def test_every_default_threshold_and_limit_is_declared_and_every_declaration_has_a_default() -> None:
    defaults = default_settings()
    assert set(THRESHOLDS) == set(defaults["thresholds"])
    assert set(LIMITS) == set(defaults["limits"])
    assert threshold_problems(defaults["thresholds"]) == [] and limit_problems(defaults["limits"]) == []


@pytest.mark.parametrize(("changed", "said"), [
    ({"fill_rate_good": 1.5}, "'Rota fill rate is good from' is a share"),
    ({"fill_rate_good": -0.1}, "'Rota fill rate is good from' is a share"),
    ({"spc_min_points": 2.5}, "'Fewest months for a trend chart' is a number of months"),
    ({"spc_min_points": 0}, "'Fewest months for a trend chart' is a number of months"),
    ({"complaint_rate_ratio": 0.5}, "'Complaint rate that marks a place out' is a ratio"),
    ({"spc_chance_z": 0}, "must be a number above 0"),
    ({"persistent_min_cycles": 1, "recurring_min_cycles": 2}, "a persistent pattern is also a recurring one"),
])
def test_a_threshold_the_settings_page_would_refuse_is_refused_from_anywhere(
        con: duckdb.DuckDBPyConnection, changed: dict, said: str) -> None:
    with pytest.raises(ValueError, match="thresholds not saved") as refused:
        save_setting(con, "thresholds", changed)
    assert said in str(refused.value)
    assert load_settings(con)["thresholds"] == default_settings()["thresholds"]  # nothing stored


def test_a_valid_threshold_and_limit_are_saved(con: duckdb.DuckDBPyConnection) -> None:
    save_setting(con, "thresholds", {"fill_rate_good": 0.9})
    save_setting(con, "limits", {**default_settings()["limits"], "max_file_mb": 50})
    settings = load_settings(con)
    assert settings["thresholds"]["fill_rate_good"] == 0.9 and settings["limits"]["max_file_mb"] == 50


def test_a_file_limit_below_its_smallest_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="'Largest file \\(MB\\)' should be at least 1; it is 0"):
        save_setting(con, "limits", {"max_file_mb": 0})
