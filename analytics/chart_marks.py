"""What a trend chart carries besides its data: the dates of the actions taken about the place and measure, and new
limits a person started at one of them, with the reason.

Making Data Count asks that limits are restarted only once the cause of a change is understood, and never
silently: a new start is recorded with who chose it, when and why, in the audit trail as well, and every chart of
that place and measure uses it from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from .access import NotAllowed, User
from .actions import actions_for
from .audit_trail import record
from .concerns import tracked
from .follow_through import concern_measure
from .scope import Scope
from .settings import load_settings
from .signals import metric
from .store import bump_data_version


@dataclass(frozen=True)
class ActionMark:
    """An action about the chart's place and measure: done on `on`, or due then."""

    on: date
    what: str
    done: bool

    def label(self) -> str:
        return f"{'Done' if self.done else 'Due'}: {self.what}"


@dataclass(frozen=True)
class NewLimits:
    """Limits started afresh at `start` (the first month of the new period), chosen by a person for a reason."""

    start: date
    reason: str
    chosen_by: str


def create_tables(cur: duckdb.DuckDBPyConnection) -> None:
    """The recorded new starts of a chart's limits (store.create_schema calls it)."""
    cur.execute("""
        CREATE TABLE IF NOT EXISTS spc_new_limits (
            service VARCHAR, team VARCHAR, shift VARCHAR, measure VARCHAR, start_month DATE, reason VARCHAR,
            chosen_by VARCHAR, chosen_at TIMESTAMP)""")


def action_marks(con: duckdb.DuckDBPyConnection, service: str, team: str | None, shift: str | None,
                 metric_id: str, settings: dict[str, Any] | None = None) -> list[ActionMark]:
    """The actions on concerns at exactly this place whose measure is the chart's (the measure the action expects
    to move, or else its concern's own), recorded in the app or imported from an action plan: at their completion
    date, or their due date while not done."""
    measure_id = metric(metric_id).measure
    settings = settings if settings is not None else load_settings(con)
    here = {c.concern_id: c for c in tracked(con, Scope((service,))) if (c.team, c.shift) == (team, shift)}
    marks = []
    for action in actions_for(con, list(here), settings):
        on = action.completed or action.due
        expected = action.expected_measure or concern_measure(here[action.concern_id])[0]
        if on is not None and expected == measure_id and action.status != "dropped":
            marks.append((on, action.action_id, ActionMark(on, action.what, action.completed is not None)))
    return [mark for *_, mark in sorted(marks, key=lambda m: (m[0], m[1]))]


def new_limits(con: duckdb.DuckDBPyConnection, service: str, team: str | None, shift: str | None,
               metric_id: str) -> list[NewLimits]:
    """The new starts recorded for this place and measure, oldest first."""
    rows = con.cursor().execute("""
        SELECT start_month, reason, chosen_by FROM spc_new_limits
        WHERE service = ? AND team IS NOT DISTINCT FROM ? AND shift IS NOT DISTINCT FROM ? AND measure = ?
        ORDER BY start_month""", [service, team, shift, metric(metric_id).measure]).fetchall()
    return [NewLimits(start, reason, by) for start, reason, by in rows]


def record_new_limits(con: duckdb.DuckDBPyConnection, user: User, service: str, team: str | None, shift: str | None,
                      metric_id: str, start: date, reason: str) -> NewLimits:
    """Start the chart's limits afresh at `start`'s month for a stated reason; kept with its audit-trail line."""
    user.require("manage_actions")
    if user.services is not None and service not in user.services:
        raise NotAllowed(f"{user.email} may not change the charts of {service}")
    if not reason.strip():
        raise ValueError("say why the limits start afresh (the cause of the change, or the action taken)")
    month = start.replace(day=1)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("INSERT INTO spc_new_limits VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                    [service, team, shift, metric(metric_id).measure, month, reason.strip(), user.email])
        record(cur, user.email, "start_new_limits", {"service": service, "team": team, "shift": shift,
                                                     "measure": metric_id, "start": month, "reason": reason.strip()})
        bump_data_version(cur)  # pages drop cached results, wherever it was recorded
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    return NewLimits(month, reason.strip(), user.email)
