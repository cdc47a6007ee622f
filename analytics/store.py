"""The embedded DuckDB store: where it lives, its tables, and the files kept beside it."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .sources import SOURCES, Source

DB_ENV = "LEADERSHIP_INSIGHT_DB"
SCHEMA_VERSION = 2  # 2: audits and feedback keyed by service too; every natural key unique in the store
DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "leadership_insight.duckdb"
# The modules whose code says what tables the store has (create_schema and the create functions it calls, the
# sources' columns, the migration): a store last set up by exactly this code needs no setting up on opening.
SCHEMA_MODULES = ("store.py", "sources.py", "stored_insights.py", "theme_fits.py", "chart_marks.py", "row_months.py",
                  "concerns.py", "store_migration.py")

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


# Every change to the store in this process goes through this lock, from the checks that decide what to write to
# the commit: two uploads at once in the dashboard are serialised, and a check cannot go stale before its write.
# Other processes are kept out by DuckDB's own lock on the file (see `connect`).
_WRITING = threading.RLock()


@contextmanager
def writing() -> Iterator[None]:
    """Hold the store's write lock for this process while a change is decided and made."""
    with _WRITING:
        yield


# What DuckDB raises when two cursors of this process write the same stored key at the same moment (a page and
# the background refresh storing one service's run): either a transaction conflict or, for INSERT OR REPLACE, a
# duplicate key. For a store of derived results, both mean another session stored the same: theirs stands.
STORED_BY_ANOTHER = (duckdb.TransactionException, duckdb.ConstraintException)


class StoreBusy(RuntimeError):
    """The database file is open in another program; the message says which and what to do."""


class StoreUnreadable(RuntimeError):
    """DuckDB could not open the database file (not a lock); the message says what it found and what to do."""


def _unreadable_message(target: Path, error: duckdb.Error) -> str:
    found = str(error).split("Error: ", 1)[-1].strip()
    if "WAL" in found:
        advice = (f"The file {target.name}.wal beside it belongs to another copy of the store: it is left behind "
                  f"when a copy of {target.name} is put in place without its own .wal. Move {target.name}.wal "
                  "out of the folder and start again: the store then opens as it was last saved.")
    else:
        advice = ("If the file was copied or restored, check that the copy is whole; the files you uploaded are "
                  "kept in the uploads folder beside it and can be loaded into a new store.")
    return (f"The store {target} could not be opened, and nothing in it was changed. DuckDB says: {found.rstrip('.')}. "
            f"{advice}")


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def _busy_message(target: Path, error: duckdb.Error, waited: float) -> str:
    found = _LOCK_HOLDER.search(str(error))
    holder = f"another program (process {found.group(2)})" if found else "another program"
    waited_text = f" after waiting {waited:.0f} s" if waited >= 1 else ""
    return (f"The store {target.name} is in use by {holder}{waited_text}, so it cannot be opened now. "
            "A load from the command line may still be running: wait for it to finish and try again. "
            "(While the dashboard is running, the command line hands its work to the dashboard instead.)")


def _is_lock_error(error: duckdb.Error) -> bool:
    return "Could not set lock on file" in str(error) or "Conflicting lock" in str(error)


