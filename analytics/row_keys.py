"""How a stored row is identified: a 64-bit hash of its source's natural key, and of all its values.

Ingest and the store's migrations both compute keys here, so a row migrated in place gets the same key a
fresh upload of its file would give it (and re-uploading that file updates it rather than adding a twin).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .sources import Source
from .values import Coded

_FNV_PRIME = np.uint64(1099511628211)


def row_hash(columns: list[Coded | np.ndarray | None], length: int, known: dict[int, tuple] | None = None) -> np.ndarray:
    """A stable 64-bit hash of each row's values across `columns` (pandas' SipHash of each value, combined).

    `known`, shared between calls over the same columns (a row's key and its hash), keeps the hash of each coded
    column's distinct values, so a column in both is hashed once."""
    combined = np.full(length, np.uint64(14695981039346656037))
    for column in columns:
        if column is None:
            hashed = np.zeros(length, dtype="uint64")
        elif isinstance(column, Coded):
            if known is not None and id(column) in known:
                distinct = known[id(column)][1]
            else:
                distinct = pd.util.hash_array(column.lookup.astype(str))
                if known is not None:
                    known[id(column)] = (column, distinct)  # kept with its column, so the id stays its own
            hashed = distinct[column.codes]
        else:
            hashed = pd.util.hash_array(column)
        with np.errstate(over="ignore"):
            combined = (combined ^ hashed) * _FNV_PRIME
    return combined


def with_turn(hashes: np.ndarray) -> np.ndarray:
    """Hashes made unique by counting repeats: identical rows are real (two carers, same shift and role).

    The first of each keeps its own hash, so a row's key does not depend on whether it has a twin."""
    repeats = pd.Series(hashes).duplicated().to_numpy()
    if not repeats.any():
        return hashes
    turn = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
    turned = pd.util.hash_pandas_object(pd.DataFrame({"h": hashes, "t": turn}), index=False).to_numpy()
    return np.where(turn == 0, hashes, turned)


def natural_keys(source: Source, columns: dict[str, Coded | np.ndarray], length: int,
                 known: dict[int, tuple] | None = None) -> np.ndarray:
    """Each row's key: its natural key hashed (the service is part of every source's natural key).

    A complaint reference is unique within its service (a repeat in one file is refused), so its key is the
    hash alone; rows of the other sources that share a natural key within one sheet are told apart by turn."""
    hashed = row_hash([columns.get(name) for name in source.natural_key], length, known)
    return hashed if source.name == "complaints" else with_turn(hashed)
