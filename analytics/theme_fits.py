"""The store's fitted themes kept in the store, so a dashboard restarted or a command run in another process
reads the fit instead of fitting every complaint and comment of the store again (minutes for a large group).

A full fit keeps its texts with their themes, its model, the fitting code it came from, the last batch its texts
were read up to and a mark of those batches' rows (analytics.theme_model decides what they are). A later load's
texts assigned to that model (analytics.theme_store.updated_fit) are kept as an increment: only the texts of later
batches, with their themes and their places among the full fit's texts, which the increment is read back with.
So keeping an increment costs as much as its texts, not the store's. Texts are kept grouped by service
(analytics.frame_blobs), so a page about one service reads that service's texts, not a whole group's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from .frame_blobs import from_blob, to_blob
from .store import STORED_BY_ANOTHER

KEPT = 3  # fits kept: the current one and a few before it, and the full fit a kept increment rests on
POSITION = "position"  # an increment's column: where each text goes among its full fit's texts


@dataclass(frozen=True)
class StoredFit:
    """A fit as kept: its texts with their themes, and what it rests on."""

    texts: pd.DataFrame        # a full fit's texts, or an increment's (with POSITION)
    model: bytes | None = None  # a full fit's model (None: an increment, or nothing to assign to)
    code: str | None = None     # the hash of the fitting code
    fitted_texts: int = 0       # texts the model was fitted over
    assigned_texts: int = 0     # texts assigned to the model since (an increment's texts)
    last_batch: int | None = None  # the full fit's texts are those of batches up to this one
    marks: str | None = None    # what those batches' rows were when fitted (a removal or rewrite changes it)
    base: tuple[str, int] | None = None  # an increment's full fit: its fingerprint and data version
    key: tuple[str, int] | None = None  # where this fit is kept (fingerprint, data version), as read back


def create_table(cur: duckdb.DuckDBPyConnection) -> None:
    """The table of fits (store.create_schema calls it), keyed as analytics.theme_store.model_key."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS theme_fits (
            fingerprint VARCHAR, data_version BIGINT, theme_count INTEGER, fitted_at TIMESTAMP, data BLOB,
            PRIMARY KEY (fingerprint, data_version, theme_count))""")
    # A store made before fits kept their model: its fits are read as before, and the next load fits again.
    for column, kind in (("model", "BLOB"), ("code", "VARCHAR"), ("fitted_texts", "BIGINT"),
                         ("assigned_texts", "BIGINT"), ("last_batch", "BIGINT"), ("marks", "VARCHAR"),
                         ("base_fingerprint", "VARCHAR"), ("base_version", "BIGINT")):
        cur.execute(f"ALTER TABLE theme_fits ADD COLUMN IF NOT EXISTS {column} {kind}")


def load_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int],
             services: Collection[str] | None = None) -> pd.DataFrame | None:
    """The texts with their themes stored under the key (an increment read with its full fit), or None; of the
    `services` only, where given, in the same order, reading only their part of the stored texts."""
    cur = con.cursor()
    found = cur.execute("""
        SELECT data, base_fingerprint, base_version FROM theme_fits
        WHERE fingerprint = ? AND data_version = ? AND theme_count = ?""", list(key)).fetchone()
    if found is None:
        return None
    data, base_fingerprint, base_version = found
    only = None if services is None else ("service", tuple(services))
    if base_fingerprint is None:
        return from_blob(data) if only is None else from_blob(data, only).reset_index(drop=True)
    base = cur.execute("SELECT data FROM theme_fits WHERE fingerprint = ? AND data_version = ? AND theme_count = ?",
                       [base_fingerprint, base_version, key[2]]).fetchone()
    return None if base is None else merged(from_blob(base[0], only), from_blob(data, only))


def merged(full: pd.DataFrame, increment: pd.DataFrame) -> pd.DataFrame:
    """A full fit's texts with an increment's put in their places (POSITION: the full fit's text each comes
    before; texts with the same place keep the increment's order). Each frame is indexed by its rows' places in
    what was kept: the whole of each, or some of each as `from_blob` with `only` reads them, which gives the
    same rows in the same order as the whole merged, then chosen."""
    at = np.r_[full.index.to_numpy(dtype=np.int64), increment[POSITION].to_numpy(dtype=np.int64)]
    full_after = np.r_[np.ones(len(full), dtype=np.int64), np.zeros(len(increment), dtype=np.int64)]
    within = np.r_[np.zeros(len(full), dtype=np.int64), increment.index.to_numpy(dtype=np.int64)]
    order = np.lexsort((within, full_after, at))
    both = pd.concat([full, increment.drop(columns=POSITION)], ignore_index=True)
    return both.iloc[order].reset_index(drop=True)


def latest_fit(con: duckdb.DuckDBPyConnection, code: str, theme_count: int) -> StoredFit | None:
    """The latest full fit with a model, made by this fitting code for this theme count, or None."""
    found = con.cursor().execute("""
        SELECT fingerprint, data_version, data, model, fitted_texts, last_batch, marks FROM theme_fits
        WHERE code = ? AND theme_count = ? AND model IS NOT NULL AND base_fingerprint IS NULL
              AND last_batch IS NOT NULL
        ORDER BY fitted_at DESC LIMIT 1""", [code, theme_count]).fetchone()
    if found is None:
        return None
    fingerprint, version, data, model, fitted, last_batch, marks = found
    return StoredFit(from_blob(data), model, code, int(fitted or 0), 0, int(last_batch), marks,
                     key=(fingerprint, int(version)))


def save_fit(con: duckdb.DuckDBPyConnection, key: tuple[str, int, int], fitted: pd.DataFrame | StoredFit) -> None:
    """Keep the fit under its key, and only the latest KEPT fits and the full fits they rest on. A bare frame is
    kept as a full fit with no model."""
    fit = fitted if isinstance(fitted, StoredFit) else StoredFit(fitted, fitted_texts=len(fitted))
    cur = con.cursor()
    base = fit.base or (None, None)
    try:
        cur.execute("""
            INSERT OR REPLACE INTO theme_fits (fingerprint, data_version, theme_count, fitted_at, data, model, code,
                                               fitted_texts, assigned_texts, last_batch, marks, base_fingerprint,
                                               base_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [*key, datetime.now(), to_blob(fit.texts, grouped_by="service"), fit.model, fit.code,
                     fit.fitted_texts, fit.assigned_texts, fit.last_batch, fit.marks, *base])
        cur.execute("""
            DELETE FROM theme_fits AS old WHERE fitted_at < (
                SELECT min(fitted_at) FROM (SELECT fitted_at FROM theme_fits ORDER BY fitted_at DESC LIMIT ?))
            AND NOT EXISTS (
                SELECT 1 FROM theme_fits AS kept
                WHERE kept.base_fingerprint = old.fingerprint AND kept.base_version = old.data_version
                      AND kept.theme_count = old.theme_count)""", [KEPT])
    except STORED_BY_ANOTHER:
        pass  # another session stored a fit at the same moment: theirs stands, ours is used in this process


def full_fit_mark(con: duckdb.DuckDBPyConnection, code: str, theme_count: int) -> str:
    """Which full fit the store's themes rest on now (the latest one this fitting code made for this theme count;
    later loads' texts are assigned to it): its fingerprint and data version, "" with none."""
    found = con.cursor().execute("""
        SELECT fingerprint, data_version FROM theme_fits
        WHERE code = ? AND theme_count = ? AND base_fingerprint IS NULL
        ORDER BY fitted_at DESC LIMIT 1""", [code, theme_count]).fetchone()
    return "" if found is None else f"{found[0][:16]}:{found[1]}"
