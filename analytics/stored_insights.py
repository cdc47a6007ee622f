"""Insights computed once per service and month, kept in the store, and served to every page and export.

A service's findings and register rows depend only on its own rows, its leaders' recorded views and the settings,
so each is computed for one service at a time and kept in `insight_runs` under the service, the month it is as of,
and the marks of what it rests on (analytics.run_marks: the data's fingerprint, the leadership response, the
settings). A load that touches one service of a group leaves every other service's results standing; a result
whose marks no longer match is recomputed (or, where only the response changed, judged again) when asked for,
never shown as current.

The tables pages draw from (the Teams and shifts grid, the headline pairs, the triangulation and repeat-finding
tables) are computed in the same run and kept the same way in `insight_tables`, one Parquet table per service,
so every page shows the same stored run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from .board_summary import measure_points, opened_runs
from .findings import Evidence, Finding
from .fragility import measure_table, place_figures
from .frame_blobs import from_blob, to_blob
from .headline_vs_detail import headline_pairs
from .insights import Insights, rejudged, run_insights
from .repeat_findings import repeat_table
from .row_months import current
from .run_cache import shared_run
from .run_marks import code_mark, fingerprints, fingerprints_by_month, response_marks, settings_hash
from .scope import Scope
from .settings import load_settings
from .signals import service_series
from .store import STORED_BY_ANOTHER
from .theme_marks import unchanged_by_fit
from .theme_store import fit_mark, store_themes
from .themes import theme_months, theme_places
from .triangulation import triangulation_table

Progress = Callable[[int, int, str], None]  # (done, of, service) after each batch of services computed
BATCH = 25  # services computed in one run of the analytics
Table = Callable[[duckdb.DuckDBPyConnection, Scope, dict[str, Any]], pd.DataFrame]
# The tables pages show, each with a service column, each judging a service on its own rows.
TABLES: dict[str, Table] = {"measure_table": measure_table, "place_figures": place_figures,
                            "headline_pairs": headline_pairs, "triangulation_table": triangulation_table,
                            "repeat_table": repeat_table, "board_measures": measure_points,
                            "service_series": service_series, "theme_places": theme_places,
                            "theme_months": theme_months}
# Tables naming the store's themes: current only under the theme fit they were named under (analytics.theme_marks),
# which another service's load can change; one found stale is worked out again alone, not with the whole run.
THEMED = {"theme_places", "theme_months"}


def create_table(cur: duckdb.DuckDBPyConnection) -> None:
    """The tables of stored results (store.create_schema calls it). Results under other settings are kept apart
    (the settings are part of the key): the board judges its quarters with its own settings, and keyed by service
    and month alone its runs and the pages' runs replaced each other, so every page recomputed the other's."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS insight_runs (
            service VARCHAR, as_of DATE, fingerprint VARCHAR, settings_hash VARCHAR, computed_at TIMESTAMP,
            seconds DOUBLE, result VARCHAR, PRIMARY KEY (service, as_of, settings_hash))""")
    # What the leadership-response rows of the register rest on (recognitions, actions, imported plans): kept apart
    # from the data's fingerprint so recording an action never makes a concern's history months recompute.
    cur.execute("ALTER TABLE insight_runs ADD COLUMN IF NOT EXISTS response_mark VARCHAR")
    # The full theme fit the run's emerging themes were named under (analytics.theme_marks).
    cur.execute("ALTER TABLE insight_runs ADD COLUMN IF NOT EXISTS theme_mark VARCHAR")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS insight_tables (
            service VARCHAR, as_of DATE, name VARCHAR, fingerprint VARCHAR, settings_hash VARCHAR, data BLOB,
            PRIMARY KEY (service, as_of, name, settings_hash))""")
    for table in ("insight_runs", "insight_tables"):
        _key_by_settings(cur, table)
        # The release of the analytics that worked a result out (run_marks.code_mark), so `prune` can drop what an
        # earlier release stored: its settings mark can never match again, and each upgrade would add a full set.
        cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS code_mark VARCHAR")
    cur.execute("ALTER TABLE insight_tables ADD COLUMN IF NOT EXISTS theme_mark VARCHAR")


