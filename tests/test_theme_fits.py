"""The store's themes fitted once and kept in the store (analytics.theme_fits), a load's new texts assigned to the
kept model while they are few (analytics.theme_store.updated_fit)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics import theme_model, theme_store
from analytics.batches import remove_batch
from analytics.frame_blobs import from_blob, to_blob
from analytics.ingest import ingest_bytes
from analytics.settings import load_settings
from analytics.store import connect
from analytics.theme_fits import KEPT, latest_fit, load_fit, save_fit

ONE_COMPLAINT = (b"Reference,Date,Home,Unit,Category,Summary\nC-901,01/10/2026,Oakwood House,Beech Unit,"
                 b"Food,Cold dinner served again\n")


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of texts of each full fit made (not read back or assigned) from now on, nothing kept in this
    process."""
    fitted: list[int] = []
    real = theme_store._fit_store

    def fit(texts, n_themes):
        fitted.append(len(texts))
        return real(texts, n_themes)

    monkeypatch.setattr(theme_store, "_fit_store", fit)
    monkeypatch.setattr(theme_store, "_STORED", type(theme_store._STORED)())
    monkeypatch.setattr(theme_store, "_PARTS", type(theme_store._PARTS)())
    return fitted


@pytest.fixture
def store(pristine_demo_db: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A copy of the demo store of this test's own (its fit made when the demo was prepared)."""
    copy = tmp_path / "store.duckdb"
    shutil.copyfile(pristine_demo_db, copy)
    connection = connect(copy)
    yield connection
    connection.close()


def _themes(con, share: float | None = None, theme_count: int | None = None) -> pd.DataFrame:
    settings = load_settings(con)
    if share is not None:
        settings["thresholds"]["theme_refit_share"] = share
    if theme_count is not None:
        settings["thresholds"]["theme_count"] = theme_count
    theme_store.forget()  # as another process: read from the store
    return theme_store.store_themes(con, settings)


def _complaints(con, lines: list[str], name: str) -> int:
    data = "\n".join(["Reference,Date,Home,Unit,Category,Summary", *lines]).encode()
    return ingest_bytes(con, data, name, source="complaints")[0].batch_id


def test_a_fit_is_read_back_by_another_process_instead_of_fitted_again(demo_con, fits):
    settings = load_settings(demo_con)
    first = theme_store.store_themes(demo_con, settings)  # the demo's load fitted and kept it
    theme_store.forget()  # as a restarted dashboard: nothing in memory
    again = theme_store.store_themes(demo_con, settings)
    assert fits == []
    pd.testing.assert_frame_equal(first, again)
    assert again["theme"].notna().any() and len(again) > 1000


def test_a_load_keeps_a_new_fit_and_old_ones_are_let_go(demo_con, fits):
    settings = load_settings(demo_con)
    theme_store.store_themes(demo_con, settings)
    ingest_bytes(demo_con, ONE_COMPLAINT, "one_complaint.csv", source="complaints")
    theme_store.forget()
    fitted = theme_store.store_themes(demo_con, settings)
    assert load_fit(demo_con, theme_store.model_key(demo_con, settings)) is not None
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
    assert latest_fit(con, "code", 10) is None  # a fit kept without a model is never assigned to


def theme_fits_table(con):
    from analytics.theme_fits import create_table
    create_table(con.cursor())


def test_a_kept_model_assigns_its_fitted_texts_the_themes_the_fit_gave_them(store):
    fit = latest_fit(store, theme_store._FITTING_CODE, 10)
    assert fit is not None and fit.model is not None and fit.assigned_texts == 0
    assert fit.fitted_texts == len(fit.texts)
    again = theme_store._assign(theme_model.model_from_blob(fit.model), fit.texts)
    assert again.tolist() == fit.texts["theme"].tolist()


def test_a_store_with_no_fit_is_fitted_in_full(store, fits):
    store.cursor().execute("DELETE FROM theme_fits")
    fitted = _themes(store)
    assert fits == [len(fitted)]
    fit = latest_fit(store, theme_store._FITTING_CODE, 10)
    assert (fit.fitted_texts, fit.assigned_texts) == (len(fitted), 0)


def test_a_small_load_is_assigned_to_the_kept_model_and_old_texts_keep_their_themes(store, fits):
    before = _themes(store)
    _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again",
                        "C-902,02/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again"], "food.csv")
    after = _themes(store)
    assert fits == []  # assigned, not fitted
    assert len(after) == len(before) + 2
    new = after["text"] == "Cold dinner served again"
    model = theme_model.model_from_blob(latest_fit(store, theme_store._FITTING_CODE, 10).model)
    assert after.loc[new, "theme"].tolist() == theme_store._assign(model, after[new]).tolist()
    assert after.loc[new, "theme"].notna().all()
    pd.testing.assert_frame_equal(after[~new].reset_index(drop=True), before)  # same rows, order and themes
    # the texts as a fresh read of the store has them, in its order
    pd.testing.assert_frame_equal(after.drop(columns="theme"), theme_store._as_kept(theme_store.store_texts(store)))
    kept = store.cursor().execute("""
        SELECT fitted_texts, assigned_texts, base_fingerprint IS NOT NULL, data FROM theme_fits
        ORDER BY fitted_at DESC LIMIT 1""").fetchone()
    assert kept[:3] == (len(before), 2, True)
    assert len(from_blob(kept[3])) == 2  # the increment keeps its own texts, not the store's
    pd.testing.assert_frame_equal(_themes(store), after)  # and is read back as it was made


