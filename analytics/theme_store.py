"""The store's themes: every complaint summary and feedback comment of the store with its theme.

The model (analytics.theme_model) is fitted on all the store's texts (`store_themes`), so a filter narrows the themes
without renaming them, and a service's themes are the same whether it is read alone or with others. A load's new
texts are assigned to the stored model rather than fitted again while they are few (the `theme_refit_share` setting;
`updated_fit`). Fits are kept in the store (analytics.theme_fits) and in this process.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import privacy, theme_model, theme_text
from .store import data_version
from .theme_fits import POSITION, StoredFit, full_fit_mark, latest_fit, load_fit, merged, save_fit
from .theme_model import ThemeModel, model_blob, model_from_blob, without_personal_data
from .theme_text import SENTENCE_END, text_keys

STORED_MODELS = 2        # fitted stores kept in memory (a large group's texts take a few hundred MB)
STORED_PARTS = 16        # some services' texts read alone, kept in memory (a page asks for them more than once)
TEXT_COLUMNS = ["source", "date", "month", "service", "team", "shift", "category", "text", "rating_score"]
ORDER = ["date", "source", "service", "team", "shift", "category", "text", "rating_score"]  # store_texts' order

_STORED: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_PARTS: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_FITTING = threading.Lock()  # the dashboard serves several people from one process: one fit at a time


def store_themes(con: duckdb.DuckDBPyConnection, settings: dict[str, Any],
                 services: Collection[str] | None = None) -> pd.DataFrame:
    """Every informative complaint summary and feedback comment in the store, of every date and service, with its
    theme: worked out once per data version and theme settings, kept in the store (analytics.theme_fits) and in this
    process for the next call. A load's new texts are assigned to the latest fit's model (`updated_fit`).

    With `services`, only their texts, as the whole gives them: read from the store for those services alone where
    the fit is kept there and not yet in this process (a page's first view of one service of a large group)."""
    key = model_key(con, settings)
    with _FITTING:
        if key not in _STORED and services is not None:
            chosen = (key, tuple(sorted(set(services))))
            if chosen not in _PARTS:
                part = load_fit(con, key, services)
                if part is None:
                    chosen = None
                else:
                    _PARTS[chosen] = part
                    while len(_PARTS) > STORED_PARTS:
                        _PARTS.popitem(last=False)
            if chosen is not None:
                _PARTS.move_to_end(chosen)
                return _PARTS[chosen]
        if key not in _STORED:
            fitted = load_fit(con, key)
            if fitted is None:
                fit, fitted = updated_fit(con, key[2], float(settings["thresholds"]["theme_refit_share"]))
                save_fit(con, key, fit)
            _STORED[key] = fitted
            while len(_STORED) > STORED_MODELS:
                _STORED.popitem(last=False)
        _STORED.move_to_end(key)
        texts = _STORED[key]
    if services is None:
        return texts
    return texts[texts["service"].isin(list(services))].reset_index(drop=True)


def forget() -> None:
    """Let go of every fit and part kept in this process: the next read is from the store, as a restarted
    dashboard's would be."""
    with _FITTING:
        _STORED.clear()
        _PARTS.clear()


def updated_fit(con: duckdb.DuckDBPyConnection, n_themes: int, refit_share: float) -> tuple[StoredFit, pd.DataFrame]:
    """The fit to keep and the store's texts with their themes: the latest full fit with later loads' texts assigned
    to its model where it still serves, else every text fitted again.

    It serves when it was made by the same fitting code for the same number of themes, the rows of the batches it
    read are as they were (no batch removed, no row rewritten by a later export, no response answered across
    batches), and the texts of later batches are at most `refit_share` of the texts it was fitted on. Then its texts
    keep their themes and the later texts are assigned to its model, each as the model would assign it
    (`ThemeModel.assign`); only they are read, masked and kept (an increment, analytics.theme_fits). Otherwise every
    text is fitted again (`_fit_store`), as a fresh store's would be.

    What that promises: the same texts in the same order as reading the store afresh; a store reached by the same
    loads gets the same themes; a load that adds no text (an audit or rota upload) keeps the themes as they were,
    which is what fitting again would give; a full fit of given texts is the same however the store came by them.
    What it does not: assigned texts can take other themes than a fit over all the texts would give them (the
    subjects, their names and terms are the full fit's), and a subject that only the new texts speak of has no theme
    of its own (its texts join the nearest subject, or none) until the next full fit."""
    base = latest_fit(con, _FITTING_CODE, n_themes)
    if base is not None and _marks(con, base.last_batch) == base.marks and not _answered_across(con, base.last_batch):
        later = _as_kept(store_texts(con, after=base.last_batch))
        if len(later) <= refit_share * base.fitted_texts:
            increment = later.assign(theme=_assign(model_from_blob(base.model), later),
                                     **{POSITION: _positions(base.texts, later)})
            fit = StoredFit(increment, None, _FITTING_CODE, base.fitted_texts, len(later), base.last_batch,
                            base.marks, base.key)
            return fit, merged(base.texts, increment)
    last_batch = con.cursor().execute(
        "SELECT coalesce(max(batch_id), 0) FROM (SELECT batch_id FROM complaints UNION ALL "
        "SELECT batch_id FROM feedback)").fetchone()[0]
    fit = _fit_store(_as_kept(store_texts(con, upto=last_batch)), n_themes)
    fit = replace(fit, last_batch=int(last_batch), marks=_marks(con, last_batch))
    return fit, fit.texts


def _positions(full: pd.DataFrame, later: pd.DataFrame) -> np.ndarray:
    """Where each later text goes among a full fit's texts in `store_texts`'s order (the later texts in that order
    themselves): the number of the full fit's texts that come before it."""
    columns = [full[column].to_numpy() for column in ORDER]

    class Keys:
        def __len__(self) -> int:
            return len(full)

        def __getitem__(self, row: int) -> tuple:
            return _order_key(values[row] for values in columns)

    keys = Keys()
    return np.array([bisect.bisect_right(keys, _order_key(row)) for row in zip(*(later[c].to_numpy() for c in ORDER))],
                    dtype=np.int64)


def _order_key(values: Any) -> tuple:
    """A text's place in `store_texts`'s order, as DuckDB sorts: ascending, missing values last."""
    return tuple((1, 0) if value is None or pd.isna(value) else (0, value) for value in values)


def _as_kept(texts: pd.DataFrame) -> pd.DataFrame:
    """The texts as a fit keeps them and reads them back (analytics.frame_blobs): date and month as timestamps of one
    resolution, text as objects with None where missing; so a fit just made and one read back are the same."""
    kept = texts.assign(date=pd.to_datetime(texts["date"]).astype("datetime64[ns]"),
                        month=pd.to_datetime(texts["month"]).astype("datetime64[ns]"))
    for column in kept.columns:
        if pd.api.types.is_string_dtype(kept[column]):
            kept[column] = kept[column].astype(object).where(kept[column].notna(), None)
    return kept


def fit_mark(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> str:
    """Which full fit the themes rest on (analytics.theme_fits.full_fit_mark): theme names change only with it."""
    return full_fit_mark(con, _FITTING_CODE, int(settings["thresholds"]["theme_count"]))


def model_key(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> tuple[str, int, int]:
    """What the store's model rests on: every service's texts, the data version and `theme_count`. A service's theme
    names rest on other services' texts too, so results kept per service should be kept under this key as well."""
    return _fingerprint(con), data_version(con), int(settings["thresholds"]["theme_count"])


# The code a fit rests on: a fit kept in the store by an older release is not read by a newer one.
_FITTING_CODE = hashlib.sha256(b"".join(Path(module).read_bytes() for module in (
    __file__, theme_model.__file__, theme_text.__file__, privacy.__file__))).hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the texts are, and the code that fits them: a hash of every text and its place, and of the fitting and
    masking modules. A copy of a store (a backup restored) has the same texts and so the same fit, which it reads
    rather than fits again; a change to how themes are fitted fits them again."""
    return hashlib.sha256(json.dumps([_row_marks(con), _FITTING_CODE], default=str).encode()).hexdigest()


# The columns of each source a text rests on: what the fingerprint and a fit's marks hash.
_MARKED = {"complaints": "received_date, service, team, shift, category, summary",
           "feedback": "feedback_date, service, team, shift, comment, rating_score"}


def _row_marks(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> list[list[Any]]:
    """Per source, how many rows and the sum of their hashes (of the rows of batches up to `upto` only; a row with
    no batch, from an older store, counts as before every batch)."""
    union = " UNION ALL ".join(f"SELECT count(*), sum(hash({columns})) FROM {table} "
                               f"WHERE ? IS NULL OR coalesce(batch_id, 0) <= ?" for table, columns in _MARKED.items())
    return [list(row) for row in con.cursor().execute(union, [upto, upto] * len(_MARKED)).fetchall()]


def _marks(con: duckdb.DuckDBPyConnection, upto: int) -> str:
    """`_row_marks` of the batches up to `upto`, as a fit keeps them: any row of them removed, added back or
    rewritten changes it."""
    return json.dumps(_row_marks(con, upto), default=str)


def _answered_across(con: duckdb.DuckDBPyConnection, upto: int) -> bool:
    """Whether a response in a batch after `upto` also has rows in one up to it: its text (one per response) would
    then no longer be the one the fit read."""
    return con.cursor().execute("""
        SELECT count(*) FROM feedback WHERE coalesce(batch_id, 0) <= ? AND response_id IN (
            SELECT response_id FROM feedback WHERE coalesce(batch_id, 0) > ? AND response_id IS NOT NULL)""",
                                [upto, upto]).fetchone()[0] > 0


def store_texts(con: duckdb.DuckDBPyConnection, after: int | None = None, upto: int | None = None) -> pd.DataFrame:
    """Complaint summaries and feedback comments of the whole store (of the batches after `after` and up to `upto`
    only, where given), informative ones only."""
    # A wide survey export may repeat one comment on every question row of a response: keep it once.
    # The order is total (date, source, place, category, text, rating: ORDER), so the texts a large model samples
    # do not depend on how DuckDB's threads happened to return rows with the same date.
    batches = "(? IS NULL OR coalesce(batch_id, 0) > ?) AND (? IS NULL OR coalesce(batch_id, 0) <= ?)"
    texts = con.cursor().execute(f"""
        SELECT 'complaints' AS source, received_date AS date, date_trunc('month', received_date)::DATE AS month,
               service, team, shift, category, summary AS text, NULL::DOUBLE AS rating_score
        FROM complaints
        WHERE summary IS NOT NULL AND received_date IS NOT NULL AND {batches}
        UNION ALL
        SELECT 'feedback', min(feedback_date), date_trunc('month', min(feedback_date))::DATE, service, team,
               shift, NULL, comment, avg(rating_score)
        FROM feedback
        WHERE comment IS NOT NULL AND feedback_date IS NOT NULL AND {batches}
        GROUP BY service, team, shift, comment, coalesce(response_id, row_key::VARCHAR)
        ORDER BY 2, 1, 4, 5, 6, 7, 8, 9""", [after, after, upto, upto] * 2).df()
    texts = texts.reindex(columns=TEXT_COLUMNS)
    return texts[text_keys(texts["text"]).notna()].reset_index(drop=True)


def _fit_store(texts: pd.DataFrame, n_themes: int) -> StoredFit:
    """Every text fitted: the model and each text's theme, kept with the model to assign later loads' texts to."""
    model_texts, cleaned, categories, complaints = _model_inputs(texts)
    model = theme_model.theme_model(model_texts, n_themes, ratings=texts["rating_score"], complaints=complaints,
                        categories=categories.where(complaints), written=cleaned)
    return StoredFit(texts.assign(theme=model.assignment), model_blob(model), _FITTING_CODE, len(texts), 0)


def _assign(model: ThemeModel, texts: pd.DataFrame) -> pd.Series:
    """The theme the model gives each text, read as a fit reads it."""
    model_texts, cleaned, _, complaints = _model_inputs(texts)
    return model.assign(model_texts, texts["rating_score"], complaints, written=cleaned)


def _model_inputs(texts: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """What the model reads of the store's texts: each text as modelled (personal data out, a complaint's category
    added), as written (personal data out), the categories (personal data out) and which are complaints."""
    # The category is the provider's free text too ("Complaint about nurse Jane Smith"): a theme is never fitted on
    # the personal data in it, so a name never becomes a theme's name.
    cleaned = without_personal_data(texts["text"])
    categories = without_personal_data(texts["category"])
    model_texts = pd.Series(map(_with_category, cleaned, categories), index=texts.index, dtype=object)
    return model_texts, cleaned, categories, texts["source"] == "complaints"


def _with_category(text: str, category: object) -> str:
    """A complaint's text with the provider's category added to each sentence, so the category shapes its theme."""
    if not isinstance(category, str) or not category.strip():
        return text
    return " ".join(f"{sentence.strip()} ({category})." for sentence in SENTENCE_END.split(text) if sentence.strip())
