"""The embedded DuckDB store: where it lives, its tables, and the files kept beside it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from .sources import SOURCES, Source

DB_ENV = "LEADERSHIP_INSIGHT_DB"
DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "leadership_insight.duckdb"

_KIND_COLUMNS = {
    "date": lambda n: [(n, "DATE")],
    "text": lambda n: [(n, "VARCHAR")],
    "prose": lambda n: [(n, "VARCHAR")],
    "team": lambda n: [(n, "VARCHAR")],
    "shift": lambda n: [(n, "VARCHAR")],
    "number": lambda n: [(n, "DOUBLE")],
    "flag": lambda n: [(n, "BOOLEAN")],
    "audit_kind": lambda n: [("spot_check", "BOOLEAN")],
    "answer": lambda n: [(n, "VARCHAR"), ("answer_class", "VARCHAR"), ("answer_score", "DOUBLE")],
    "rating": lambda n: [(n, "VARCHAR"), ("rating_value", "DOUBLE"), ("rating_scale", "VARCHAR"),
                         ("rating_score", "DOUBLE")],
}
BOOKKEEPING = [("row_key", "UBIGINT"), ("row_hash", "UBIGINT"), ("batch_id", "INTEGER"), ("source_row", "INTEGER")]


def data_columns(source: Source) -> list[tuple[str, str]]:
    """The canonical (name, SQL type) columns a source's table holds, besides bookkeeping."""
    return [column for f in source.fields for column in _KIND_COLUMNS[f.kind](f.name)]


def table_columns(source: Source) -> list[tuple[str, str]]:
    """Every column of a source's table, bookkeeping first."""
    return BOOKKEEPING + data_columns(source)


def database_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: the argument, else $LEADERSHIP_INSIGHT_DB, else data/leadership_insight.duckdb."""
    return Path(path or os.environ.get(DB_ENV) or DEFAULT_DB)


def uploads_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The folder beside the database where original uploads are kept."""
    name = con.cursor().execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()") \
        .fetchone()[0]
    base = Path(name).parent if name else Path(os.environ.get("TMPDIR", "/tmp")) / "leadership_insight_memory"
    return base / "uploads"


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store; one connection per process, a cursor per query."""
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
    else:
        target = database_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target))
    create_schema(con)
    return con


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables the product needs, leaving existing ones as they are."""
    cur = con.cursor()
    cur.execute("CREATE SEQUENCE IF NOT EXISTS batch_ids START 1")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS batches (
            batch_id INTEGER PRIMARY KEY, source VARCHAR, file_name VARCHAR, sheet VARCHAR,
            content_hash VARCHAR, stored_path VARCHAR, loaded_at TIMESTAMP, loaded_by VARCHAR,
            layout VARCHAR, plan VARCHAR, rows_new INTEGER, rows_updated INTEGER, rows_unchanged INTEGER,
            rows_rejected INTEGER, notes VARCHAR, services VARCHAR[])""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS rejections (
            batch_id INTEGER, file_name VARCHAR, sheet VARCHAR, row_number INTEGER, column_name VARCHAR,
            value VARCHAR, reason VARCHAR, row_values VARCHAR)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS mappings (
            signature VARCHAR PRIMARY KEY, source VARCHAR, plan VARCHAR, headers VARCHAR,
            confirmed_at TIMESTAMP)""")
    cur.execute("CREATE SEQUENCE IF NOT EXISTS leader_view_ids START 1")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS leader_views (
            view_id INTEGER PRIMARY KEY, service VARCHAR, team VARCHAR, key_question VARCHAR, subject VARCHAR,
            stance VARCHAR, statement VARCHAR, recorded_by VARCHAR, recorded_at TIMESTAMP)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS role_assignments (
            email VARCHAR, role VARCHAR, services VARCHAR[], granted_by VARCHAR, granted_at TIMESTAMP)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS audit_trail (
            happened_at TIMESTAMP, who VARCHAR, action VARCHAR, detail VARCHAR)""")
    cur.execute("CREATE TABLE IF NOT EXISTS sightings (batch_id INTEGER, source VARCHAR, row_key UBIGINT)")
    cur.execute("CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR, "
                "updated_at TIMESTAMP)")
    for source in SOURCES.values():
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in table_columns(source))
        cur.execute(f"CREATE TABLE IF NOT EXISTS {source.name} ({columns})")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {source.name}_superseded ({columns}, superseded_by INTEGER)")
    _add_batch_services(cur)


def _add_batch_services(cur: duckdb.DuckDBPyConnection) -> None:
    """A store made before batches noted their services gets the column, filled from the rows each batch holds."""
    if cur.execute("SELECT 1 FROM duckdb_columns() WHERE database_name = current_database() "
                   "AND table_name = 'batches' AND column_name = 'services'").fetchall():
        return
    cur.execute("ALTER TABLE batches ADD COLUMN services VARCHAR[]")
    rows = " UNION ALL ".join(f"SELECT batch_id, service FROM {name} UNION ALL "
                              f"SELECT batch_id, service FROM {name}_superseded" for name in SOURCES)
    cur.execute(f"""
        UPDATE batches SET services = found.services
        FROM (SELECT batch_id, list(DISTINCT service ORDER BY service) AS services FROM ({rows}) GROUP BY batch_id)
             AS found
        WHERE batches.batch_id = found.batch_id""")