def test_texts_of_every_date_go_in_their_places(store, fits):
    before = _themes(store)
    first, last = before["date"].min(), before["date"].max()
    _complaints(store, [f"C-903,{first:%d/%m/%Y},Oakwood House,Beech Unit,Food,Cold dinner served again",
                        f"C-904,{last:%d/%m/%Y},Oakwood House,,,Dinner was late",
                        f"C-905,{first:%d/%m/%Y},Oakwood House,Beech Unit,Food,Cold dinner served again"], "some.csv")
    after = _themes(store)
    assert fits == []
    pd.testing.assert_frame_equal(after.drop(columns="theme"), theme_store._as_kept(theme_store.store_texts(store)))


def _each_service_alone(con) -> list[str]:
    """Every service's texts read alone from the store, checked against the whole store's read and then chosen;
    the services checked."""
    settings = load_settings(con)
    whole = _themes(con)
    services = sorted(whole["service"].dropna().unique())
    for chosen in [(service,) for service in services] + [tuple(services), ()]:
        theme_store.forget()  # as a page's first view in a fresh process
        alone = theme_store.store_themes(con, settings, chosen)
        pd.testing.assert_frame_equal(alone, whole[whole["service"].isin(chosen)].reset_index(drop=True))
        for column in alone.columns:  # the same Python values, not only equal ones
            assert list(map(type, alone[column])) == list(map(type, whole[whole["service"].isin(chosen)][column]))
    return services


def test_one_service_s_texts_are_read_alone_as_the_whole_store_gives_them(store, fits):
    assert len(_each_service_alone(store)) >= 2
    fitted = store.cursor().execute("SELECT data FROM theme_fits WHERE base_fingerprint IS NULL").fetchone()[0]
    assert pq.ParquetFile(io.BytesIO(fitted)).metadata.num_row_groups >= 2  # kept grouped by service
    # with a later load's texts assigned and kept as an increment, of two services and of every date
    first = _themes(store)["date"].min()
    _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again",
                        f"C-902,{first:%d/%m/%Y},Oakwood House,Beech Unit,Food,Cold dinner served again",
                        f"C-903,{first:%d/%m/%Y},Riverside Homecare,,Food,Dinner was late"], "two_services.csv")
    assert _each_service_alone(store) and fits == []
    assert store.cursor().execute("SELECT count(*) FROM theme_fits WHERE base_fingerprint IS NOT NULL").fetchone()[0]


def test_a_fit_kept_whole_by_an_earlier_release_is_read_per_service_too(store, fits):
    cur = store.cursor()
    for fingerprint, version, data in cur.execute("SELECT fingerprint, data_version, data FROM theme_fits").fetchall():
        cur.execute("UPDATE theme_fits SET data = ? WHERE fingerprint = ? AND data_version = ?",
                    [to_blob(from_blob(data)), fingerprint, version])  # not grouped, as written before
    assert all(pq.ParquetFile(io.BytesIO(data)).metadata.num_row_groups == 1
               for (data,) in cur.execute("SELECT data FROM theme_fits").fetchall())
    _each_service_alone(store)
    assert fits == []


def test_loads_past_the_share_since_the_last_full_fit_fit_again(store, fits):
    texts = len(_themes(store))
    share = 1.5 / texts  # one new text may be assigned, two may not
    _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again"], "one.csv")
    _themes(store, share)
    assert fits == []
    _complaints(store, ["C-902,02/10/2026,Oakwood House,Beech Unit,Food,Dinner was late"], "two.csv")
    after = _themes(store, share)
    assert fits == [texts + 2]  # the two loads together pass the share: every text fitted again
    fit = latest_fit(store, theme_store._FITTING_CODE, 10)
    assert (fit.fitted_texts, fit.assigned_texts) == (texts + 2, 0)
    store.cursor().execute("DELETE FROM theme_fits")
    pd.testing.assert_frame_equal(_themes(store, share), after)  # as a fresh store's fit of the same texts


