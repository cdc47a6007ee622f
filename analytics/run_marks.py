"""What a stored run rests on, as marks compared when it is read: the data's fingerprint (the batches holding the
service's rows up to the run's month, and its leaders' views), the leadership response recorded since, and the
settings with the analytics' code. A run whose marks no longer match is not shown as current
(analytics.stored_insights)."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from .measures import DATE_COLUMNS
from .row_months import current
from .scope import month_start


def fingerprint(con: duckdb.DuckDBPyConnection, service: str, as_of: date | None = None) -> str:
    """What a service's results as of `as_of` were computed from: the batches holding its rows up to that date (all
    of them without one) and its leaders' views."""
    return fingerprints(con, [service], as_of)[service]


def fingerprints(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date | None = None) -> dict[str, str]:
    """`fingerprint` of each service, in two queries whatever the number of services. A batch whose rows all fall
    after `as_of` changes nothing judged as of it, so loading a new month leaves the months before it standing
    (a concern's history is not recomputed on every monthly upload). Leaders' views speak of the picture when they
    were given, the latest data: they count from the service's latest month on, so recording one leaves the
    history standing too."""
    return fingerprints_by_month(con, services, [as_of])[as_of]


def fingerprints_by_month(con: duckdb.DuckDBPyConnection, services: list[str],
                          months: list[date | None]) -> dict[date | None, dict[str, str]]:
    """`fingerprints` as of each of the months, from one reading of the batches' spans and the views."""
    cur = current(con)
    spans = cur.execute("""
        SELECT service, batch_id, min(first_day), max(last_day) FROM row_months
        WHERE source IN (SELECT unnest(?)) AND service IN (SELECT unnest(?)) GROUP BY service, batch_id""",
                        [list(DATE_COLUMNS), services]).fetchall()
    latest: dict[str, date] = {}
    for service, _, _, last in spans:
        latest[service] = max(latest.get(service, last), last)
    views = dict(cur.execute("""
        SELECT service, list(view_id ORDER BY view_id) FROM leader_views WHERE service IN (SELECT unnest(?))
        GROUP BY service""", [services]).fetchall())
    marks = {}
    for as_of in months:
        batches: dict[str, list[int]] = {}
        for service, batch_id, first, _ in spans:
            if as_of is None or first <= as_of:
                batches.setdefault(service, []).append(batch_id)
        marks[as_of] = {s: hashlib.sha256(json.dumps([sorted(batches.get(s, [])), _views_counted(
            views.get(s), latest.get(s), as_of)]).encode()).hexdigest()[:32] for s in services}
    return marks


def _views_counted(views: list[int] | None, latest: date | None, as_of: date | None) -> list[int]:
    if as_of is None or latest is None or as_of >= month_start(latest):
        return views or []
    return []


def response_marks(con: duckdb.DuckDBPyConnection, services: list[str]) -> dict[str, str]:
    """What each service's leadership response was when its results were computed: its imported action plans and
    the recognitions, actions and links recorded against its concerns."""
    cur = con.cursor()
    plans = dict(cur.execute("""
        SELECT service, list(batch_id ORDER BY batch_id)
        FROM (SELECT unnest(services) AS service, batch_id FROM batches WHERE source = 'actions')
        WHERE service IN (SELECT unnest(?)) GROUP BY service""", [services]).fetchall())
    recorded = {service: (count, at) for service, count, at in cur.execute("""
        SELECT c.service, count(*), max(r.at)
        FROM (SELECT concern_id, recorded_at AS at FROM concern_recognitions
              UNION ALL SELECT concern_id, coalesce(updated_at, created_at) FROM concern_actions
              UNION ALL SELECT concern_id, linked_at FROM action_links) r
        JOIN concerns c USING (concern_id)
        WHERE c.service IN (SELECT unnest(?)) GROUP BY c.service""", [services]).fetchall()}
    return {s: hashlib.sha256(json.dumps([plans.get(s), recorded.get(s)], default=str).encode()).hexdigest()[:32]
            for s in services}


def settings_hash(settings: dict[str, Any]) -> str:
    """What a stored result was worked out under: the settings and the analytics' code. A release that changes a
    rule makes every stored result out of date, as a changed setting does, so `refresh` (which ./start.sh runs)
    works them out again rather than serving what the old rules found."""
    text = json.dumps(settings, sort_keys=True, default=str) + code_mark()
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def code_mark() -> str:
    """A hash of the analytics package's source: every module that reads, measures or judges."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
