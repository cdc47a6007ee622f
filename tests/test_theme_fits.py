"""The store's themes fitted once per data version and kept in the store (analytics.theme_fits)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analytics import theme_model
from analytics.ingest import ingest_bytes
from analytics.settings import load_settings
from analytics.theme_fits import KEPT, load_fit, save_fit


@pytest.fixture
def fits(demo_con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """The keys fitted (not read back) from now on, with nothing kept in this process."""
    fitted: list[tuple] = []
    real = theme_model._fit_store

    def fit(con, n_themes):
        fitted.append((theme_model.model_key(con, load_settings(con))))
        return real(con, n_themes)

    monkeypatch.setattr(theme_model, "_fit_store", fit)
    monkeypatch.setattr(theme_model, "_STORED", type(theme_model._STORED)())
    return fitted


def test_a_fit_is_read_back_by_another_process_instead_of_fitted_again(demo_con, fits):
    settings = load_settings(demo_con)
    first = theme_model.store_themes(demo_con, settings)  # the demo's load fitted and kept it
    theme_model._STORED.clear()  # as a restarted dashboard: nothing in memory
    again = theme_model.store_themes(demo_con, settings)
    assert fits == []
    pd.testing.assert_frame_equal(first, again)
    assert again["theme"].notna().any() and len(again) > 1000


def test_a_load_makes_a_new_fit_and_old_ones_are_let_go(demo_con, fits):
    settings = load_settings(demo_con)
    theme_model.store_themes(demo_con, settings)
    ingest_bytes(demo_con, b"Reference,Date,Home,Unit,Category,Summary\nC-901,01/10/2026,Oakwood House,Beech Unit,"
                 b"Food,Cold dinner served again\n", "one_complaint.csv", source="complaints")
    theme_model._STORED.clear()
    fitted = theme_model.store_themes(demo_con, settings)
    assert fits == [theme_model.model_key(demo_con, settings)]
    assert "Cold dinner served again" in set(fitted["text"])
    assert demo_con.cursor().execute("SELECT count(*) FROM theme_fits").fetchone()[0] <= KEPT


def test_a_fit_keeps_its_columns_and_missing_values():
    frame = pd.DataFrame({"source": ["complaints", "feedback"], "date": pd.to_datetime(["2026-01-02", "2026-02-03"]),
                          "category": ["Food", None], "text": ["Cold", "Kind staff"], "rating_score": [None, 1.0],
                          "theme": ["Food: cold", None]})
    con = duckdb.connect()
    theme_fits_table(con)
    save_fit(con, ("f", 1, 10), frame)
    back = load_fit(con, ("f", 1, 10))
    assert back["category"].tolist() == ["Food", None] and back["theme"].tolist() == ["Food: cold", None]
    assert back["date"].tolist() == frame["date"].tolist() and back["rating_score"].isna().tolist() == [True, False]
    assert load_fit(con, ("f", 2, 10)) is None


def theme_fits_table(con):
    from analytics.theme_fits import create_table
    create_table(con.cursor())


def test_a_fit_from_other_fitting_code_is_not_read(demo_con, fits, monkeypatch):
    settings = load_settings(demo_con)
    theme_model.store_themes(demo_con, settings)
    monkeypatch.setattr(theme_model, "_FITTING_CODE", "a newer release")
    theme_model._STORED.clear()
    theme_model.store_themes(demo_con, settings)
    assert fits == [theme_model.model_key(demo_con, settings)]  # fitted again, under the new code's key