def _key_by_settings(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """A store made before results were keyed by their settings: the table rebuilt with the new key, rows kept
    (each old key held one row, so every row fits the new one)."""
    key = cur.execute("""
        SELECT constraint_column_names FROM duckdb_constraints()
        WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'""", [table]).fetchone()
    if key is None or "settings_hash" in key[0]:
        return
    described = cur.execute(f"DESCRIBE {table}").fetchall()
    columns = [row[0] for row in described]
    definition = ", ".join(f"{name} {kind}" for name, kind, *_ in described)
    cur.execute(f"CREATE TABLE {table}_keyed ({definition}, PRIMARY KEY ({', '.join([*key[0], 'settings_hash'])}))")
    cur.execute(f"INSERT INTO {table}_keyed SELECT {', '.join(columns)} FROM {table}")
    cur.execute(f"DROP TABLE {table}")
    cur.execute(f"ALTER TABLE {table}_keyed RENAME TO {table}")


def insights_for(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any] | None = None,
                 progress: Progress | None = None) -> Insights:
    """The insights over the scope's services as of its date: stored results where they are current, the rest
    computed (and stored) now. The same service gives the same findings whichever other services are chosen."""
    settings = settings if settings is not None else load_settings(con)
    as_of = scope.end(con)
    services = services_in(con, scope)
    if as_of is None or not services:
        return Insights(None, [], pd.DataFrame())
    stored = {s: json.loads(text) for s, text in _current(con, services, as_of, settings).items()}
    computed = _compute(con, [s for s in services if s not in stored], as_of, settings, progress)
    findings = [f for s in services for f in (computed[s].findings if s in computed else
                                               [_finding(item) for item in stored[s]["findings"]])]
    # One frame from every stored service's register rows (built per service, the frames cost most of a read),
    # and the computed services' frames, in the services' order.
    records = [row for s in services if s in stored for row in stored[s]["register"]]
    frames = ([_register(records)] if records else []) + [computed[s].register for s in services
                                                          if s in computed and not computed[s].register.empty]
    register = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if records and len(frames) > 1:
        order = {s: n for n, s in enumerate(services)}
        register = register.sort_values("service", key=lambda c: c.map(order), kind="stable", ignore_index=True)
    return Insights(as_of, findings, register)


def stored_table(con: duckdb.DuckDBPyConnection, name: str, scope: Scope,
                 settings: dict[str, Any] | None = None) -> pd.DataFrame:
    """One of TABLES over the scope's services as of its date, from the stored run (computed now where missing)."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; choose from {', '.join(TABLES)}")
    settings = settings if settings is not None else load_settings(con)
    as_of = scope.end(con)
    services = services_in(con, scope)
    if as_of is None or not services:
        return TABLES[name](con, Scope(services=()), settings)  # the table's own columns, no rows
    found = _stored_tables(con, name, services, as_of, settings)
    missing = [s for s in services if s not in found]
    if missing and name in THEMED:
        frame = TABLES[name](con, Scope(tuple(missing), as_of), settings)
        _store_tables(con, missing, as_of, settings, fingerprints(con, missing, as_of), {name: frame},
                      fit_mark(con, settings))
        found.update(_split(frame, missing))
    elif missing:
        _compute(con, missing, as_of, settings)
        found.update(_stored_tables(con, name, missing, as_of, settings))
    frames = [found[s] for s in services if s in found and not found[s].empty]
    return pd.concat(frames, ignore_index=True) if frames else next(iter(found.values()))


def refresh(con: duckdb.DuckDBPyConnection, scope: Scope | None = None, settings: dict[str, Any] | None = None,
            progress: Progress | None = None) -> int:
    """Compute and store whatever is out of date for the scope's services for the results the pages open on
    (analytics.board_summary.opened_runs: the scope's month, the month before, and the board's two quarters); how
    many service-runs were computed."""
    settings = settings if settings is not None else load_settings(con)
    scope = scope or Scope()
    as_of = scope.end(con)
    services = services_in(con, scope)
    if as_of is None or not services:
        return 0
    runs = opened_runs(as_of, settings)
    prune(con)
    store_themes(con, settings)  # the themes fitted to what the store holds now, so each run is judged by that fit
    # What each run rests on, read once for all of them (each reading scans every service's batches), and only the
    # marks of the stored runs compared, not their results.
    marks, responses = fingerprints_by_month(con, services, [day for day, _ in runs]), response_marks(con, services)
    stale = 0
    for day, judged in runs:
        current = set(_current(con, services, day, judged, marks=marks[day], responses=responses, results=False))
        missing = sorted(set(services) - (current & _with_tables(con, services, day, judged, marks[day])))
        _compute(con, missing, day, judged, progress, marks=marks[day], responses=responses)
        stale += len(missing)
    return stale


def prune(con: duckdb.DuckDBPyConnection) -> int:
    """Drop the results an earlier release of the analytics stored (none of them can be served again); how many
    service-runs went. Results under other settings of this release stay: a setting changed back finds them."""
    cur = con.cursor()
    [gone] = cur.execute("DELETE FROM insight_runs WHERE code_mark IS DISTINCT FROM ?", [code_mark()]).fetchone()
    cur.execute("DELETE FROM insight_tables WHERE code_mark IS DISTINCT FROM ?", [code_mark()])
    return int(gone)


def services_in(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    """The services with rows in any source, limited to the scope's."""
    services, values = scope.service_filter()
    return [row[0] for row in current(con).execute(
        f"SELECT DISTINCT service FROM row_months WHERE service IS NOT NULL AND {services} ORDER BY 1",
        values).fetchall()]


