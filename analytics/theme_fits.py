"""The store's fitted themes kept in the store, so a dashboard restarted or a command run in another process
reads the fit instead of fitting every complaint and comment of the store again (minutes for a large group)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from .frame_blobs import from_blob, to_blob

KEPT = 3  # fits kept: the current one and a few before it (a load makes a new one; older ones are never read)


def create_table(cur: duckdb.DuckDBPyConnection) -> None:
    """The table of fits (store.create_schema calls it), keyed as analytics.theme_model.model_key."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS theme_fits (
            fingerprint VARCHAR, data_version BIGINT, theme_count INTEGER, fitted_at TIMESTAMP, data BLOB,
            PRIMARY KEY (fingerprint, data_version, theme_count))""")


def load_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int]) -> pd.DataFrame | None:
    """The fit stored under the key, or None."""
    found = con.cursor().execute(
        "SELECT data FROM theme_fits WHERE fingerprint = ? AND data_version = ? AND theme_count = ?",
        list(key)).fetchone()
    return None if found is None else from_blob(found[0])


def save_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int], fitted: pd.DataFrame) -> None:
    """Keep the fit under its key, and only the latest KEPT fits."""
    cur = con.cursor()
    try:
        cur.execute("INSERT OR REPLACE INTO theme_fits VALUES (?, ?, ?, ?, ?)", [*key, datetime.now(),
                                                                                 to_blob(fitted)])
        cur.execute("""
            DELETE FROM theme_fits WHERE fitted_at < (
                SELECT min(fitted_at) FROM (SELECT fitted_at FROM theme_fits ORDER BY fitted_at DESC LIMIT ?))""",
                    [KEPT])
    except duckdb.TransactionException:
        pass  # another session stored a fit at the same moment: theirs stands, ours is used in this process
