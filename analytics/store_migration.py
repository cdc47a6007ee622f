"""Bringing a store made by an older release up to the current schema, in place, in one transaction.

Version 1 keyed audits by (audit reference, item) and feedback by (response id, question), leaving out the
service, so two homes that both number their audits 1, 2, 3 overwrote each other; and nothing in the store
made a natural key unique, so two loads at once could store a row twice. Version 2 keys every source by its
service too and makes every natural key unique. What the migration had to resolve is reported, never guessed:
the report goes to the audit trail (action `migrate_store`) and is returned.
"""

from __future__ import annotations

import json
import sys

import duckdb
import numpy as np
import pandas as pd

from .audit_trail import record
from .row_keys import natural_keys
from .sources import SOURCES, Source
from .values import Coded


def migrate(con: duckdb.DuckDBPyConnection, from_version: int) -> list[str]:
    """Migrate the store from `from_version` to the current schema; returns what was found and done."""
    from .store import SCHEMA_VERSION, bump_data_version

    cur = con.cursor()
    report: list[str] = []
    cur.execute("BEGIN TRANSACTION")
    try:
        if from_version < 2:
            report += _to_version_2(cur)
        cur.execute("DELETE FROM store_meta WHERE key = 'schema_version'")
        cur.execute("INSERT INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        bump_data_version(cur)
        record(cur, "store", "migrate_store", {"from": from_version, "to": SCHEMA_VERSION, "report": report})
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    for line in report:
        print(f"store migrated to version {SCHEMA_VERSION}: {line}", file=sys.stderr)
    return report


def _to_version_2(cur: duckdb.DuckDBPyConnection) -> list[str]:
    report = _merge_repeated_batches(cur)
    plans = dict(cur.execute("SELECT batch_id, plan FROM batches").fetchall())
    for source in SOURCES.values():
        if source.name in ("audits", "feedback"):
            report += _rekey(cur, source, plans)
        report += _one_row_per_key(cur, source)
        _rebuild(cur, source.name, "PRIMARY KEY (row_key)")
    _rebuild(cur, "batches", "PRIMARY KEY (batch_id), UNIQUE (content_hash, sheet, source)")
    return report


def _rebuild(cur: duckdb.DuckDBPyConnection, table: str, constraints: str) -> None:
    """The table again, with its constraints (DuckDB adds no index to a table changed in the same transaction)."""
    columns = ", ".join(f'"{name}" {data_type}' for name, data_type in cur.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = ? ORDER BY column_index", [table]).fetchall())
    cur.execute(f"CREATE TABLE {table}_keyed ({columns}, {constraints})")
    cur.execute(f"INSERT INTO {table}_keyed SELECT * FROM {table}")
    cur.execute(f"DROP TABLE {table}")
    cur.execute(f"ALTER TABLE {table}_keyed RENAME TO {table}")


def _merge_repeated_batches(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Batches of the same file and sheet loaded at the same moment (the old race): the later ones' rows are
    handed to the first, where the duplicate rows are then found and reported."""
    repeats = cur.execute("""
        SELECT min(batch_id), list(batch_id ORDER BY batch_id)[2:], any_value(file_name), any_value(source)
        FROM batches GROUP BY content_hash, sheet, source HAVING count(*) > 1""").fetchall()
    report = []
    for first, later, file_name, table in repeats:
        for batch_id in later:
            for name in (table, f"{table}_superseded"):
                cur.execute(f"UPDATE {name} SET batch_id = ? WHERE batch_id = ?", [first, batch_id])
            cur.execute(f"UPDATE {table}_superseded SET superseded_by = ? WHERE superseded_by = ?", [first, batch_id])
            cur.execute("UPDATE sightings SET batch_id = ? WHERE batch_id = ?", [first, batch_id])
            cur.execute("DELETE FROM rejections WHERE batch_id = ?", [batch_id])
            cur.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
        report.append(f"{file_name} had been loaded {len(later) + 1} times at once (batches {first}, "
                      f"{', '.join(map(str, later))}); kept as batch {first}")
    return report


def _coded(values: pd.Series) -> Coded:
    """Stored text as ingest codes it: the distinct values, then a last entry for blanks."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return Coded(codes, np.append(np.asarray(uniques, dtype=object), None))


def _keys_for(frame: pd.DataFrame, source: Source, plans: dict[int, str]) -> np.ndarray:
    """Each row's version-2 key, computed batch by batch in file order, as a fresh load of its file would."""
    keys = np.zeros(len(frame), dtype="uint64")
    for batch_id, positions in frame.groupby("batch_id", sort=False).indices.items():
        part = frame.iloc[positions]
        plan = json.loads(plans.get(batch_id) or "{}")
        columns: dict[str, Coded | np.ndarray] = {}
        for name in source.natural_key:
            if name == "question" and "question" not in plan.get("mapping", {}) and not plan.get("questions"):
                # A sheet with no question column: ingest filled the field with nothing, not with text.
                columns[name] = np.full(len(part), None, dtype=object)
            elif name in ("audit_ref", "response_id") and name not in plan.get("mapping", {}):
                columns[name] = part[name].to_numpy(dtype=object)  # ids ingest made up, as plain strings
            else:
                columns[name] = _coded(part[name])
        keys[positions] = natural_keys(source, columns, len(part))
    return keys


def _rekey(cur: duckdb.DuckDBPyConnection, source: Source, plans: dict[int, str]) -> list[str]:
    """Give every row of a source keyed without its service the key with it; bring back rows of one service
    that another service's rows had overwritten."""
    table = source.name
    fields = ", ".join(source.natural_key)
    for name in (table, f"{table}_superseded"):
        frame = cur.execute(f"SELECT rowid AS rid, batch_id, {fields} FROM {name} "
                            "ORDER BY batch_id, source_row, rowid").df()
        if frame.empty:
            continue
        cur.register("new_keys", pd.DataFrame({"rid": frame["rid"], "new_key": _keys_for(frame, source, plans)}))
        cur.execute(f"CREATE TEMP TABLE old_keys AS SELECT t.row_key AS old_key, k.new_key, t.batch_id FROM {name} t "
                    "JOIN new_keys k ON t.rowid = k.rid")
        if name == table:
            cur.execute("""UPDATE sightings SET row_key = m.new_key FROM (
                               SELECT old_key, any_value(new_key) AS new_key FROM old_keys GROUP BY old_key) m
                           WHERE sightings.source = ? AND sightings.row_key = m.old_key""", [table])
        cur.execute(f"UPDATE {name} SET row_key = k.new_key FROM new_keys k WHERE {name}.rowid = k.rid")
        cur.execute("DROP TABLE old_keys")
        cur.unregister("new_keys")
    return _restore_overwritten(cur, table)


def _restore_overwritten(cur: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A superseded row whose service differs from every current row with its old key was not an older version
    but another service's row overwritten by the old keys: the latest such version comes back."""
    restored = cur.execute(f"""
        WITH lost AS (
            SELECT s.*, row_number() OVER (PARTITION BY s.row_key ORDER BY s.superseded_by DESC, s.batch_id DESC) AS n
            FROM {table}_superseded s ANTI JOIN {table} t USING (row_key))
        SELECT service, count(*) FROM lost WHERE n = 1 GROUP BY service ORDER BY service""").fetchall()
    if not restored:
        return []
    columns = ", ".join(name for (name,) in cur.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall())
    cur.execute(f"""
        INSERT INTO {table} SELECT {columns} FROM (
            SELECT s.*, row_number() OVER (PARTITION BY s.row_key ORDER BY s.superseded_by DESC, s.batch_id DESC) AS n
            FROM {table}_superseded s ANTI JOIN {table} t USING (row_key)) WHERE n = 1""")
    cur.execute(f"DELETE FROM {table}_superseded s USING {table} t WHERE s.row_key = t.row_key "
                "AND s.batch_id = t.batch_id AND s.row_hash = t.row_hash")
    return [f"{count} {table} rows of {service} had been overwritten by another service's rows with the same "
            f"{'audit reference and item' if table == 'audits' else 'response id and question'}; they are back"
            for service, count in restored]


def _one_row_per_key(cur: duckdb.DuckDBPyConnection, source: Source) -> list[str]:
    """Where a key is held by several rows (the old race between two loads), keep one and report the others:
    identical copies go; differing versions become superseded versions of the latest, as an update would."""
    table = source.name
    found = cur.execute(f"""
        SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same), coalesce(sum(copies - 1), 0)
        FROM (SELECT row_key, count(*) AS copies, count(DISTINCT row_hash) = 1 AS same
              FROM {table} GROUP BY row_key HAVING count(*) > 1)""").fetchone()
    identical, differing, extra = found
    if not extra:
        return []
    cur.execute(f"""
        CREATE TEMP TABLE keep AS
        SELECT rowid AS rid, row_number() OVER (PARTITION BY row_key ORDER BY batch_id DESC, rowid DESC) AS n,
               max(batch_id) OVER (PARTITION BY row_key) AS latest,
               count(DISTINCT row_hash) OVER (PARTITION BY row_key) AS versions
        FROM {table} WHERE row_key IN (SELECT row_key FROM {table} GROUP BY row_key HAVING count(*) > 1)""")
    cur.execute(f"""
        INSERT INTO {table}_superseded SELECT t.*, k.latest FROM {table} t JOIN keep k ON t.rowid = k.rid
        WHERE k.n > 1 AND k.versions > 1 AND t.row_hash <> (
            SELECT u.row_hash FROM {table} u JOIN keep l ON u.rowid = l.rid WHERE l.n = 1 AND u.row_key = t.row_key)""")
    cur.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM keep WHERE n > 1)")
    cur.execute("DROP TABLE keep")
    report = []
    if identical:
        report.append(f"{table}: {identical} rows were stored more than once by loads running at the same time; "
                      "one copy of each is kept")
    if differing:
        report.append(f"{table}: {differing} rows were stored in differing versions at once; the latest batch's "
                      "version is kept and the others are kept as its earlier versions")
    return report
