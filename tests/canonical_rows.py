"""Rows put straight into the canonical tables, for tests of the analytics on small hand-made tables."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.sources import SOURCES
from analytics.store import table_columns


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    """Insert canonical rows, filling the bookkeeping columns as ingest would and leaving unnamed columns empty."""
    columns = [name for name, _ in table_columns(SOURCES[table])]
    first = con.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    frame = pd.DataFrame([{"row_key": first + n + 1, "row_hash": 0, "batch_id": 1, "source_row": n + 2, **row}
                          for n, row in enumerate(rows)]).reindex(columns=columns)
    cur = con.cursor()
    cur.register("new_rows", frame)
    cur.execute(f"INSERT INTO {table} SELECT * FROM new_rows")
    cur.unregister("new_rows")
