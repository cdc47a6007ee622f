"""Tracked concerns: each finding that is a concern or fragile, kept under one identity month after month.

A concern's identity is its kind, place (service, team, shift) and subject (the audit item, measure or theme);
its figures change from month to month, its identity does not. Its history is the month ends at which its
pattern showed in the data, computed back through the stored insights as of each month end (cached in
`insight_runs`), so its first signal is the first month the pattern showed, not the day someone looked.

What leaders did about it (recognition here, actions in `analytics.actions`) is recorded against the concern;
its state is derived from the record and the data every time it is read, never typed in (see `concern_state`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
from rapidfuzz import fuzz

from .access import User
from .audit_trail import record
from .findings import Finding
from .measures import DATE_COLUMNS
from .row_months import current
from .run_marks import fingerprints, settings_hash
from .scope import Scope, month_end, months_back
from .settings import load_settings
from .store import bump_data_version
from .stored_insights import Progress, findings_history, insights_for, refresh, services_in

# Kinds that say something is wrong (the register's negative kinds); with status concern or fragile, tracked.
TRACKED_KINDS = ("repeat_finding", "masked_weakness", "fragility", "assurance_gap", "emerging_theme",
                 "special_cause", "not_embedded", "experience_ahead", "narrative_mismatch")
TRACKED_STATUSES = ("concern", "fragile")
_TRACKING = threading.RLock()
# Subjects worded from free text move a little from month to month; they are matched by likeness, not equality.
THEME_KINDS = ("emerging_theme",)
JUDGEMENTS = ("isolated", "repeated", "high impact")

Identity = tuple[str, str, str | None, str | None, str]


@dataclass(frozen=True)
class Recognition:
    """A leader's acknowledgement of a concern and their judgement of it."""

    recognised_on: date
    recognised_by: str
    judgement: str   # isolated | repeated | high impact
    cause: str


@dataclass(frozen=True)
class TrackedConcern:
    """One concern as stored: identity, latest figures and the months its pattern showed."""

    concern_id: int
    kind: str
    service: str
    team: str | None
    shift: str | None
    subject: str
    key_question: str | None
    status: str
    summary: str
    last_seen: date | None
    months: tuple[tuple[date, bool], ...]   # (month end, pattern present), oldest first
    recognition: Recognition | None

    @property
    def identity(self) -> Identity:
        return (self.kind, self.service, self.team, self.shift, self.subject)

    @property
    def first_signal(self) -> date | None:
        """The first month end at which the pattern showed."""
        return next((month for month, present in self.months if present), None)

    @property
    def present_now(self) -> bool:
        return bool(self.months) and self.months[-1][1]

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.service, self.team, self.shift) if p)


def create_tables(cur: duckdb.DuckDBPyConnection) -> None:
    """The concern tables (store.create_schema calls it)."""
    cur.execute("CREATE SEQUENCE IF NOT EXISTS concern_ids START 1")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS concerns (
            concern_id INTEGER PRIMARY KEY, kind VARCHAR, service VARCHAR, team VARCHAR, shift VARCHAR,
            subject VARCHAR, key_question VARCHAR, status VARCHAR, summary VARCHAR, first_recorded DATE,
            last_seen DATE)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS concern_months (
            concern_id INTEGER, month DATE, present BOOLEAN, PRIMARY KEY (concern_id, month))""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS concern_tracking (service VARCHAR PRIMARY KEY, mark VARCHAR)""")
    cur.execute("""
        CREATE TABLE IF NOT EXISTS concern_recognitions (
            concern_id INTEGER, recognised_on DATE, recognised_by VARCHAR, judgement VARCHAR, cause VARCHAR,
            recorded_at TIMESTAMP)""")
    from .actions import create_tables as action_tables  # the actions recorded against concerns

    action_tables(cur)


def identity(finding: Finding) -> Identity:
    return (finding.kind, finding.service, finding.team, finding.shift, finding.subject)


def is_tracked(finding: Finding) -> bool:
    """A finding that becomes a tracked concern: a negative kind judged concern or fragile (never limited)."""
    return finding.kind in TRACKED_KINDS and finding.status in TRACKED_STATUSES


def same_pattern(key: Identity, finding: Finding, min_score: float) -> bool:
    """Whether a finding shows the concern with this identity: same kind and place, same subject (or, for a theme
    worded from free text, a subject at least `min_score` alike)."""
    if key[:4] != identity(finding)[:4]:
        return False
    if key[4] == finding.subject:
        return True
    return key[0] in THEME_KINDS and fuzz.token_set_ratio(key[4], finding.subject) >= min_score


def track(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any] | None = None,
          progress: Progress | None = None) -> list[int]:
    """Bring the concerns of the scope's services up to its date: a tracked finding with no concern yet gets one,
    and so does a past pattern that lasted (`lasting`); every concern of a service gets its months (present or
    not) back through history. The concern ids touched.

    The history is read from the stored runs (analytics.stored_insights.findings_history), computed a batch of
    services per month where missing: a month's findings do not change when leaders record a response."""
    with _TRACKING:  # two sessions (or the background refresh and a page) tracking at once made concerns twice
        return _track(con, scope, settings if settings is not None else load_settings(con), progress)