def _current(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
             findings_only: bool = False, marks: dict[str, str] | None = None,
             responses: dict[str, str] | None = None, results: bool = True) -> dict[str, str | None]:
    """The stored results (as JSON text; None with `results` False, when only which are current is wanted) of those
    services that have a current one: same fingerprint and settings, computed under the current theme fit or checked
    to name the same emerging themes under it (analytics.theme_marks), and unless only the findings are wanted, the
    same leadership response, or brought up to it now (`_rejudge`: the register again, not the analytics). `marks`
    and `responses`: the services' fingerprints as of `as_of` and response marks, where already read."""
    marks = marks if marks is not None else fingerprints(con, services, as_of)
    responses = {} if findings_only else responses if responses is not None else response_marks(con, services)
    found = con.cursor().execute(f"""
        SELECT service, fingerprint, response_mark, theme_mark, {'result' if results else 'NULL'} FROM insight_runs
        WHERE as_of = ? AND settings_hash = ? AND service IN (SELECT unnest(?))""",
                                 [as_of, settings_hash(settings), services]).fetchall()
    same = {service: (response, theme, result) for service, mark, response, theme, result in found
            if marks.get(service) == mark}
    fit = fit_mark(con, settings)
    refitted = [service for service, (_, theme, _) in same.items() if theme != fit]
    kept = _kept_after_refit(con, refitted, as_of, settings, fit) if refitted else set()
    same = {service: run for service, run in same.items() if run[1] == fit or service in kept}
    responded = [] if findings_only else [s for s, (response, _, _) in same.items() if responses.get(s) != response]
    rejudged = _rejudge(con, responded, as_of, settings, marks, responses, fit) if responded else {}
    return {service: rejudged[service] if service in rejudged and results else result
            for service, (_, _, result) in same.items()}


def _results(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date,
             settings: dict[str, Any]) -> dict[str, str]:
    """The stored results (JSON text) of the services' runs as of the date under the settings."""
    return dict(con.cursor().execute("""
        SELECT service, result FROM insight_runs
        WHERE as_of = ? AND settings_hash = ? AND service IN (SELECT unnest(?))""",
                                     [as_of, settings_hash(settings), services]).fetchall())


def _kept_after_refit(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
                      fit: str) -> set[str]:
    """Of services whose stored runs were computed under another theme fit, those naming the same emerging themes
    under this one; their runs are marked with it, so the check is made once."""
    kept = unchanged_by_fit(con, _results(con, services, as_of, settings), as_of, settings)
    if kept:
        try:
            con.cursor().execute("""
                UPDATE insight_runs SET theme_mark = ?
                WHERE as_of = ? AND settings_hash = ? AND service IN (SELECT unnest(?))""",
                                 [fit, as_of, settings_hash(settings), sorted(kept)])
        except STORED_BY_ANOTHER:
            pass  # another session marked them at the same moment
    return kept