def test_a_share_of_nothing_fits_every_load_that_adds_text(store, fits):
    texts = len(_themes(store))
    _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again"], "one.csv")
    _themes(store, share=0.0)
    assert fits == [texts + 1]


def test_a_removed_batch_the_fit_read_fits_again(store, fits):
    texts = len(_themes(store))
    batch = store.cursor().execute("SELECT max(batch_id) FROM feedback").fetchone()[0]
    remove_batch(store, batch, "test")
    after = _themes(store)
    assert fits == [len(after)] and len(after) < texts


def test_a_removed_batch_loaded_since_the_fit_leaves_the_fit_as_it_was(store, fits):
    before = _themes(store)
    batch = _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again"],
                        "one.csv")
    _themes(store)
    remove_batch(store, batch, "test")
    after = _themes(store)
    assert fits == []  # the texts are the full fit's again: its themes are what fitting them again gives
    pd.testing.assert_frame_equal(after, before)


def test_a_load_with_no_text_keeps_the_fit_which_is_what_fitting_again_gives(store, fits):
    before = _themes(store)
    store.cursor().execute("UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                           "WHERE key = 'data_version'")  # as a rota or audit upload leaves the texts
    kept = _themes(store)
    assert fits == []
    pd.testing.assert_frame_equal(kept, before)
    store.cursor().execute("DELETE FROM theme_fits")
    pd.testing.assert_frame_equal(_themes(store), before)  # a full fit of the same texts: the same themes
    assert len(fits) == 1


def test_a_fit_from_other_fitting_code_is_not_read(store, fits, monkeypatch):
    texts = len(_themes(store))
    monkeypatch.setattr(theme_store, "_FITTING_CODE", "a newer release")
    _themes(store)
    assert fits == [texts]  # fitted again, under the new code's key


def test_another_theme_count_fits_again(store, fits):
    texts = len(_themes(store))
    _themes(store, theme_count=6)
    assert fits == [texts]


def test_a_response_answered_across_batches_fits_again(store, fits):
    texts = len(_themes(store))
    # a later batch's row of a response the fit read: that response's one text is no longer the one fitted
    store.cursor().execute("""
        INSERT INTO feedback SELECT * REPLACE ((SELECT max(batch_id) + 1000 FROM batches) AS batch_id,
                                               (SELECT max(row_key) + 1 FROM feedback) AS row_key,
                                               'The garden was lovely' AS comment)
        FROM feedback WHERE comment IS NOT NULL AND response_id IS NOT NULL LIMIT 1""")
    _themes(store)
    assert fits == [texts + 1]


def test_english_stop_words_read_from_source_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from analytics.theme_text import _english_stop_words

    assert _english_stop_words() == ENGLISH_STOP_WORDS


def test_assigning_to_a_kept_model_imports_no_scikit_learn(store, tmp_path):
    blob = tmp_path / "model.npz"
    blob.write_bytes(latest_fit(store, theme_store._FITTING_CODE, 10).model)
    script = ("import sys, pandas as pd; from pathlib import Path; "
              "from analytics import theme_model, theme_store as m; "
              f"model = theme_model.model_from_blob(Path({str(blob)!r}).read_bytes()); "
              "texts = pd.DataFrame({'source': ['complaints'], 'category': ['Food'], 'rating_score': [None], "
              "'text': ['Cold dinner served again']}); "
              "print(m._assign(model, texts).iloc[0] is not None, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.split() == ["True", "False"]


def test_the_refit_share_is_a_setting_with_a_label_and_a_check():
    from analytics.setting_rules import THRESHOLDS, threshold_problems
    from analytics.settings import default_settings

    assert default_settings()["thresholds"]["theme_refit_share"] == 0.05
    assert THRESHOLDS["theme_refit_share"].kind == "share"
    assert threshold_problems({"theme_refit_share": 0.0}) == threshold_problems({"theme_refit_share": 1.0}) == []
    assert threshold_problems({"theme_refit_share": 1.5}) and threshold_problems({"theme_refit_share": -0.1})


def test_rows_with_no_batch_are_fitted_as_before_every_batch(store, fits):
    texts = len(_themes(store))
    store.cursor().execute("UPDATE complaints SET batch_id = NULL")  # as an older store's rows may be
    store.cursor().execute("DELETE FROM theme_fits")
    assert len(_themes(store)) == texts == len(theme_store.store_texts(store))
    _complaints(store, ["C-901,01/10/2026,Oakwood House,Beech Unit,Food,Cold dinner served again"], "one.csv")
    assert len(_themes(store)) == texts + 1 and len(fits) == 1  # the fit read them: the new text is assigned