def connect(path: str | os.PathLike | None = None, *, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store; one connection per process, a cursor per query.

    Only one process may have the file open (DuckDB's own lock). If another holds it, keep trying for up to
    `wait` seconds, then raise StoreBusy with a message a person can act on, never a raw lock error."""
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
    else:
        target = database_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        while True:
            try:
                con = duckdb.connect(str(target))
                break
            except duckdb.IOException as error:
                if not _is_lock_error(error):
                    raise StoreUnreadable(_unreadable_message(target, error)) from None
                waited = time.monotonic() - started
                if waited >= wait:
                    raise StoreBusy(_busy_message(target, error, waited)) from None
                time.sleep(min(0.5, max(0.05, wait - waited)))
    if not _set_up(con):
        with writing():
            create_schema(con)
    return con


def schema_code() -> str:
    """A hash of the code of SCHEMA_MODULES: any change to what tables the store has changes it."""
    global _SCHEMA_CODE
    if _SCHEMA_CODE is None:
        folder = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for name in SCHEMA_MODULES:
            digest.update((folder / name).read_bytes())
        _SCHEMA_CODE = digest.hexdigest()[:16]
    return _SCHEMA_CODE


_SCHEMA_CODE: str | None = None


def _set_up(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this code set the store up last (create_schema's dozens of statements cost a cold page 25 ms)."""
    try:
        found = con.cursor().execute("SELECT value FROM store_meta WHERE key = 'schema_code'").fetchone()
    except duckdb.CatalogException:
        return False  # a new store
    return found is not None and found[0] == schema_code()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables the product needs, leaving existing ones as they are, and bring older stores up to date."""
    cur = con.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    found = cur.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    fresh = found is None and not cur.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'batches'").fetchall()
    cur.execute("CREATE SEQUENCE IF NOT EXISTS batch_ids START 1")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS batches (
            batch_id INTEGER PRIMARY KEY, source VARCHAR, file_name VARCHAR, sheet VARCHAR,
            content_hash VARCHAR, stored_path VARCHAR, loaded_at TIMESTAMP, loaded_by VARCHAR,
            layout VARCHAR, plan VARCHAR, rows_new INTEGER, rows_updated INTEGER, rows_unchanged INTEGER,
            rows_rejected INTEGER, notes VARCHAR, services VARCHAR[], UNIQUE (content_hash, sheet, source))""")
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
        # row_key is the hash of the source's natural key (service included): unique, so two loads at once
        # can never store the same row twice.
        cur.execute(f"CREATE TABLE IF NOT EXISTS {source.name} ({columns}, PRIMARY KEY (row_key))")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {source.name}_superseded ({columns}, superseded_by INTEGER)")
    _add_batch_services(cur)
    from .stored_insights import create_table  # the results kept per service and month

    create_table(cur)
    from .theme_fits import create_table as theme_fits_table  # the store's themes, fitted once per data version
    theme_fits_table(cur)
    from .chart_marks import create_tables as chart_tables  # new limits a person started on a chart

    chart_tables(cur)
    from .row_months import create_table as row_months_table  # the rows each service has per batch and month

    row_months_table(cur)
    from .concerns import create_tables as concern_tables  # concerns, recognitions and actions

    concern_tables(cur)
    # Cells that could not be read while their rows were kept (release after version 2's first).
    cur.execute("ALTER TABLE rejections ADD COLUMN IF NOT EXISTS row_kept BOOLEAN DEFAULT false")
    cur.execute("ALTER TABLE batches ADD COLUMN IF NOT EXISTS cells_rejected INTEGER DEFAULT 0")
    cur.execute("INSERT OR IGNORE INTO store_meta VALUES ('data_version', '0')")
    if fresh:
        cur.execute("INSERT INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    elif found is None or int(found[0]) < SCHEMA_VERSION:
        from .store_migration import migrate  # only older stores need it

        migrate(con, int(found[0]) if found else 1)
    cur.execute("INSERT OR REPLACE INTO store_meta VALUES ('schema_code', ?)", [schema_code()])


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (see SCHEMA_VERSION)."""
    found = con.cursor().execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    return int(found[0]) if found else 1


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that goes up whenever rows are loaded or removed, from the dashboard or the command line:
    cached results are dropped when it changes, so a page never shows results older than the data."""
    found = con.cursor().execute("SELECT value FROM store_meta WHERE key = 'data_version'").fetchone()
    return int(found[0]) if found else 0


def bump_data_version(cur: duckdb.DuckDBPyConnection) -> None:
    """Count a change to the data; call it inside the transaction that makes the change."""
    cur.execute("UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")


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