def _rejudge(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
             marks: dict[str, str], responses: dict[str, str], fit: str) -> dict[str, str]:
    """Stored runs whose leadership response changed since (a recognition, an action, an imported plan) brought up
    to it: their findings kept, the register and leaders' mismatches worked out again (insights.rejudged), BATCH
    services at a time, and stored. Their results as JSON text."""
    stored = _results(con, services, as_of, settings)
    done: dict[str, str] = {}
    for first in range(0, len(services), BATCH):
        batch, started = services[first:first + BATCH], time.perf_counter()
        findings = [_finding(item) for service in batch for item in json.loads(stored[service])["findings"]]
        result = rejudged(con, Scope(tuple(batch), as_of), settings, findings)
        seconds = (time.perf_counter() - started) / len(batch)
        for service in batch:
            done[service] = _store_run(con, service, as_of, settings, marks[service], responses[service], fit,
                                       seconds, _part(result, service, as_of))
    return done


def _store_run(con: duckdb.DuckDBPyConnection, service: str, as_of: date, settings: dict[str, Any], mark: str,
               response: str, fit: str, seconds: float, part: Insights) -> str:
    """Keep a service's run under what it rests on; its result as JSON text."""
    text = json.dumps(_as_dict(part), default=str)
    try:
        con.cursor().execute("""
            INSERT OR REPLACE INTO insight_runs (service, as_of, fingerprint, settings_hash, computed_at, seconds,
                                                 result, response_mark, theme_mark, code_mark)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                             [service, as_of, mark, settings_hash(settings), datetime.now(), seconds, text, response,
                              fit, code_mark()])
    except STORED_BY_ANOTHER:
        pass  # another session stored the same result at the same moment: theirs stands
    return text


def findings_history(con: duckdb.DuckDBPyConnection, services: list[str], months: list[date],
                     settings: dict[str, Any] | None = None,
                     progress: Progress | None = None) -> dict[tuple[str, date], list[Finding]]:
    """The findings of each service as of each month end: what a concern's history is read from. Stored runs are
    read whatever the leadership response since (it changes no finding), where their data, settings and theme fit
    are current (`_current`: a month stored under an older theme fit is checked, as the pages' months are, so a
    concern about a theme keeps one name through its history); the rest computed a batch of services per month
    and stored."""
    settings = settings if settings is not None else load_settings(con)
    months = sorted(set(months))
    marks = fingerprints_by_month(con, services, months)
    history: dict[tuple[str, date], list[Finding]] = {
        (service, month): [_finding(item) for item in json.loads(result)["findings"]]
        for month in months
        for service, result in _current(con, services, month, settings, findings_only=True,
                                        marks=marks[month]).items()}
    for done, month in enumerate(months, start=1):
        missing = [s for s in services if (s, month) not in history]
        history.update({(service, month): result.findings for service, result in
                        _compute(con, missing, month, settings, tables=False).items()})
        if progress is not None:
            progress(done, len(months), f"{month:%b %Y}")
    return history


def _compute(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
             progress: Progress | None = None, tables: bool = True, marks: dict[str, str] | None = None,
             responses: dict[str, str] | None = None) -> dict[str, Insights]:
    """Run the analytics for the services, BATCH at a time (most of a run's cost is per call, not per service), and
    store each service's part: every analytic judges a service on its own rows, so a service's part of a batch is
    what a run for it alone finds. `marks` and `responses` as `_current`'s, where already read."""
    if not services:
        return {}
    marks = marks if marks is not None else fingerprints(con, services, as_of)
    responses = responses if responses is not None else response_marks(con, services)
    found: dict[str, Insights] = {}
    for first in range(0, len(services), BATCH):
        batch, started = services[first:first + BATCH], time.perf_counter()
        with shared_run(tuple(batch)):  # the page tables ask much of what the findings asked: answered once
            result = run_insights(con, Scope(tuple(batch), as_of), settings)
            seconds, fit = (time.perf_counter() - started) / len(batch), fit_mark(con, settings)
            if tables:  # a concern's history needs the findings alone
                computed = {name: table(con, Scope(tuple(batch), as_of), settings) for name, table in TABLES.items()}
        for service in batch:
            part = _part(result, service, as_of)
            found[service] = part
            _store_run(con, service, as_of, settings, marks[service], responses[service], fit, seconds, part)
        if tables:
            _store_tables(con, batch, as_of, settings, marks, computed, fit)
        if progress is not None:
            progress(min(first + BATCH, len(services)), len(services), batch[-1])
    return found


def _stored_tables(con: duckdb.DuckDBPyConnection, name: str, services: list[str], as_of: date,
                   settings: dict[str, Any]) -> dict[str, pd.DataFrame]:
    marks = fingerprints(con, services, as_of)
    fit = fit_mark(con, settings) if name in THEMED else None
    found = con.cursor().execute("""
        SELECT service, fingerprint, theme_mark, data FROM insight_tables
        WHERE name = ? AND as_of = ? AND settings_hash = ? AND service IN (SELECT unnest(?))""",
                                 [name, as_of, settings_hash(settings), services]).fetchall()
    return {service: from_blob(data) for service, mark, themes, data in found
            if marks.get(service) == mark and (fit is None or themes == fit)}


def _with_tables(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
                 marks: dict[str, str]) -> set[str]:
    """The services with every one of TABLES stored and current for the run (a release that adds a table computes
    it at the next refresh, not in someone's first view); `marks`, their fingerprints as of the run's month."""
    found = con.cursor().execute("""
        SELECT service, fingerprint, list(name) FROM insight_tables
        WHERE as_of = ? AND settings_hash = ? AND service IN (SELECT unnest(?)) GROUP BY service, fingerprint""",
                                 [as_of, settings_hash(settings), services]).fetchall()
    return {service for service, mark, names in found if marks.get(service) == mark and set(TABLES) <= set(names)}


def _split(frame: pd.DataFrame, services: list[str]) -> dict[str, pd.DataFrame]:
    """A table's part for each service (the table split once, not filtered per service; no rows where it has none)."""
    parts = {} if frame.empty else dict(list(frame.groupby("service", sort=False)))
    return {service: parts.get(service, frame.iloc[0:0]) for service in services}


def _store_tables(con: duckdb.DuckDBPyConnection, batch: list[str], as_of: date, settings: dict[str, Any],
                  marks: dict[str, str], computed: dict[str, pd.DataFrame], fit: str) -> None:
    """Each table's part for each service of the batch, stored in one statement per table, with the theme fit
    (`fit`) the run named themes under."""
    hashed, release = settings_hash(settings), code_mark()
    insert = """INSERT OR REPLACE INTO insight_tables (service, as_of, name, fingerprint, settings_hash, data,
                                                   code_mark, theme_mark) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
    for name, frame in computed.items():
        rows = [[service, as_of, name, marks[service], hashed, to_blob(part), release, fit]
                for service, part in _split(frame, batch).items()]
        try:
            con.cursor().executemany(insert, rows)
        except STORED_BY_ANOTHER:  # another session storing the same at the same moment: theirs stand
            for row in rows:
                try:
                    con.cursor().execute(insert, row)
                except STORED_BY_ANOTHER:
                    pass


def _part(result: Insights, service: str, as_of: date) -> Insights:
    register = result.register
    if not register.empty:
        register = register[register["service"] == service].reset_index(drop=True)
    return Insights(as_of, [f for f in result.findings if f.service == service], register)


def _as_dict(insights: Insights) -> dict[str, Any]:
    if insights.register.empty:  # nothing judged (no data up to the date): no register columns to write
        return {"as_of": insights.as_of.isoformat() if insights.as_of else None, "register": [],
                "findings": [f.to_dict() for f in insights.findings]}
    return insights.to_dict()


def _register(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Register rows back from their stored records: evidence as Evidence, missing values as None."""
    register = pd.DataFrame(records)
    if not register.empty:
        register["evidence"] = [[Evidence(**e) for e in row] for row in register["evidence"]]
        register = register.astype({"team": object}).where(register.notna(), None)
    return register


def _finding(item: dict[str, Any]) -> Finding:
    item = dict(item)
    item.pop("period", None)
    item["subject"] = item.pop("theme_or_item")
    item["period_start"] = date.fromisoformat(item["period_start"])
    item["period_end"] = date.fromisoformat(item["period_end"])
    item["evidence"] = tuple(Evidence(**e) for e in item["evidence"])
    return Finding(**item)
