"""The batches already loaded: listing them, removing one, and exporting its rejected rows."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from .audit_trail import record
from .privacy import mask_text
from .scope import Scope
from .sources import SOURCE_NAMES, SOURCES
from .store import bump_data_version, writing


class UnknownBatch(LookupError):
    """A batch number that is not in the store."""


def list_batches(con: duckdb.DuckDBPyConnection, services: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every batch, newest first, with who loaded it, when, its row counts and the services its rows are for.

    With `services`, only the batches whose rows all belong to those services (a person limited to some
    services does not learn of other services' files)."""
    frame = con.cursor().execute("""
        SELECT batch_id, source, file_name, sheet, layout, loaded_at, loaded_by, rows_new, rows_updated,
               rows_unchanged, rows_rejected, content_hash, stored_path, notes, coalesce(services, []) AS services
        FROM batches ORDER BY batch_id DESC""").df()
    if services is None:
        return frame
    allowed = set(services)
    keep = [len(found) > 0 and set(found) <= allowed for found in frame["services"]]
    return frame[keep].reset_index(drop=True)


def remove_batch(con: duckdb.DuckDBPyConnection, batch_id: int, removed_by: str,
                 services: tuple[str, ...] | None = None) -> dict[str, int]:
    """Remove a batch's rows, bring back the versions it replaced; returns rows removed per table.

    With `services`, only a batch whose rows all belong to those services may be removed."""
    if services is not None and batch_id not in set(list_batches(con, services)["batch_id"]):
        raise UnknownBatch(f"there is no batch {batch_id} among the batches for your services")
    with writing():
        cur = con.cursor()
        found = cur.execute("SELECT source, content_hash, stored_path, file_name FROM batches WHERE batch_id = ?",
                            [batch_id]).fetchone()
        if found is None:
            raise UnknownBatch(f"there is no batch {batch_id}; list them with `python -m analytics batches`")
        table, content_hash, stored_path, file_name = found
        cur.execute("BEGIN TRANSACTION")
        try:
            # Rows a later or earlier export also holds unchanged pass to that batch instead of going.
            cur.execute(f"""
                UPDATE {table} t SET batch_id = s.other FROM (
                    SELECT row_key, max(batch_id) AS other FROM sightings WHERE source = ? AND batch_id <> ?
                    GROUP BY row_key) s
                WHERE t.batch_id = ? AND t.row_key = s.row_key""", [table, batch_id, batch_id])
            [(removed,)] = cur.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]).fetchall()
            # A version this batch replaced comes back, unless a later batch has replaced it since.
            cur.execute(f"""
                UPDATE {table}_superseded s SET superseded_by = t.batch_id FROM {table} t
                WHERE s.superseded_by = ? AND s.row_key = t.row_key""", [batch_id])
            cur.execute(f"""
                INSERT INTO {table} SELECT * EXCLUDE (superseded_by) FROM {table}_superseded
                WHERE superseded_by = ?""", [batch_id])
            cur.execute(f"DELETE FROM {table}_superseded WHERE superseded_by = ? OR batch_id = ?",
                        [batch_id, batch_id])
            cur.execute("DELETE FROM sightings WHERE batch_id = ?", [batch_id])
            cur.execute("DELETE FROM rejections WHERE batch_id = ?", [batch_id])
            cur.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
            [(still_used,)] = cur.execute("SELECT count(*) FROM batches WHERE content_hash = ?",
                                          [content_hash]).fetchall()
            record(cur, removed_by, "remove_batch", {"batch": batch_id, "file": file_name, "source": table,
                                                     "rows_removed": removed})
            bump_data_version(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    if not still_used and stored_path:
        shutil.rmtree(Path(stored_path).parent, ignore_errors=True)
    return {table: int(removed)}


def rejections(con: duckdb.DuckDBPyConnection, batch_id: int | None = None,
               services: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rejected rows with file, sheet, row, column, value and reason; for one batch or all.

    With `services`, only the batches listed for those services (UnknownBatch for any other)."""
    allowed = None if services is None else set(list_batches(con, services)["batch_id"])
    if allowed is not None and batch_id is not None and batch_id not in allowed:
        raise UnknownBatch(f"there is no batch {batch_id} among the batches for your services")
    query = ("SELECT batch_id, file_name, sheet, row_number, column_name, value, reason, row_values "
             "FROM rejections WHERE ? IS NULL OR batch_id = ? ORDER BY batch_id, row_number, column_name")
    frame = con.cursor().execute(query, [batch_id, batch_id]).df()
    return frame if allowed is None else frame[frame["batch_id"].isin(allowed)].reset_index(drop=True)


def masked_rejections(rows: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows with personal data masked in every text cell: summaries, comments, categories (which may name
    someone, as "Complaint about nurse Jane Smith" does), names of staff, and the reasons, which quote the value."""
    if rows.empty:
        return rows
    masked = rows.copy()
    masked["value"] = [mask_text(v) if isinstance(v, str) else v for v in masked["value"]]
    masked["reason"] = [mask_text(v) if isinstance(v, str) else v for v in masked["reason"]]
    masked["row_values"] = [json.dumps({k: mask_text(v) if isinstance(v, str) else v
                                        for k, v in json.loads(values).items()}, ensure_ascii=False)
                            if isinstance(values, str) else values for values in masked["row_values"]]
    return masked


def coverage(con: duckdb.DuckDBPyConnection,
             scope: Scope = Scope()) -> dict[str, tuple[list[str], date | None, date | None]]:
    """Per source: the services it covers and its first and last date, within the scope's services."""
    cur = con.cursor()
    services, values = scope.service_filter()
    found = {}
    for source in SOURCES.values():
        date_column = next(f.name for f in source.fields if f.kind == "date")
        found[source.name] = cur.execute(
            f"SELECT coalesce(list(DISTINCT service ORDER BY service), []), min({date_column}), "
            f"max({date_column}) FROM {source.name} WHERE {services}", values).fetchone()
    return found


def row_counts(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> dict[str, int]:
    """How many current rows each source holds (of the scope's services only, where it names them)."""
    cur = con.cursor()
    services, values = scope.service_filter()
    return {name: cur.execute(f"SELECT count(*) FROM {name} WHERE {services}", values).fetchone()[0]
            for name in SOURCE_NAMES}


def places(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """The services any source holds ("services", sorted), and every (service, team, shift) they hold ("places"):
    what the pages' filters offer."""
    cur = con.cursor()
    placed = [s.name for s in SOURCES.values() if {"team", "shift"} <= {f.name for f in s.fields}]
    union = " UNION ".join(f"SELECT service, team, shift FROM {name}" for name in placed)
    found = cur.execute(f"SELECT DISTINCT service, team, shift FROM ({union})").fetchall()
    return {"services": sorted({service for service, _, _ in found if service is not None}), "places": found}
