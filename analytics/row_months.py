"""A small summary of the store's rows: how many each service has per source, batch and month, with the first and
last day. Which services there are, how far each source's months reach and which batches a service's results rest
on are read from it, not from every row on every page view: at 250 services (10 million rows) each of those
questions scanned the sources in 35-55 ms, and a page asked several of them.

It is rebuilt when the batches change (a load or a removal adds or takes away a batch id; ids are never reused),
by the first reader after the change, under the store's write lock. Recording a response leaves it standing."""

from __future__ import annotations

import hashlib

import duckdb

from .store import writing

# The day each source's rows are judged by; an action plan row counts towards its service only.
DAYS = {"audits": "audit_date", "rota": "rota_date", "complaints": "received_date", "feedback": "feedback_date",
        "actions": None}
_MARK = "row_months_batches"


def create_table(cur: duckdb.DuckDBPyConnection) -> None:
    """The summary table (store.create_schema calls it); filled by the first reader."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS row_months (
            source VARCHAR, service VARCHAR, batch_id INTEGER, month DATE, first_day DATE, last_day DATE,
            rows BIGINT)""")


def current(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on the store once `row_months` matches its batches (rebuilt first if they changed)."""
    cur = con.cursor()
    mark, stored = _marks(cur)
    if stored == mark:
        return cur
    with writing():
        mark, stored = _marks(cur)  # another thread may have rebuilt it while this one waited
        if stored != mark:
            _rebuild(cur, mark)
    return cur


def _marks(cur: duckdb.DuckDBPyConnection) -> tuple[str, str | None]:
    """The batches' mark now and the one the summary was built from, in one query (every reader asks)."""
    ids, stored = cur.execute("SELECT (SELECT list(batch_id ORDER BY batch_id) FROM batches), "
                              "(SELECT value FROM store_meta WHERE key = ?)", [_MARK]).fetchone()
    return hashlib.sha256(",".join(map(str, ids or [])).encode()).hexdigest()[:32], stored


def _rebuild(cur: duckdb.DuckDBPyConnection, mark: str) -> None:
    parts = []
    for table, day in DAYS.items():
        if day is None:
            parts.append(f"SELECT '{table}', service, batch_id, NULL::DATE, NULL::DATE, NULL::DATE, count(*) "
                         f"FROM {table} GROUP BY ALL")
        else:
            parts.append(f"SELECT '{table}', service, batch_id, date_trunc('month', {day})::DATE, min({day})::DATE, "
                         f"max({day})::DATE, count(*) FROM {table} GROUP BY ALL")
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("DELETE FROM row_months")
        cur.execute(f"INSERT INTO row_months {' UNION ALL '.join(parts)}")
        cur.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [_MARK, mark])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