def _track(con: duckdb.DuckDBPyConnection, scope: Scope, settings: dict[str, Any],
           progress: Progress | None) -> list[int]:
    as_of = scope.end(con)
    if as_of is None:
        return []
    every = services_in(con, scope)
    data = fingerprints(con, every, as_of) if every else {}
    marks = _tracking_marks(con, every, as_of, settings, data)
    done = dict(con.cursor().execute("SELECT service, mark FROM concern_tracking WHERE service IN (SELECT unnest(?))",
                                     [every]).fetchall()) if every else {}
    services = [s for s in every if done.get(s) != marks[s]]  # the rest are tracked up to date already
    if not services:
        return [cid for service in every for cid in _stored_keys(con, service)]
    now = insights_for(con, Scope(tuple(services), as_of), settings).findings
    months = {service: history_months(con, service, as_of, settings) for service in services}
    history = findings_history(con, services, sorted({m for ms in months.values() for m in ms}), settings,
                               progress)
    score = settings["thresholds"]["action_match_score"]
    known = {}
    for service in services:
        known[service] = _recorded(con, service, [f for f in now if f.service == service and is_tracked(f)], as_of,
                                   settings)
        _record_past(con, service, lasting(history, service, months[service], settings), known[service], score)
    rows = [(cid, month, any(same_pattern(key, f, score) for f in found))
            for service, service_months in months.items() for month in service_months
            for found in [[f for f in history[(service, month)] if is_tracked(f)]]
            for cid, key in known[service].items()]
    if rows:  # one statement: a row at a time took seconds for a group's few thousand concern-months
        cur = con.cursor()
        cur.register("concern_rows", pd.DataFrame(rows, columns=["concern_id", "month", "present"]))
        cur.execute("INSERT OR REPLACE INTO concern_months SELECT concern_id, month, present FROM concern_rows")
        cur.unregister("concern_rows")
    after = _tracking_marks(con, services, as_of, settings, data)  # with the concerns this run added
    con.cursor().executemany("INSERT OR REPLACE INTO concern_tracking VALUES (?, ?)", list(after.items()))
    return [cid for service in every for cid in (known[service] if service in known else _stored_keys(con, service))]


def _tracking_marks(con: duckdb.DuckDBPyConnection, services: list[str], as_of: date, settings: dict[str, Any],
                    data: dict[str, str]) -> dict[str, str]:
    """What a service's concerns were last tracked from: the month, its data and leaders' views (`data`, the stored
    results' fingerprints), the settings and its concerns. Opening a page tracks again only where one changed, and
    so writes nothing on a plain view."""
    if not services:
        return {}
    ids = dict(con.cursor().execute("""
        SELECT service, list(concern_id ORDER BY concern_id) FROM concerns WHERE service IN (SELECT unnest(?))
        GROUP BY service""", [services]).fetchall())
    rules = settings_hash(settings)
    return {s: hashlib.sha256(json.dumps([as_of.isoformat(), data[s], rules, ids.get(s)]).encode()).hexdigest()[:32]
            for s in services}


def refresh_with_history(con: duckdb.DuckDBPyConnection, scope: Scope | None = None,
                         settings: dict[str, Any] | None = None, progress: Progress | None = None) -> int:
    """After a load or removal: the stored findings brought up to date (analytics.stored_insights.refresh), then
    each concern's months back through history, so neither the pages nor the board pack wait for them. How many
    service-months the first step computed."""
    settings = settings if settings is not None else load_settings(con)
    computed = refresh(con, scope, settings, progress)
    track(con, scope or Scope(), settings, progress)
    return computed


def lasting(history: dict[tuple[str, date], list[Finding]], service: str, months: list[date],
            settings: dict[str, Any]) -> list[tuple[date, Finding]]:
    """The service's tracked patterns of the past that showed in at least `concern_min_months` months: each with
    the last month it showed and its finding then. A pattern of a month or two is noise leaders need not answer."""
    seen: dict[Identity, list[tuple[date, Finding]]] = {}
    for month in months:
        for finding in history.get((service, month), []):
            if is_tracked(finding):
                seen.setdefault(identity(finding), []).append((month, finding))
    least = settings["thresholds"]["concern_min_months"]
    return [shown[-1] for shown in seen.values() if len(shown) >= least]


def _insert_concern(cur: duckdb.DuckDBPyConnection, service: str, finding: Finding, seen: date) -> int:
    """A new concern for the finding, first recorded and last seen on `seen`; its id."""
    return cur.execute("""
        INSERT INTO concerns VALUES (nextval('concern_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING concern_id""", [finding.kind, service, finding.team, finding.shift, finding.subject,
                                  finding.key_question, finding.status, finding.summary, seen, seen]).fetchone()[0]


def _record_past(con: duckdb.DuckDBPyConnection, service: str, past: list[tuple[date, Finding]],
                 known: dict[int, Identity], score: float) -> None:
    """A concern for each lasting past pattern that matches none yet, last seen the last month it showed."""
    cur = con.cursor()
    for last, finding in past:
        if any(same_pattern(key, finding, score) for key in known.values()):
            continue
        known[_insert_concern(cur, service, finding, last)] = identity(finding)


