"""The store's fitted themes kept in the store, so a dashboard restarted or a command run in another process
reads the fit instead of fitting every complaint and comment of the store again (minutes for a large group).

Each fit keeps its model beside its texts (`model`, written by analytics.theme_model), the fitting code it came from,
how many texts its model was fitted over and how many were assigned to that model since: the next load's texts are
assigned to the latest fit's model instead of fitting again while they are few (analytics.theme_model.store_themes
decides)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from .frame_blobs import from_blob, to_blob

KEPT = 3  # fits kept: the current one and a few before it (a load makes a new one; older ones are never read)


@dataclass(frozen=True)
class StoredFit:
    """A fit as kept: its texts with their themes, its model, and what it rests on."""

    texts: pd.DataFrame
    model: bytes | None        # the model the texts were fitted or assigned to (None: no model to assign to)
    code: str | None           # the hash of the fitting code
    fitted_texts: int          # texts the model was fitted over (its last full fit)
    assigned_texts: int        # texts assigned to the model since that fit


def create_table(cur: duckdb.DuckDBPyConnection) -> None:
    """The table of fits (store.create_schema calls it), keyed as analytics.theme_model.model_key."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS theme_fits (
            fingerprint VARCHAR, data_version BIGINT, theme_count INTEGER, fitted_at TIMESTAMP, data BLOB,
            PRIMARY KEY (fingerprint, data_version, theme_count))""")
    # A store made before fits kept their model: its fits are read as before, and the next load fits again.
    for column, kind in (("model", "BLOB"), ("code", "VARCHAR"), ("fitted_texts", "BIGINT"),
                         ("assigned_texts", "BIGINT")):
        cur.execute(f"ALTER TABLE theme_fits ADD COLUMN IF NOT EXISTS {column} {kind}")


def load_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int]) -> pd.DataFrame | None:
    """The fit stored under the key, or None."""
    found = con.cursor().execute(
        "SELECT data FROM theme_fits WHERE fingerprint = ? AND data_version = ? AND theme_count = ?",
        list(key)).fetchone()
    return None if found is None else from_blob(found[0])


def latest_fit(con: duckdb.DuckDBPyConnection, code: str, theme_count: int) -> StoredFit | None:
    """The latest fit with a model, made by this fitting code for this theme count, or None."""
    found = con.cursor().execute("""
        SELECT data, model, code, fitted_texts, assigned_texts FROM theme_fits
        WHERE code = ? AND theme_count = ? AND model IS NOT NULL
        ORDER BY fitted_at DESC LIMIT 1""", [code, theme_count]).fetchone()
    if found is None:
        return None
    data, model, code, fitted, assigned = found
    return StoredFit(from_blob(data), model, code, int(fitted or 0), int(assigned or 0))


def save_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int], fitted: pd.DataFrame | StoredFit) -> None:
    """Keep the fit under its key, and only the latest KEPT fits. A bare frame is kept without a model."""
    fit = fitted if isinstance(fitted, StoredFit) else StoredFit(fitted, None, None, len(fitted), 0)
    cur = con.cursor()
    try:
        cur.execute("""
            INSERT OR REPLACE INTO theme_fits (fingerprint, data_version, theme_count, fitted_at, data, model, code,
                                               fitted_texts, assigned_texts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [*key, datetime.now(), to_blob(fit.texts), fit.model, fit.code, fit.fitted_texts,
                     fit.assigned_texts])
        cur.execute("""
            DELETE FROM theme_fits WHERE fitted_at < (
                SELECT min(fitted_at) FROM (SELECT fitted_at FROM theme_fits ORDER BY fitted_at DESC LIMIT ?))""",
                    [KEPT])
    except duckdb.TransactionException:
        pass  # another session stored a fit at the same moment: theirs stands, ours is used in this process