def _recorded(con: duckdb.DuckDBPyConnection, service: str, now: list[Finding], as_of: date,
              settings: dict[str, Any]) -> dict[int, Identity]:
    """The service's concerns, with a new one for each tracked finding that matches none yet."""
    score = settings["thresholds"]["action_match_score"]
    known = _stored_keys(con, service)
    cur = con.cursor()
    for finding in now:
        match = next((cid for cid, key in known.items() if same_pattern(key, finding, score)), None)
        if match is None:
            known[_insert_concern(cur, service, finding, as_of)] = identity(finding)
        else:
            cur.execute("UPDATE concerns SET status = ?, summary = ?, last_seen = greatest(last_seen, ?) "
                        "WHERE concern_id = ?", [finding.status, finding.summary, as_of, match])
    return known


def history_months(con: duckdb.DuckDBPyConnection, service: str, as_of: date, settings: dict[str, Any]) -> list[date]:
    """The month ends from the service's first month of data (or concern_history_months back) to `as_of`."""
    first = current(con).execute("SELECT min(first_day) FROM row_months WHERE source IN (SELECT unnest(?)) "
                                 "AND service = ?", [list(DATE_COLUMNS), service]).fetchone()[0]
    if first is None:
        return []
    earliest = max(first, months_back(as_of, settings["thresholds"]["concern_history_months"] - 1))
    months, month = [], month_end(as_of)
    while month >= earliest:
        months.append(month)
        month = month_end(months_back(month, 1))
    return sorted(m for m in months if m <= as_of) or [as_of]


def _stored_keys(con: duckdb.DuckDBPyConnection, service: str) -> dict[int, Identity]:
    rows = con.cursor().execute("SELECT concern_id, kind, service, team, shift, subject FROM concerns "
                                "WHERE service = ? ORDER BY concern_id", [service]).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def tracked(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date | None = None) -> list[TrackedConcern]:
    """The stored concerns of the scope's services, with their months up to `as_of` and latest recognition."""
    services, values = scope.service_filter()
    cur = con.cursor()
    rows = cur.execute(f"""
        SELECT concern_id, kind, service, team, shift, subject, key_question, status, summary, last_seen
        FROM concerns WHERE {services} ORDER BY service, concern_id""", values).fetchall()
    ids = [row[0] for row in rows]
    months: dict[int, list[tuple[date, bool]]] = {}
    for cid, month, present in cur.execute("""
            SELECT concern_id, month, present FROM concern_months
            WHERE concern_id IN (SELECT unnest(?)) AND (? IS NULL OR month <= ?) ORDER BY month""",
                                           [ids, as_of, as_of]).fetchall():
        months.setdefault(cid, []).append((month, present))
    # Looking back from an earlier month hides what was recorded after it; as of the latest data, a recognition
    # recorded today (after the last month loaded) is shown.
    latest = Scope(scope.services).end(con) if as_of is not None else None
    until = as_of if latest is not None and as_of < latest else None
    recognitions = {row[0]: Recognition(*row[1:]) for row in cur.execute("""
            SELECT concern_id, recognised_on, recognised_by, judgement, cause FROM concern_recognitions
            WHERE concern_id IN (SELECT unnest(?)) AND (? IS NULL OR recognised_on <= ?)
            ORDER BY recorded_at""", [ids, until, until]).fetchall()}
    return [TrackedConcern(*row[:9], last_seen=row[9], months=tuple(months.get(row[0], [])),
                           recognition=recognitions.get(row[0])) for row in rows]


def concern_by_id(con: duckdb.DuckDBPyConnection, concern_id: int, user: User) -> TrackedConcern:
    """One concern, if it is in the person's services; a LookupError otherwise (another service is not there)."""
    found = [c for c in tracked(con, Scope(user.services)) if c.concern_id == concern_id]
    if not found:
        raise LookupError(f"no concern {concern_id} in your services")
    return found[0]


def recognise(con: duckdb.DuckDBPyConnection, user: User, concern_id: int, judgement: str, cause: str = "",
              on: date | None = None) -> Recognition:
    """Record that a leader recognised a concern and judged it (isolated, repeated or high impact; likely cause).
    Registered managers and quality leads may; the record and its line in the audit trail are kept together."""
    user.require("manage_actions")
    if judgement not in JUDGEMENTS:
        raise ValueError(f"judgement must be one of {', '.join(JUDGEMENTS)}; got {judgement!r}")
    concern = concern_by_id(con, concern_id, user)
    on = on or date.today()
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("INSERT INTO concern_recognitions VALUES (?, ?, ?, ?, ?, ?)",
                    [concern_id, on, user.email, judgement, cause.strip(), datetime.now()])
        record(cur, user.email, "recognise_concern", {"concern": concern_id, "place": concern.place,
                                                      "subject": concern.subject, "judgement": judgement,
                                                      "recognised_on": on})
        bump_data_version(cur)  # pages drop cached results, wherever it was recorded
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return Recognition(on, user.email, judgement, cause.strip())
